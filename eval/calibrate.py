"""Fit the answer-or-decline rules on eval/tuning.jsonl, and report the fit.

Two rules, both logistic regressions with the classes weighted equally:

- `ANSWERABILITY` in `app/answer.py`, for any corpus: the best sentence's semantic
  similarity and lexical coverage and the share of unknown question terms. Printed;
  paste it into the code.
- the question prior (`app/prior.py`), for this corpus: the same figures plus the
  question's embedding, standardized. `--write` saves it to `app/answerability.json`
  with the ids of the chunks it was fitted on.

Both are reported with 5-fold cross-validated accuracy. The test questions
(`eval/questions.jsonl`) are read only to leave out any tuning case that nearly
repeats one (cosine >= `NEAR_COPY`): the prior sees question embeddings, so a near
copy would let it remember a test answer.

    python eval/calibrate.py [--cases eval/tuning.jsonl] [--write] [-v]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from app.engine import Engine
from app.engine.judge import ANSWERABILITY
from app.engine.prior import FEATURES, PRIOR_FILE, QuestionPrior, features
from app.evaluation import Case, read_cases
from app.settings import Settings
from ingest.index import ingest

HERE = Path(__file__).resolve().parent
# L2 penalty of the prior: light on the judge's figures, heavier on the 384 vector columns,
# so the question's embedding shifts the decision rather than making it (5-fold CV).
PRIOR_L2 = (0.001, 0.1)  # (each figure, each vector column)
NEAR_COPY = 0.95
TEST_CASES = HERE / "questions.jsonl"


def collect(cases: list[Case], engine: Engine) -> list[tuple[dict, np.ndarray, str, str]]:
    """(judge's figures, question vector, expected decision, case id) per answer/decline case."""
    out = []
    for case in cases:
        if case.expect not in ("answer", "decline"):
            continue
        found = engine.assess(case.question, case.history)
        if found.passages:
            out.append((found.scores, found.vector, case.expect, case.id))
    return out


def without_near_copies(cases: list[Case], engine: Engine) -> list[Case]:
    """`cases` minus those whose question nearly repeats a test question."""
    test = [c.question for c in read_cases(TEST_CASES)[0]]
    vectors = engine.embed_texts([c.question for c in cases])
    near = (vectors @ engine.embed_texts(test).T).max(axis=1) >= NEAR_COPY
    print(f"left out {int(near.sum())} tuning cases that nearly repeat a test question")
    return [c for c, copy in zip(cases, near) if not copy]


def fit(x: np.ndarray, y: np.ndarray, *, l2=0.01, steps: int = 50) -> np.ndarray:
    """Logistic regression weights (one per column, then the bias), by Newton's method.

    Both classes weigh the same in total. `l2` is one penalty for every column, or one
    per column; the bias is not penalized.
    """
    xb = np.hstack([x, np.ones((len(x), 1))])
    balance = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    penalty = np.diag(np.r_[np.broadcast_to(l2, (x.shape[1],)), 0.0])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (balance * (p - y)) + penalty @ w
        hess = (xb * (balance * p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def standardized(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    return (x - mean) / scale, mean, scale


def accuracy(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float((((np.hstack([x, np.ones((len(x), 1))]) @ w) >= 0) == (y == 1)).mean())


def cross_validated(x: np.ndarray, y: np.ndarray, l2: float, folds: int = 5) -> float:
    """Accuracy with each fifth of the cases judged by weights fitted on the rest."""
    order = np.random.default_rng(0).permutation(len(y))
    right = 0.0
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        xs, mean, scale = standardized(x[train])
        right += accuracy((x[test] - mean) / scale, y[test], fit(xs, y[train], l2=l2)) * len(test)
    return right / len(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=HERE / "tuning.jsonl")
    parser.add_argument("--write", action="store_true", help=f"save the prior to {PRIOR_FILE}")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    cases, errors = read_cases(args.cases)
    if errors:
        raise SystemExit("\n".join(errors))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=HERE.parent / "corpus", data_dir=Path(tmp))
        ingest(settings)
        engine = Engine(settings)
        cases = without_near_copies(cases, engine)
        rows = collect(cases, engine)
        chunk_ids = engine.chunk_ids()
    y = np.array([1.0 if r[2] == "answer" else 0.0 for r in rows])
    scalars = np.array([[r[0][f] for f in FEATURES] for r in rows])
    w = fit(scalars, y)
    print(f"{len(rows)} tuning cases from {args.cases.name}")
    print("ANSWERABILITY =", dict(zip((*FEATURES, "bias"), np.round(w, 2).tolist())),
          f"accuracy {accuracy(scalars, y, w):.3f}, cross-validated "
          f"{cross_validated(scalars, y, 0.01):.3f}")
    full = np.array([features(r[0], r[1]) for r in rows])
    l2 = np.r_[[PRIOR_L2[0]] * len(FEATURES), [PRIOR_L2[1]] * (full.shape[1] - len(FEATURES))]
    xs, mean, scale = standardized(full)
    wp = fit(xs, y, l2=l2)
    print(f"question prior: accuracy {accuracy(xs, y, wp):.3f}, cross-validated "
          f"{cross_validated(full, y, l2):.3f}")
    if args.write:
        QuestionPrior(settings.embedding_model, frozenset(chunk_ids), mean, scale, wp[:-1],
                      float(wp[-1]), f"{args.cases.name}: {len(rows)} cases").save()
        print(f"wrote {PRIOR_FILE}")
    if args.verbose:
        now = np.array([ANSWERABILITY[f] for f in (*FEATURES, "bias")])
        margin = np.hstack([scalars, np.ones((len(scalars), 1))]) @ now
        for m, (scores, _, expect, case_id) in sorted(zip(margin, rows), key=lambda r: r[0]):
            flag = "" if (m >= 0) == (expect == "answer") else "  <-- wrong"
            print(f"{m:+.2f} " + " ".join(f"{f}={scores[f]:.2f}" for f in FEATURES)
                  + f" {expect:8} {case_id}{flag}")


if __name__ == "__main__":
    main()
