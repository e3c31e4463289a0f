"""Answer or decline: the figures of the best sentence, and the rule over them.

`Judge.figures` computes what the rule looks at: the best sentence's `semantic`
similarity and `lexical` coverage, and `unknown`, the share of the question's term
weight found in no document at all (a half-life, a street price) once each unknown
word is matched, by embedding, to the closest word the documents have. The decision
(`reason`) is `ANSWERABILITY`, a weighted sum of those figures, >= 0, or, on the
corpus it was fitted for, the question prior (`prior.py`). Both were fitted on
`eval/tuning.jsonl` by `eval/calibrate.py`, never on the test questions.

This module does not retrieve, score sentences, or write any message.

    >>> reason({"answerability": 0.3}, retrieved=True), reason({"answerability": -1}, True)
    ('supported', 'not_covered')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.engine.prior import QuestionPrior
from app.engine.query import Query
from app.engine.retrieve import LexicalIndex
from app.engine.score import Scored, SentenceEncoder
from app.engine.terms import terms, words
from app.engine.vectors import KeptVectors

# Answer when this weighted sum of the best sentence's figures is >= 0. Fitted by
# `python eval/calibrate.py` on eval/tuning.jsonl (logistic regression).
ANSWERABILITY = {"semantic": 2.01, "lexical": 1.34, "unknown": -1.38, "bias": -1.42}
VOCAB_MAX = 20_000  # document words, most frequent first, an unknown word is compared with


@dataclass
class _PerIndex:
    """What the judge derives from one lexical index, each part on first need."""

    index: LexicalIndex
    vocab: np.ndarray | None = None  # one row per distinct document word
    prior: QuestionPrior | None | bool = None  # False: checked, does not apply


class Judge:
    """The answer-or-decline figures for one engine's index."""

    def __init__(self, encoder: SentenceEncoder, kept: KeptVectors,
                 prior: QuestionPrior | None, model: str):
        self.encoder, self.kept, self.prior, self.model = encoder, kept, prior, model
        self._state: _PerIndex | None = None

    def figures(self, index: LexicalIndex, query: Query, scored: list[Scored],
                vector: np.ndarray) -> dict[str, float]:
        """The figures `reason` decides on; `answerability` is the one it reads.

        It comes from the question prior fitted for this corpus when that applies
        (`prior` 1), else from the corpus-agnostic `ANSWERABILITY` weights (`prior` 0).
        """
        state = self._for(index)
        own = {t: index.idf(t) for t in terms(query.question, aliases=True)}
        total = sum(own.values()) or 1.0
        missing = {t: w for w in words(query.question) for t in terms(w, aliases=True)
                   if not index.df.get(t)}  # stem -> the word as asked
        near = self._nearest_words(state, list(missing.values()))
        # subtle: a word whose case folding splits it ("İ") may stem to terms the question's
        # own term list spells differently; it then weighs what an unseen term weighs
        unknown = sum(own.get(t, index.idf(t)) * (1 - near.get(w, 0.0))
                      for t, w in missing.items())

        best = scored[0] if scored else None
        scores = {"best": best.score if best else 0.0,
                  "semantic": best.semantic if best else 0.0,
                  "lexical": best.lexical if best else 0.0,
                  "unknown": unknown / total}
        scores["agnostic"] = ANSWERABILITY["bias"] + sum(
            w * scores[k] for k, w in ANSWERABILITY.items() if k != "bias")
        prior = self._prior(state)
        scores["prior"] = 1.0 if prior else 0.0
        scores["answerability"] = prior.logit(scores, vector) if prior else scores["agnostic"]
        return scores

    def _for(self, index: LexicalIndex) -> _PerIndex:
        if self._state is None or self._state.index is not index:
            self._state = _PerIndex(index)  # started afresh when the index is rebuilt
        return self._state

    def _prior(self, state: _PerIndex) -> QuestionPrior | None:
        """The fitted question prior, if it was fitted on this index's corpus."""
        if state.prior is None:
            ids = {c.id for c in state.index.chunks}
            fitted = self.prior
            state.prior = fitted if fitted and fitted.applies(ids, self.model) else False
        return state.prior or None

    def _nearest_words(self, state: _PerIndex, missing: list[str]) -> dict[str, float]:
        """For words no document has, the cosine to the closest word the documents do have."""
        if not missing:
            return {}
        if state.vocab is None:
            counts = Counter(w for c in state.index.chunks for w in set(words(c.embedding_text())))
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # reproducible
            vocab = sorted([w for w, _ in ranked if terms(w)][:VOCAB_MAX])
            state.vocab = self.kept.rows("words", vocab)
        if not len(state.vocab):
            return {}
        vectors = self.encoder.encode_texts(missing)
        return {t: max(0.0, float(v.max())) for t, v in zip(missing, vectors @ state.vocab.T)}


def reason(scores: dict[str, float], retrieved: bool) -> str:
    """Why the engine answers ("supported") or declines ("not_covered", "empty_index")."""
    if not retrieved:
        return "empty_index"
    return "supported" if scores["answerability"] >= 0 else "not_covered"
