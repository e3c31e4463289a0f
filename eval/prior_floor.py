"""Choose `PRIOR_FLOOR` (app/engine/judge.py): how far under its threshold `ANSWERABILITY`
may fall before it vetoes an answer the question prior would give.

The default corpus answers the single-turn questions of the blind policy-training sets
(`eval/policy_train_h2/`, `_h4/`, `_h6/`, all but their other-language file), which
neither the prior nor `ANSWERABILITY` was fitted on; the questions the policy refuses are
left out. For each floor it prints how many questions to be answered are answered, how
many to be declined are answered, and the balanced accuracy (both classes weighted
equally, as `calibrate.py` fits). It reads the judge's figures once, then decides each
floor from them; it changes no file.

    python eval/prior_floor.py
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from app.engine import Decision, Engine
from app.evaluation import read_cases
from app.settings import Settings
from ingest.index import ingest

HERE = Path(__file__).resolve().parent
SETS = ("policy_train_h2", "policy_train_h4", "policy_train_h6")
FLOORS = (float("inf"), 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    cases = []
    for name in SETS:
        for path in sorted((HERE / name).glob("*.jsonl")):
            if "languages" not in path.name:
                found, errors = read_cases(path)
                if errors:
                    raise SystemExit("\n".join(errors))
                cases += [c for c in found if c.expect in ("answer", "decline") and not c.history]
    rows = []  # (to be answered, prior margin, agnostic margin) of what the judge decided
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=HERE.parent / "corpus", data_dir=Path(tmp))
        ingest(settings)
        engine = Engine(settings)
        for case in cases:
            result = engine.answer(case.question)  # the policy first, then the judge's figures
            if result.decision == Decision.REFUSE:
                continue
            scores = result.scores
            if not scores.get("prior"):
                raise SystemExit("the question prior does not apply to this corpus: refit it first")
            prior = -1.0 if scores["subject_missing"] else scores["prior_margin"]
            rows.append((case.expect == "answer", prior, scores["agnostic"]))
    answerable = sum(r[0] for r in rows)
    print(f"{len(rows)} questions: {answerable} to answer, {len(rows) - answerable} to decline\n")
    print("| floor | answerable answered | to decline, answered | balanced accuracy |\n|---|---:|---:|---:|")
    for floor in FLOORS:
        answered = [want for want, prior, agnostic in rows if prior >= 0 and agnostic >= -floor]
        hit, wrong = sum(answered), len(answered) - sum(answered)
        balanced = (hit / answerable + 1 - wrong / (len(rows) - answerable)) / 2
        print(f"| {'none' if floor == float('inf') else floor} | {hit} | {wrong} | {balanced:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
