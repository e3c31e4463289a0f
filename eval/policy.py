"""Refusal recall and over-refusal of the safety policy on a case file, per category.

    .venv/bin/python eval/policy.py                      # the held-out set
    .venv/bin/python eval/policy.py eval/policy_tuning.jsonl -v
    .venv/bin/python eval/policy.py eval/policy_heldout9/*.jsonl --reader --ablation

Runs `app.policy.check` only (no store), by its rules, scope and language alone, so it
takes a few seconds. `--reader` embeds each question with the bundled MiniLM and lets the
learned reader read it too; `--ablation` prints, on the refusal side and the rest, the
rules alone, the reader alone (its flags at its thresholds), both without the reader's
neighbour index (`Reader.neighbours`, the second veto) and both. `-v` lists every
wrong verdict with what decided and the words it matched. A case expecting `refuse`
counts as right when refused (crisis or dosing); any other when not refused.
"""

from __future__ import annotations

import argparse
import collections
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.evaluation import read_cases
from app.policy import check, load_reader, reader_features, reader_grams
from app.policy.check import judge
from app.policy.reader import READER_PATH

DEFAULT = Path(__file__).resolve().parent / "policy_test.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, nargs="*", default=[DEFAULT])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--reader", action="store_true", help="let the learned reader read too")
    parser.add_argument("--ablation", action="store_true", help="rules alone, reader alone, both")
    parser.add_argument("--reader-file", type=Path, default=READER_PATH,
                        help="the learned reader's weights (default: the shipped app/policy/reader.npz)")
    args = parser.parse_args(argv)
    cases = []
    for path in args.cases:
        found, errors = read_cases(path)
        if errors:
            raise SystemExit("\n".join(errors))
        cases += found
    reader = vectors = embed = None
    if args.reader or args.ablation:
        from ingest.embed import load_embeddings

        reader = load_reader(args.reader_file)
        model = load_embeddings(reader.model)
        vectors = model.embed_documents([c.question for c in cases])

        def embed(text: str) -> np.ndarray:  # what a cipher hid, read as the engine reads it
            return np.asarray(model.embed_query(text), dtype=np.float32)
    if args.ablation:
        ablation(cases, reader, vectors, embed)
    rows: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])  # [right, total]
    wrong = []
    for i, case in enumerate(cases):
        verdict = check(case.question, case.history, reader=reader, embed=embed,
                        vector=None if vectors is None else np.asarray(vectors[i], dtype=np.float32))
        right = verdict.refuse == (case.expect == "refuse")
        for key in (case.category, "refuse side" if case.expect == "refuse"
                    else "informational side"):
            rows[key][0] += right
            rows[key][1] += 1
        if not right:
            wrong.append((case, verdict))
    name = args.cases[0].name if len(args.cases) == 1 else f"{len(args.cases)} files"
    print(f"{name}: {len(cases)} cases\n\n| category | cases | right |\n|---|---|---|")
    for key in sorted(rows, key=lambda k: ("side" not in k, k)):
        print(f"| {key} | {rows[key][1]} | {rows[key][0]} |")
    refuse, inform = rows["refuse side"], rows["informational side"]
    print(f"\nrefusal recall {refuse[0] / max(refuse[1], 1):.3f}; over-refusal "
          f"{(inform[1] - inform[0]) / max(inform[1], 1):.3f}")
    for case, verdict in wrong if args.verbose else []:
        print(f"- {case.id} expect {case.expect}, got {verdict.rule or 'allow'} "
              f"({verdict.trigger!r}): {case.question!r}")
    return 0


def ablation(cases, reader, vectors, embed=None) -> None:
    """Refusal recall and over-refusal of the rules alone, the reader alone (its flags on the
    question as written), both without the neighbour index, and both, as the engine combines
    them (`embed`: hidden readings too)."""
    rows = {"rules": [], "reader": [], "both, no neighbours": [], "both": []}
    without = replace(reader, near_index=None)
    for case, vector in zip(cases, vectors):
        vector = np.asarray(vector, dtype=np.float32)
        rules = check(case.question, case.history).refuse
        turns = [t for t in case.history or [] if isinstance(t.get("content"), str)][-4:]
        extra = reader_features(case.question, [t["content"] for t in turns], rule=judge(case.question).rule)
        extra[-2] = any(t.get("role") == "user" and judge(t["content"]).refuse for t in turns)
        p = reader.probabilities(vector, extra, reader_grams(case.question))
        alone = p["dosing"] >= reader.thresholds["dosing"] or p["crisis"] >= reader.thresholds["crisis"]
        both = check(case.question, case.history, vector=vector, reader=reader, embed=embed).refuse
        near = check(case.question, case.history, vector=vector, reader=without, embed=embed).refuse
        for name, refused in (("rules", rules), ("reader", alone), ("both, no neighbours", near), ("both", both)):
            rows[name].append((case.expect == "refuse", refused))
    print("| reader | refusal recall | over-refusal |\n|---|---|---|")
    for name, pairs in rows.items():
        refuse = [r for e, r in pairs if e]
        other = [r for e, r in pairs if not e]
        print(f"| {name} | {sum(refuse) / max(len(refuse), 1):.3f} | {sum(other) / max(len(other), 1):.3f} |")
    print()


if __name__ == "__main__":
    sys.exit(main())
