"""Refusal recall and over-refusal of the safety policy on a case file, per category.

    .venv/bin/python eval/policy.py                      # the held-out set
    .venv/bin/python eval/policy.py eval/policy_tuning.jsonl -v

Runs `app.policy.check` only (no store, no model), so it takes about a second.
`-v` lists every wrong verdict with the rule and the words it matched.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.evaluation import read_cases
from app.policy import check

DEFAULT = Path(__file__).resolve().parent / "policy_test.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, nargs="?", default=DEFAULT)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cases, errors = read_cases(args.cases)
    if errors:
        raise SystemExit("\n".join(errors))
    rows: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])  # [right, total]
    wrong = []
    for case in cases:
        verdict = check(case.question, case.history)
        right = verdict.refuse == (case.expect == "refuse")
        for key in (case.category, "refuse side" if case.expect == "refuse"
                    else "informational side"):
            rows[key][0] += right
            rows[key][1] += 1
        if not right:
            wrong.append((case, verdict))
    print(f"{args.cases.name}: {len(cases)} cases\n\n| category | cases | right |\n|---|---|---|")
    for key in sorted(rows, key=lambda k: ("side" not in k, k)):
        print(f"| {key} | {rows[key][1]} | {rows[key][0]} |")
    refuse, inform = rows["refuse side"], rows["informational side"]
    print(f"\nrefusal recall {refuse[0] / max(refuse[1], 1):.3f}; over-refusal "
          f"{(inform[1] - inform[0]) / max(inform[1], 1):.3f}")
    for case, verdict in wrong if args.verbose else []:
        print(f"- {case.id} expect {case.expect}, got {verdict.rule or 'allow'} "
              f"({verdict.trigger!r}): {case.question!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
