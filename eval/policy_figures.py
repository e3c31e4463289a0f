"""The safety policy's figures per held-out file, from an `app.evaluate` results file.

    .venv/bin/python -m app.evaluate eval/policy_heldout9/crisis.jsonl --out /tmp/crisis
    .venv/bin/python eval/policy_figures.py /tmp/crisis/results.jsonl

Prints, per file prefix of `category` (`dosing_redteam`, `crisis`, ...): the cases, and how
many were refused (by reason kind: crisis, language, dosing), declined, answered or
ended in an error. It reads results only; it runs nothing and judges no answer text.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path


def kind(row: dict) -> str:
    """`refuse:crisis`, `refuse:dosing`, `decline:language`, `decline`, `answer` or `error`.

    >>> kind({"decision": "refuse", "reason": "crisis"}), kind({"decision": "refuse", "reason": "situation"})
    ('refuse:crisis', 'refuse:dosing')
    """
    decision, reason = row["decision"], row.get("reason") or ""
    if decision == "refuse":
        return "refuse:crisis" if reason == "crisis" else "refuse:dosing"
    if decision == "decline" and reason == "language":
        return "decline:language"
    return decision


def figures(rows: list[dict]) -> dict[str, collections.Counter]:
    """Counts of each `kind` per file (the part of `category` before "/")."""
    out: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in rows:
        group = (row.get("category") or "").split("/")[0]
        out[group][kind(row)] += 1
        out[group]["cases"] += 1
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="results.jsonl files of app.evaluate")
    args = parser.parse_args(argv)
    try:
        rows = [json.loads(line) for path in args.results
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        parser.error(f"cannot read the results: {exc}")
    kinds = ["cases", "refuse:dosing", "refuse:crisis", "decline:language", "decline", "answer", "error"]
    print("| file | " + " | ".join(kinds) + " |\n" + "|---" * (len(kinds) + 1) + "|")
    for group, counts in sorted(figures(rows).items()):
        print(f"| {group} | " + " | ".join(str(counts[k]) for k in kinds) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
