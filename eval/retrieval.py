"""Compare dense, BM25 and fused retrieval: recall@5 and MRR on the eval questions.

A retrieved passage is a hit when its span contains one of the case's
`evidence` strings (exact text of the corpus that answers it). Questions go
through the same follow-up handling and alias expansion as the answer engine.

    python eval/retrieval.py [CASES ...]     # default: eval/tuning.jsonl eval/questions.jsonl
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from app.engine.query import clean_question, contextualize
from app.engine.retrieve import Retriever
from app.engine.terms import expand_aliases
from app.settings import Settings
from ingest.embed import load_embeddings
from ingest.index import ingest
from ingest.load import read_text
from ingest.store import open_store

HERE = Path(__file__).resolve().parent
MODES = ("dense", "lexical", "hybrid")
DEPTH = 10  # ranks looked at for MRR


def evidence_spans(case: dict, corpus: Path) -> list[tuple[str, int, int]]:
    spans = []
    for source in case.get("sources", []):
        text = read_text(corpus / source)
        for quote in case.get("evidence", []):
            at = text.find(quote)
            if at >= 0:
                spans.append((source, at, at + len(quote)))
    return spans


def first_hit(passages, spans) -> int | None:
    """Rank (from 1) of the first passage containing an evidence span."""
    for rank, p in enumerate(passages, start=1):
        c = p.chunk
        if any(c.source == s and c.start <= a and b <= c.end for s, a, b in spans):
            return rank
    return None


def evaluate(cases: list[dict], retriever: Retriever, corpus: Path) -> dict[str, dict]:
    ranks: dict[str, list[int | None]] = {m: [] for m in MODES}
    for case in cases:
        spans = evidence_spans(case, corpus)
        if case.get("expect") != "answer" or not spans:
            continue
        query = contextualize(clean_question(case["question"]), case.get("history"))
        vector = retriever.embed(expand_aliases(query.text))
        for mode in MODES:
            found = retriever.search(query.text, k=DEPTH, mode=mode, vector=vector)
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
        retriever = Retriever(open_store(settings), load_embeddings(settings.embedding_model))
        print("| Cases | Retriever | Questions | Recall@5 | MRR@10 |\n|---|---|---|---|---|")
        for path in args.cases:
            cases = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
            for mode, r in evaluate(cases, retriever, corpus).items():
                print(f"| {path.name} | {mode} | {r['cases']} | {r['recall@5']:.3f} "
                      f"| {r['mrr']:.3f} |")


if __name__ == "__main__":
    main()
