"""Fit the answer-or-decline thresholds on eval/tuning.jsonl, and report the fit.

The rule lives in `app/answer.py` (`ANSWERABILITY`): a weighted sum of the best
sentence's semantic similarity and lexical coverage and the share of unknown
question terms, answered when it is at least 0. This script fits the weights by
logistic regression, prints them with the confusion they give (on the tuning
cases, and leave-one-out), and the confusion of the weights in the code. It never reads the
test questions (`eval/questions.jsonl`).

    python eval/calibrate.py [--cases eval/tuning.jsonl]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from app import answer as engine_module
from app.answer import Engine
from ingest.index import ingest
from ingest.settings import Settings

HERE = Path(__file__).resolve().parent


def features(cases: list[dict], engine: Engine) -> list[tuple[dict, str, str]]:
    """(scores, expected decision, case id) for each answer/decline case."""
    out = []
    for case in cases:
        if case.get("expect") not in ("answer", "decline"):
            continue
        got = engine.answer(case["question"], case.get("history"))
        if got.scores:  # empty or over-long input is decided before any score
            out.append((got.scores, case["expect"], case["id"]))
    return out


FEATURES = ("semantic", "lexical", "unknown")


def matrix(rows) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[r[0][f] for f in FEATURES] for r in rows])
    y = np.array([1.0 if r[1] == "answer" else 0.0 for r in rows])
    return x, y


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 0.01, steps: int = 20000) -> np.ndarray:
    """Logistic regression weights (one per feature, then the bias), by gradient descent.

    Both classes weigh the same in total, so the larger one does not set the boundary.
    """
    xb = np.hstack([x, np.ones((len(x), 1))])
    balance = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        w -= 2.0 * (xb.T @ (balance * (p - y)) + l2 * np.r_[w[:-1], 0])
    return w


def confusion(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict[str, int]:
    pred = (np.hstack([x, np.ones((len(x), 1))]) @ w) >= 0
    return {"answer->answer": int(((y == 1) & pred).sum()),
            "answer->decline": int(((y == 1) & ~pred).sum()),
            "decline->answer": int(((y == 0) & pred).sum()),
            "decline->decline": int(((y == 0) & ~pred).sum())}


def leave_one_out(x: np.ndarray, y: np.ndarray) -> dict[str, int]:
    """The confusion when each case is judged by weights fitted without it."""
    total = dict.fromkeys(confusion(x[:1], y[:1], np.zeros(x.shape[1] + 1)), 0)
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        for k, v in confusion(x[i:i + 1], y[i:i + 1], fit(x[keep], y[keep], steps=4000)).items():
            total[k] += v
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=HERE / "tuning.jsonl")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=HERE.parent / "corpus", data_dir=Path(tmp))
        ingest(settings)
        rows = features(cases, Engine(settings))
    x, y = matrix(rows)
    w = fit(x, y)
    print(f"{len(rows)} tuning cases; features {', '.join(FEATURES)}")
    print("fitted ANSWERABILITY =", dict(zip((*FEATURES, "bias"), np.round(w, 2).tolist())))
    print("  confusion on the tuning cases:", confusion(x, y, w))
    print("  leave-one-out confusion:      ", leave_one_out(x, y))
    now = np.array([engine_module.ANSWERABILITY.get(f, 0.0) for f in (*FEATURES, "bias")])
    print("in code:", engine_module.ANSWERABILITY, confusion(x, y, now))
    if args.verbose:
        margin = np.hstack([x, np.ones((len(x), 1))]) @ now
        for m, (scores, expect, case_id) in sorted(zip(margin, rows), key=lambda r: r[0]):
            flag = "" if (m >= 0) == (expect == "answer") else "  <-- wrong"
            print(f"{m:+.2f} " + " ".join(f"{f}={scores[f]:.2f}" for f in FEATURES)
                  + f" {expect:8} {case_id}{flag}")


if __name__ == "__main__":
    main()
