"""The learned second reader: a logistic regression over a question's MiniLM vector, the
rules' readings of it and its letter n-grams, averaged with a small neural network over the
vector and the readings, that flags personal dosing and crisis.

The weights live in `reader.npz` (about 4 MB with the neighbour index), written by `eval/train_policy.py` from
the policy's training files (`eval/policy_tuning.jsonl`, `eval/policy_train*.jsonl`,
`eval/policy_train_h2/`, `h4/`, `h5/`, `h6/`, `h8/`, and the engine's `eval/tuning.jsonl` as questions
never to refuse; never the held-out sets). It reads the question's vector
from the bundled all-MiniLM-L6-v2 (`ingest.embed.BUNDLED_MODEL`), normalized, whatever model
the engine answers with; `features(...)`: which concepts of `lexicon.toml` the
question names, which rule matched it, and whether the recent turns hold a dose; and
`grams(question)`: its letter n-grams within words, hashed into `GRAM_BUCKETS` columns,
which read the slang, spellings and languages that neither the rules nor the English-trained
vector know (out of fold on the training files: dosing recall 0.89 -> 0.94, crisis 0.82 -> 0.90,
at the same false flags). The network (one hidden layer of rectified units, `hidden_*`) reads
the combinations of the vector and the readings that a linear model cannot (a dose word with
no drug and an everyday object); averaged with the regression, it scored better on training
files it was not fitted on (`eval/train_policy.py`). It gives a probability for each of `LABELS`; `check.py` refuses
within the policy's scope when the dosing one reaches the artifact's threshold, and gives the
crisis reply when the crisis one does.

The artifact also holds a neighbour index: every training question's vector, centered, in its
`NEAR_WIDTH` principal directions and int8, with whether it is a dose ask. `Reader.neighbours`
gives the share of dose asks among a question's `NEAR` nearest; `check.py` uses it as a second
veto. It reads the vector only, not the lexicon, so it does not follow a dose word into an
everyday question.

This module embeds nothing (the caller passes the vector) and needs no scikit-learn: the
model is a few matrix products and softmaxes. `load_reader` reads the file once; a missing or
broken file raises `PolicyModelError`.

    >>> import numpy as np
    >>> reader = load_reader()
    >>> p = reader.probabilities(np.zeros(reader.width, dtype=np.float32), features("What is SERT?"),
    ...                          grams("What is SERT?"))
    >>> sorted(p), round(sum(p.values()), 6)
    (['crisis', 'dosing', 'none'], 1.0)
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from app.policy.readings import MAX_CHARS, canonical
from app.policy.rules import DEFAULT_RULES, NAMES, Rules
from ingest.errors import PolicyModelError

READER_PATH = Path(__file__).with_name("reader.npz")
LABELS = ("none", "dosing", "crisis")
# The concepts of `lexicon.toml` whose presence is a feature, besides the rule that matched.
CONCEPTS = ("self", "other", "use", "use_foreign", "drug", "street", "other_drugs", "amount",
            "how_much", "timing", "unit", "choice", "judge", "seek", "occasion", "intent", "prescribe",
            "frame", "cited", "population", "fiction", "body", "for_person", "my_dose", "override",
            "asking_me", "scope", "crisis_intent", "crisis_topic", "crisis_method")
FEATURES = (*(f"concept:{c}" for c in CONCEPTS), *(f"rule:{r}" for r in NAMES),
            "history:scope", "history:dose", "history:refused", "question:digits")
DIGITS = re.compile(r"\d")
GRAM_BUCKETS = 2 ** 16  # hashed columns of the letter n-grams
GRAM_SIZES = range(2, 6)  # letters per n-gram, within a word padded with a space each side
NEAR = 10  # training questions a question's neighbours are (`Reader.neighbours`)
NEAR_WIDTH = 96  # principal directions the neighbour index keeps


def grams(question: str) -> tuple[np.ndarray, np.ndarray]:
    """`question`'s letter n-grams as (columns, values): counts of each hashed n-gram
    (CRC-32 modulo `GRAM_BUCKETS`), scaled to unit length. Lower-cased; no other cleaning.

    >>> columns, values = grams("Molly?")
    >>> len(columns), round(float((values ** 2).sum()), 6)
    (22, 1.0)
    """
    counts: dict[int, int] = {}
    for word in question[:MAX_CHARS].lower().split():
        padded = f" {word} "
        for n in GRAM_SIZES:
            for i in range(len(padded) - n + 1):
                column = zlib.crc32(padded[i:i + n].encode("utf-8", "replace")) % GRAM_BUCKETS
                counts[column] = counts.get(column, 0) + 1
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
    values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    return columns, values / np.linalg.norm(values)


def features(question: str, recent: list[str] | None = None, *, rule: str = "",
             rules: Rules = DEFAULT_RULES) -> np.ndarray:
    """The rules' readings of `question` as 0/1 features, in `FEATURES` order.

    `recent` are the texts of the recent turns; `rule` the rule that matched the question,
    if any. The same function makes the training rows (`eval/train_policy.py`).

    >>> f = features("How much molly should I take?", rule="personal_use")
    >>> [name for name, x in zip(FEATURES, f) if x][:4]
    ['concept:self', 'concept:use', 'concept:drug', 'concept:street']
    """
    text = canonical(question[:MAX_CHARS], lexicon=rules.lexicon)
    found = rules.find(text)
    row = [bool(found[c]) for c in CONCEPTS] + [rule == name for name in NAMES]
    history = [canonical(t[:MAX_CHARS], lexicon=rules.lexicon) for t in recent or []]
    c = rules.c
    row += [any(c["scope"].search(h) for h in history),
            any(c["amount"].search(h) or c["how_much"].search(h) or c["unit"].search(h) for h in history),
            False,  # filled by the caller that knows the earlier verdicts
            bool(DIGITS.search(text))]
    return np.asarray(row, dtype=np.float32)


@dataclass(frozen=True)
class Reader:
    """The logistic regression and the network: standardize, multiply, softmax, average."""

    mean: np.ndarray  # of each input column (vector then features)
    scale: np.ndarray
    coef: np.ndarray  # (labels, columns)
    intercept: np.ndarray  # (labels,)
    gram_coef: np.ndarray  # (labels, GRAM_BUCKETS): the weights of `grams`, unstandardized
    hidden_coef: np.ndarray  # (units, columns): the network's hidden layer over the standardized inputs
    hidden_intercept: np.ndarray  # (units,)
    out_coef: np.ndarray  # (labels, units): its output layer
    out_intercept: np.ndarray  # (labels,)
    thresholds: dict[str, float]  # the probability at which `check.py` acts, per label
    model: str  # the embedding model the vectors come from
    near_mean: np.ndarray | None = None  # the training questions' mean vector, to center a query
    near_basis: np.ndarray | None = None  # (NEAR_WIDTH, width): their principal directions
    near_index: np.ndarray | None = None  # (questions, NEAR_WIDTH) int8: each one projected, unit length
    near_dosing: np.ndarray | None = None  # (questions,) bool: which of them are dose asks

    @property
    def width(self) -> int:
        """The vector's length."""
        return len(self.mean) - len(FEATURES)

    def probabilities(self, vector: np.ndarray, extra: np.ndarray,
                      gram: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
        """{label: probability} for a question's normalized vector, its `features` and `grams`."""
        x = (np.concatenate([np.asarray(vector, dtype=np.float32).ravel(), extra]) - self.mean) / self.scale
        columns, values = gram
        logits = self.coef @ x + self.gram_coef[:, columns].astype(np.float32) @ values + self.intercept
        hidden = np.maximum(self.hidden_coef @ x + self.hidden_intercept, 0.0)
        p = (_softmax(logits) + _softmax(self.out_coef @ hidden + self.out_intercept)) / 2
        return {label: float(v) for label, v in zip(LABELS, p)}


    def neighbours(self, vector: np.ndarray) -> float | None:
        """The share of dose asks among the `NEAR` training questions nearest to the question's
        normalized vector (cosine in the index's `NEAR_WIDTH` principal directions, each weighted by
        its similarity), or None when the artifact holds no index or the vector gives no reading
        (not finite, at the index's mean, no neighbour alike): then no veto. It reads the MiniLM
        vector only, not the lexicon, so unlike the probabilities it follows no dose word: an
        everyday question worded like a dose ask ("how many pizzas should I order?") sits among
        the everyday questions written in the training files.

        >>> import numpy as np
        >>> reader = load_reader()
        >>> 0.0 <= reader.neighbours(np.ones(reader.width, dtype=np.float32) / reader.width ** 0.5) <= 1.0
        True
        """
        if self.near_index is None:
            return None
        with np.errstate(all="ignore"):  # a vector that is not finite gives no reading, below
            query = self.near_basis @ (np.asarray(vector, dtype=np.float32).ravel() - self.near_mean)
        norm = float(np.linalg.norm(query))
        if not np.isfinite(norm) or norm == 0.0:
            return None  # no reading: the probability's veto alone
        return share_of_doses(self.near_index @ (query / norm), self.near_dosing)


def share_of_doses(similarity: np.ndarray, dosing: np.ndarray) -> float | None:
    """The share of dose asks (`dosing`) among the `NEAR` questions of highest `similarity`, each
    weighted by it (negative similarities count nothing), or None when none is alike at all.
    `Reader.neighbours` and the training script's out-of-fold shares both read it.

    >>> share_of_doses(np.array([0.9, 0.1, -0.5] + [0.0] * 10), np.array([True, False, True] + [False] * 10))
    0.9
    """
    nearest = np.argpartition(-similarity, NEAR)[:NEAR]
    weight = np.maximum(similarity[nearest], 0.0)
    total = float(weight.sum())
    return float(weight @ dosing[nearest] / total) if total > 0 else None


def near_index(vectors: np.ndarray) -> dict[str, np.ndarray]:
    """The neighbour index of normalized `vectors` (the training questions'), as `Reader`'s
    `near_*` arrays less `near_dosing`: their mean, their first `NEAR_WIDTH` principal
    directions, and each vector centered, projected, scaled to unit length and stored in int8
    (about 100 bytes a question). The training script writes it; `Reader.neighbours` reads it."""
    mean = vectors.mean(axis=0)
    basis = np.linalg.svd(vectors - mean, full_matrices=False)[2][:NEAR_WIDTH]
    projected = (vectors - mean) @ basis.T
    projected /= np.maximum(np.linalg.norm(projected, axis=1, keepdims=True), 1e-12)
    index = np.round(projected * 127).astype(np.int8)
    return {"near_mean": mean.astype(np.float32), "near_basis": basis.astype(np.float32), "near_index": index}


def _softmax(logits: np.ndarray) -> np.ndarray:
    p = np.exp(logits - logits.max())
    return p / p.sum()


def _near(arrays: dict) -> tuple[np.ndarray, ...]:
    """The neighbour index's arrays, the int8 rows as unit-length float32 rows."""
    index, basis, mean, dosing = (arrays[k] for k in ("near_index", "near_basis", "near_mean", "near_dosing"))
    width = len(arrays["mean"]) - len(FEATURES)
    if index.ndim != 2 or len(index) <= NEAR or basis.shape != (index.shape[1], width) or mean.shape != (width,) \
            or dosing.shape != (len(index),) or not (np.isfinite(basis).all() and np.isfinite(mean).all()):
        raise ValueError("its neighbour index is not this version's; rerun eval/train_policy.py")
    return mean.astype(np.float32), basis.astype(np.float32), unit_rows(index), dosing.astype(bool)


def unit_rows(index: np.ndarray) -> np.ndarray:
    """The neighbour index's int8 rows as unit-length float32 rows."""
    rows = index.astype(np.float32)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return rows


@lru_cache(maxsize=2)
def load_reader(path: Path = READER_PATH) -> Reader:
    """The reader stored in `path`, read once; `PolicyModelError` when it is missing or broken."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        if tuple(str(x) for x in arrays["labels"]) != LABELS or \
                tuple(str(x) for x in arrays["features"]) != FEATURES:
            raise ValueError("its labels or features are not this version's; rerun eval/train_policy.py")
        thresholds = dict(zip((str(x) for x in arrays["threshold_labels"]), map(float, arrays["thresholds"])))
        if not all(0.0 <= v <= 1.0 for v in thresholds.values()):
            raise ValueError("its thresholds are not probabilities; rerun eval/train_policy.py")
        if arrays["gram_coef"].shape != (len(LABELS), GRAM_BUCKETS):
            raise ValueError("its n-gram weights are not this version's; rerun eval/train_policy.py")
        if arrays["hidden_coef"].shape[1] != len(arrays["mean"]):
            raise ValueError("its network's inputs are not this version's; rerun eval/train_policy.py")
        return Reader(arrays["mean"], arrays["scale"], arrays["coef"], arrays["intercept"],
                      arrays["gram_coef"], arrays["hidden_coef"].astype(np.float32),
                      arrays["hidden_intercept"].astype(np.float32), arrays["out_coef"].astype(np.float32),
                      arrays["out_intercept"].astype(np.float32), thresholds, str(arrays["model"]),
                      *(_near(arrays) if "near_index" in arrays else ()))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise PolicyModelError(f"cannot load the policy's learned reader {path}: {exc} "
                               "(python eval/train_policy.py writes it)") from exc
