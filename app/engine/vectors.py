"""Vectors of texts derived from the index (document words, headings, titles), embedded
once per process and carried over a re-ingest.

After a re-ingest most of these texts are the same, so `KeptVectors.rows` embeds only
the texts the previous call of the same kind did not have, and keeps only the current
ones. Sentence vectors are not kept here (`score.SentenceEncoder` reads the stored ones).

    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> kept = KeptVectors(DeterministicFakeEmbedding(size=4))
    >>> kept.rows("words", ["a", "b"]).shape, kept.rows("words", []).shape
    ((2, 4), (0, 1))
"""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings


class KeptVectors:
    """Rows for texts of one kind, embedding only the new ones."""

    def __init__(self, embeddings: Embeddings):
        self.embeddings = embeddings
        self._kept: dict[str, dict[str, np.ndarray]] = {}

    def rows(self, kind: str, texts: list[str]) -> np.ndarray:
        """One row per text of `texts`, in order; (0, 1) for none."""
        old = self._kept.get(kind, {})
        new = [t for t in dict.fromkeys(texts) if t not in old]
        kept = {t: old[t] for t in texts if t in old} | dict(zip(new, embed(self.embeddings, new)))
        self._kept[kind] = kept  # a new dict: a parallel caller keeps reading its own
        return np.stack([kept[t] for t in texts]) if texts else embed(self.embeddings, [])


def embed(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Rows for `texts` as the model gives them, bypassing every cache."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
