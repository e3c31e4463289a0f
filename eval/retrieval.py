"""Compare dense, BM25 and fused retrieval: recall@5 and MRR on the eval questions.

A retrieved passage is a hit when its span contains one of the case's
`evidence` strings (exact text of the corpus that answers it). Only `answer`
cases with evidence found in their sources count. Each question is first put
through the engine itself (`Engine.assess`: its follow-up handling and alias
expansion), then searched at each mode with the query and vector the engine
would use. It ingests the corpus into a temporary folder and changes nothing.

    python eval/retrieval.py [CASES ...]     # default: eval/tuning.jsonl eval/questions.jsonl
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from app.engine import Engine, Passage, Retriever
from app.evaluation import Case, read_cases
from app.settings import Settings
from ingest.index import ingest
from ingest.load import read_text
from ingest.store import open_store

HERE = Path(__file__).resolve().parent
MODES = ("dense", "lexical", "hybrid")
DEPTH = 10  # ranks looked at for MRR


def evidence_spans(case: Case, corpus: Path) -> list[tuple[str, int, int]]:
    """(source, start, end) of each of the case's evidence quotes found in its sources."""
    spans = []
    for source in case.sources:
        text = read_text(corpus / source)
        for quote in case.extra.get("evidence", []):
            at = text.find(quote)
            if at >= 0:
                spans.append((source, at, at + len(quote)))
    return spans


def first_hit(passages: list[Passage], spans: list[tuple[str, int, int]]) -> int | None:
    """Rank (from 1) of the first passage containing an evidence span."""
    for rank, p in enumerate(passages, start=1):
        c = p.chunk
        if any(c.source == s and c.start <= a and b <= c.end for s, a, b in spans):
            return rank
    return None


def evaluate(cases: list[Case], engine: Engine, retriever: Retriever,
             corpus: Path) -> dict[str, dict]:
    ranks: dict[str, list[int | None]] = {m: [] for m in MODES}
    for case in cases:
        spans = evidence_spans(case, corpus)
        if case.expect != "answer" or not spans:
            continue
        seen = engine.assess(case.question, case.history)  # the query the engine searches
        for mode in MODES:
            found = retriever.search(seen.query.text, k=DEPTH, mode=mode, vector=seen.vector)
            ranks[mode].append(first_hit(found, spans))
    return {m: {"cases": len(r),
                "recall@5": sum(1 for x in r if x and x <= 5) / max(len(r), 1),
                "mrr": sum(1 / x for x in r if x) / max(len(r), 1)} for m, r in ranks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", type=Path,
                        default=[HERE / "tuning.jsonl", HERE / "questions.jsonl"])
    args = parser.parse_args()
    corpus = HERE.parent / "corpus"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=corpus, data_dir=Path(tmp))
        ingest(settings)
        engine = Engine(settings)
        retriever = Retriever(open_store(settings), engine.embeddings)
        print("| Cases | Retriever | Questions | Recall@5 | MRR@10 |\n|---|---|---|---|---|")
        for path in args.cases:
            cases, errors = read_cases(path)
            if errors:
                raise SystemExit("\n".join(errors))
            for mode, r in evaluate(cases, engine, retriever, corpus).items():
                print(f"| {path.name} | {mode} | {r['cases']} | {r['recall@5']:.3f} "
                      f"| {r['mrr']:.3f} |")


if __name__ == "__main__":
    main()
