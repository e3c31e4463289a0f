"""Fit the answer-or-decline rules on eval/tuning.jsonl, and report the fit.

Two rules, both L2-penalized logistic regressions with the classes weighted equally,
fitted by scikit-learn (in the `test` extra; the app itself never imports it):

- `ANSWERABILITY` in `app/engine/judge.py`, for any corpus: the best sentence's semantic
  similarity and lexical coverage and the share of unknown question terms, unstandardized.
  Printed; paste it into the code.
- the question prior (`app/engine/prior.py`), for this corpus: the same figures plus the
  question's embedding, standardized, with a heavier penalty on the embedding's columns.
  `--write` saves it to `app/engine/answerability.json` with the ids of the chunks it
  was fitted on.

Both are reported with 5-fold cross-validated accuracy (shuffled folds, fixed seed).
The test questions (`eval/questions.jsonl`) are read only to leave out any tuning case
that nearly repeats one (cosine >= `NEAR_COPY`): the prior sees question embeddings, so
a near copy would let it remember a test answer. It chooses no penalties: they are the
constants below.

    python eval/calibrate.py [--cases eval/tuning.jsonl] [--write] [-v]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

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
ANSWERABILITY_L2 = 0.01
FOLDS = 5
SCALE_FLOOR = 1e-6  # added to each column's standard deviation (see `Standardize`)
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


def logistic(l2: float, n: int) -> LogisticRegression:
    """Logistic regression with both classes weighing the same in total and an L2 penalty
    of `l2` per weight (the bias is not penalized), for `n` training cases.

    sklearn minimizes 0.5·|w|² + C·Σ sᵢ·lossᵢ, where "balanced" class weights sᵢ sum to n;
    our objective is Σ (sᵢ/n)·lossᵢ + 0.5·l2·|w|², the same up to a factor when C = 1/(n·l2).
    """
    return LogisticRegression(C=1 / (n * l2), class_weight="balanced", solver="newton-cholesky",
                              tol=1e-8, max_iter=100)


def column_penalties(l2: np.ndarray) -> tuple[float, np.ndarray]:
    """One penalty and per-column factors that together act as the per-column penalties `l2`.

    sklearn has one penalty λ0 for every weight. A penalty λ_j on w_j is the same as λ0 on
    the weight of the column scaled by a_j = sqrt(λ0/λ_j): w_j·x_j = (w_j/a_j)·(a_j·x_j), and
    λ0·(w_j/a_j)² = λ_j·w_j². So fit on x·a with λ0 and multiply the weights by a after.

    >>> column_penalties([0.001, 0.001, 0.1])
    (0.001, array([1. , 1. , 0.1]))
    """
    l2 = np.asarray(l2, dtype=float)
    return float(l2.min()), np.sqrt(l2.min() / l2)


class Standardize(StandardScaler):
    """`StandardScaler` with `SCALE_FLOOR` added to every scale.

    subtle: a few of the embedding's dimensions are zero up to float32 rounding (std ~1e-9);
    a plain scaler blows that noise up to unit variance and the fit gives it weight. With the
    floor such a column stays near zero, as in the shipped prior.
    """

    def fit(self, x, y=None, sample_weight=None):
        super().fit(x, y, sample_weight)
        self.scale_ = self.scale_ + SCALE_FLOOR
        return self


def _times(x: np.ndarray, factors: np.ndarray) -> np.ndarray:
    return x * factors


def model(l2, n: int, *, columns: int) -> Pipeline:
    """Standardize, weight the columns for the per-column penalties `l2`, fit (see above)."""
    l2_0, factors = column_penalties(np.broadcast_to(l2, (columns,)))
    return Pipeline([("standardize", Standardize()),
                     ("penalize", FunctionTransformer(_times, kw_args={"factors": factors})),
                     ("fit", logistic(l2_0, n))])


def cross_validated(x: np.ndarray, y: np.ndarray, l2, folds: int = FOLDS) -> float:
    """Accuracy with each fold of the cases judged by a model fitted on the others."""
    # C is set for the typical training fold; the folds differ in size by at most one case
    n = len(y) * (folds - 1) // folds
    predicted = cross_val_predict(model(l2, n, columns=x.shape[1]), x, y,
                                  cv=KFold(folds, shuffle=True, random_state=0))
    return float((predicted == y).mean())


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
    y = np.array([1 if r[2] == "answer" else 0 for r in rows])
    scalars = np.array([[r[0][f] for f in FEATURES] for r in rows])
    # unstandardized: these weights are pasted into the code and read raw figures
    rule = logistic(ANSWERABILITY_L2, len(y)).fit(scalars, y)
    w = np.r_[rule.coef_[0], rule.intercept_]
    print(f"{len(rows)} tuning cases from {args.cases.name}")
    print("ANSWERABILITY =", dict(zip((*FEATURES, "bias"), np.round(w, 2).tolist())),
          f"accuracy {rule.score(scalars, y):.3f}, cross-validated "
          f"{cross_validated(scalars, y, ANSWERABILITY_L2):.3f}")
    full = np.array([features(r[0], r[1]) for r in rows])
    l2 = np.r_[[PRIOR_L2[0]] * len(FEATURES), [PRIOR_L2[1]] * (full.shape[1] - len(FEATURES))]
    prior = model(l2, len(y), columns=full.shape[1]).fit(full, y)
    print(f"question prior: accuracy {prior.score(full, y):.3f}, cross-validated "
          f"{cross_validated(full, y, l2):.3f}")
    if args.write:
        scaler, fitted = prior.named_steps["standardize"], prior.named_steps["fit"]
        weights = fitted.coef_[0] * prior.named_steps["penalize"].kw_args["factors"]
        QuestionPrior(settings.embedding_model, frozenset(chunk_ids), scaler.mean_, scaler.scale_,
                      weights, float(fitted.intercept_[0]), f"{args.cases.name}: {len(rows)} cases").save()
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
