"""How far the engine's own signals can go on a case file: retrieval, ranking and answerability apart.

    CORPUS_DIR=eval/squad/heldout/corpus DATA_DIR=/tmp/squad-data python -m ingest
    CORPUS_DIR=eval/squad/heldout/corpus DATA_DIR=/tmp/squad-data \\
        python eval/ceiling.py eval/squad/heldout/cases.jsonl

For every case it asks the engine to assess the question (no policy, no reply) and composes the
answer the reader would give whatever the decision, then reports, over the answerable cases
(`expect` answer, with `must_include`): how often the key fact is in any retrieved candidate
sentence (retrieval's ceiling), in the would-be answer and in its first sentence (ranking's);
and over all cases, how well the decision margin (`scores["answerability"]`) tells answerable
from unanswerable questions (ROC AUC), the decision accuracy counting an answer right only when
it holds the key fact at the shipped threshold (0) and at the best threshold in hindsight (an
upper bound for any recalibration of this margin), and what share of answerable questions is
still answered, with the key fact, where 75% of unanswerable ones are declined.

It changes nothing and fits nothing; it reads the store the environment names.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import Engine
from app.engine.reader import choose
from app.evaluation import read_cases
from app.evaluation.checks import _comparable
from app.settings import get_settings


def has(groups: list[list[str]], text: str) -> bool:
    """Does `text` hold one alternative of every group (the evaluator's must_include check)?"""
    text = _comparable(text)
    return bool(groups) and all(any(_comparable(alt) in text for alt in group) for group in groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path)
    args = parser.parse_args(argv)
    settings = get_settings()
    engine = Engine(settings)
    cases, errors = read_cases(args.cases)
    if errors:
        raise SystemExit("\n".join(errors))
    rows = []
    for case in cases:
        found = engine.assess(case.question, case.history)
        chosen = [c.scored.sentence.text for c in choose(
            found.candidates, limit=settings.max_answer_sentences, relative=engine._reader.relative)]
        rows.append({
            "answerable": case.expect == "answer", "margin": found.scores.get("answerability", -99.0),
            "any": has(case.must_include, " ".join(c.scored.sentence.text for c in found.candidates)),
            "answer": has(case.must_include, " ".join(chosen)),
            "first": bool(chosen) and has(case.must_include, chosen[0])})
    answerable = [r for r in rows if r["answerable"]]
    other = [r for r in rows if not r["answerable"]]
    print(f"{len(rows)} cases, {len(answerable)} answerable")
    print(f"key fact among the candidates {np.mean([r['any'] for r in answerable]):.3f}, "
          f"in the would-be answer {np.mean([r['answer'] for r in answerable]):.3f}, "
          f"in its first sentence {np.mean([r['first'] for r in answerable]):.3f}")
    if not other:
        return 0

    def at(t: float) -> tuple[float, float, float]:
        right = sum(r["margin"] >= t and r["answer"] for r in answerable)
        declined = sum(r["margin"] < t for r in other)
        return (right + declined) / len(rows), right / len(answerable), declined / len(other)

    from sklearn.metrics import roc_auc_score
    auc = roc_auc_score([r["answerable"] for r in rows], [r["margin"] for r in rows])
    print(f"answerability AUC {auc:.3f}")
    print("shipped threshold: decision accuracy with the key fact {:.3f} (answerable answered with it {:.3f}, "
          "unanswerable declined {:.3f})".format(*at(0.0)))
    best = max((at(t) + (t,) for t in sorted({r["margin"] for r in rows})), key=lambda x: x[0])
    print("best threshold in hindsight ({:.3f}): {:.3f} ({:.3f}, {:.3f})".format(best[3], *best[:3]))
    margins = sorted(r["margin"] for r in other)
    t75 = margins[int(np.ceil(0.75 * len(margins))) - 1] + 1e-9
    print(f"with 75% of unanswerable declined: answerable answered "
          f"{np.mean([r['margin'] >= t75 for r in answerable]):.3f}, with the key fact {at(t75)[1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
