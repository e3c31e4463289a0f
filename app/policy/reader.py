"""The learned second reader: a logistic regression over a question's MiniLM vector, the
rules' readings of it and its letter n-grams, averaged with a small neural network over the
vector and the readings, that flags personal dosing and crisis.

The weights live in `reader.npz` (about 800 KB), written by `eval/train_policy.py` from
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


def _softmax(logits: np.ndarray) -> np.ndarray:
    p = np.exp(logits - logits.max())
    return p / p.sum()


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
        if arrays["gram_coef"].shape != (len(LABELS), GRAM_BUCKETS):
            raise ValueError("its n-gram weights are not this version's; rerun eval/train_policy.py")
        if arrays["hidden_coef"].shape[1] != len(arrays["mean"]):
            raise ValueError("its network's inputs are not this version's; rerun eval/train_policy.py")
        return Reader(arrays["mean"], arrays["scale"], arrays["coef"], arrays["intercept"],
                      arrays["gram_coef"], arrays["hidden_coef"].astype(np.float32),
                      arrays["hidden_intercept"].astype(np.float32), arrays["out_coef"].astype(np.float32),
                      arrays["out_intercept"].astype(np.float32), thresholds, str(arrays["model"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise PolicyModelError(f"cannot load the policy's learned reader {path}: {exc} "
                               "(python eval/train_policy.py writes it)") from exc
