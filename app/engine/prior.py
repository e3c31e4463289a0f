"""A question prior fitted for one corpus: which questions its documents answer.

The corpus-agnostic rule (`ANSWERABILITY` in `judge.py`) sees only how well the best
sentence matches the question. Paraphrases in other words score low on that, and
near-topic questions score high. `QuestionPrior` adds what labelled questions about
this corpus teach: a logistic regression over the judge's figures and the question's
embedding, fitted by `eval/calibrate.py` on `eval/tuning.jsonl`, and saved with the
embedding model and the ids of the chunks it was fitted on.

It applies only while the store holds at least `MIN_OVERLAP` of those chunks (and no
more than a tenth new ones), embedded by the same model. After a bigger change to the
corpus the engine falls back to `ANSWERABILITY` until the prior is refitted on tuning
questions about the new documents. This module fits nothing.

    >>> prior = QuestionPrior.load(PRIOR_FILE)
    >>> prior.applies(set(prior.chunks), prior.model)
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PRIOR_FILE = Path(__file__).with_name("answerability.json")
FEATURES = ("semantic", "lexical", "unknown")  # then the question vector
MIN_OVERLAP = 0.9


@dataclass(frozen=True, eq=False)
class QuestionPrior:
    model: str  # the embedding model the question vectors came from
    chunks: frozenset[str]  # ids of the chunks it was fitted on
    mean: np.ndarray  # feature standardization
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    fitted_on: str = ""  # which cases, for the record

    @classmethod
    def load(cls, path: Path = PRIOR_FILE) -> QuestionPrior | None:
        """The saved prior, or None when there is none (or it cannot be read)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            prior = cls(raw["model"], frozenset(raw["chunks"]), np.array(raw["mean"], dtype=float),
                        np.array(raw["scale"], dtype=float), np.array(raw["weights"], dtype=float),
                        float(raw["bias"]), raw.get("fitted_on", ""))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        sizes = {prior.mean.shape, prior.scale.shape, prior.weights.shape}
        return prior if len(sizes) == 1 and prior.weights.ndim == 1 else None

    def save(self, path: Path = PRIOR_FILE) -> None:
        path.write_text(json.dumps({
            "model": self.model, "fitted_on": self.fitted_on, "chunks": sorted(self.chunks),
            "features": [*FEATURES, "question vector"], "bias": round(self.bias, 6),
            "mean": _rounded(self.mean), "scale": _rounded(self.scale),
            "weights": _rounded(self.weights)}, indent=1) + "\n", encoding="utf-8")

    def applies(self, chunk_ids: set[str], model: str) -> bool:
        """Is the store (nearly) the corpus this prior was fitted on, by the same model?"""
        if model != self.model or not chunk_ids or not self.chunks:
            return False
        shared = len(chunk_ids & self.chunks)
        return (shared >= MIN_OVERLAP * len(self.chunks)
                and shared >= MIN_OVERLAP * len(chunk_ids))

    def logit(self, scores: dict[str, float], vector: np.ndarray) -> float:
        """Answer when this is >= 0."""
        x = features(scores, vector)
        return float(((x - self.mean) / self.scale) @ self.weights + self.bias)


def features(scores: dict[str, float], vector: np.ndarray) -> np.ndarray:
    """The prior's inputs: the judge's figures, then the question's embedding."""
    return np.concatenate([[scores[f] for f in FEATURES], np.asarray(vector, dtype=float)])


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
