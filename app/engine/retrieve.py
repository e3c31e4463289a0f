"""Hybrid retrieval: dense (Chroma, cosine) and BM25 over the same chunks, fused by RRF.

The lexical index is built in memory from what the store holds (never from the
corpus folder), and rebuilt when the store's file records or chunk count
change, so a re-ingest is picked up without a restart; a rebuild reads and
tokenizes again only the chunks of files whose record changed. Reciprocal rank fusion
adds `weight / (RRF_K + rank)` from each retriever a chunk appears in; BM25 weighs
`BM25_WEIGHT`, dense 1 (`python eval/retrieval.py` compares the three rankings).

This module does not pick sentences or decide whether to answer (`judge.py`
does) and does not write to the store.

    >>> rrf([["a", "b"], ["b", "c"]], k=60)
    [('b', 0.03252...), ('a', 0.01639...), ('c', 0.01612...)]
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import bm25s
import numpy as np

from app.engine.terms import terms
from ingest.chunk import Chunk
from ingest.store import Store

RRF_K = 60  # the constant of Cormack et al.; damps the weight of the very first ranks
CANDIDATES = 20  # chunks each retriever contributes before fusion
REFRESH_SECONDS = 2.0  # how often to look for a re-ingest
REREAD_MAX_FILES = 500  # more changed files than this: read every chunk (bounds `$in` too)
BM25_WEIGHT = 1.5  # BM25's weight in the fusion (dense counts 1), chosen on eval/tuning.jsonl

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk and the scores that ranked it."""

    chunk: Chunk
    score: float  # the ranking score: fused RRF, or the single retriever's score
    dense: float | None = None  # cosine similarity, when among the dense candidates
    lexical: float | None = None  # BM25 score, when among the lexical candidates

    def to_dict(self) -> dict:
        c = self.chunk
        return {"id": c.id, "source": c.source, "title": c.title, "section": c.section,
                "start": c.start, "end": c.end, "page": c.page, "text": c.text,
                "score": round(self.score, 6), "dense": _round(self.dense),
                "lexical": _round(self.lexical)}


def rrf(rankings: list[list[str]], *, k: int = RRF_K,
        weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists: ids by descending sum of weight / (k + rank), rank from 1."""
    scores: Counter[str] = Counter()
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, key in enumerate(ranking, start=1):
            scores[key] += weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class LexicalIndex:
    """BM25 over chunks (title, section and body, residue removed) and term statistics."""

    def __init__(self, chunks: list[Chunk], tokens: list[list[str]] | None = None):
        """`tokens`, one list per chunk, saves tokenizing chunks an older index already did."""
        self.chunks = chunks
        self.tokens = tokens if tokens is not None else [terms(c.embedding_text()) for c in chunks]
        self.df = Counter(t for toks in self.tokens for t in set(toks))
        self.bm25 = bm25s.BM25()
        if chunks:
            self.bm25.index(self.tokens, show_progress=False)

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term no chunk contains gets the highest value."""
        n, df = len(self.chunks), self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query_terms: list[str], k: int) -> list[tuple[Chunk, float]]:
        if not self.chunks or not query_terms:
            return []
        scores = self.bm25.get_scores(query_terms)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]


class Retriever:
    """Dense, lexical and fused search over one store."""

    def __init__(self, store: Store, embeddings, *, candidates: int = CANDIDATES):
        self.store = store
        self.embeddings = embeddings
        self.candidates = candidates
        self.lexical = LexicalIndex([])
        self._files: dict[str, tuple] | None = None  # the file records `lexical` was built from
        self._signature: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()  # one rebuild at a time when questions come in parallel

    def refresh(self, *, force: bool = False) -> bool:
        """Rebuild the lexical index if the store changed; True when it did. `force`: look
        now, and read every chunk again even if nothing changed."""
        with self._lock:
            now = time.monotonic()
            built = self._signature is not None
            if not force and built and now - self._checked < REFRESH_SECONDS:
                return False
            signature, files = self._state()  # may raise: then the next question checks again
            self._checked = now
            if signature == self._signature and not force:
                return False
            self.lexical = self._updated(files, reuse=not force)
            self._signature, self._files = signature, files
            return True

    def replace_store(self, store: Store) -> None:
        """Serve from `store` (the same index, reopened) with a lexical index built from it;
        questions in flight finish on the old pair."""
        with self._lock:
            old, self.store = self.store, store
            try:
                signature, files = self._state()
                lexical = self._updated(files)
            except Exception:
                self.store = old  # keep serving what worked
                raise
            self.lexical, self._signature, self._files = lexical, signature, files
            self._checked = time.monotonic()

    def signature(self) -> str:
        """Changes whenever an ingest adds, edits or removes a file."""
        return self._state()[0]

    def _state(self) -> tuple[str, dict[str, tuple]]:
        """(signature, {source: what its file record says about its chunks})."""
        files = {r.source: (r.sha256, r.status, r.fingerprint, r.ingested_at)
                 for r in self.store.file_records().values()}
        key = f"{self.store.count()}|{sorted(files.items())}"
        return hashlib.sha256(key.encode()).hexdigest(), files

    def _updated(self, files: dict[str, tuple], *, reuse: bool = True) -> LexicalIndex:
        """The lexical index for the store's `files`: the current index's chunks and tokens
        for files whose record is unchanged, the others read again (all, the first time)."""
        if not reuse or self._files is None:
            return LexicalIndex(self.all_chunks())
        changed = sorted(s for s in files if self._files.get(s) != files[s])
        if len(changed) > REREAD_MAX_FILES:  # a rebuild, say: one full read is quicker
            return LexicalIndex(self.all_chunks())
        pairs = [(c, t) for c, t in zip(self.lexical.chunks, self.lexical.tokens)
                 if c.source in files and c.source not in changed]
        pairs += [(c, terms(c.embedding_text())) for c in self.all_chunks(changed)]
        if len(pairs) != self.store.count():  # chunks without a record: trust nothing kept
            return LexicalIndex(self.all_chunks())
        pairs.sort(key=lambda p: (p[0].source, p[0].start, p[0].id))
        return LexicalIndex([c for c, _ in pairs], [t for _, t in pairs])

    def all_chunks(self, sources: list[str] | None = None) -> list[Chunk]:
        """Every chunk in the store (or of `sources`), in a stable order."""
        return self.store.chunks(sources)

    def embed(self, text: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def dense(self, vector: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        """The `n` chunks nearest to `vector`, with cosine similarity."""
        return self.store.nearest(vector.tolist(), n)

    def search(self, query: str, *, k: int, mode: Mode = "hybrid",
               vector: np.ndarray | None = None, lexical_query: str | None = None
               ) -> list[Passage]:
        """The top `k` passages for `query` (`vector` saves re-embedding it)."""
        self.refresh()
        dense = [] if mode == "lexical" else self.dense(
            self.embed(query) if vector is None else vector, self.candidates)
        lexical = [] if mode == "dense" else self.lexical.search(
            terms(lexical_query or query, aliases=True), self.candidates)
        if mode == "dense":
            return [Passage(c, s, dense=s) for c, s in dense[:k]]
        if mode == "lexical":
            return [Passage(c, s, lexical=s) for c, s in lexical[:k]]
        by_id = {c.id: c for c, _ in dense + lexical}
        dense_score = {c.id: s for c, s in dense}
        lexical_score = {c.id: s for c, s in lexical}
        fused = rrf([[c.id for c, _ in dense], [c.id for c, _ in lexical]],
                    k=RRF_K, weights=[1.0, BM25_WEIGHT])
        return [Passage(by_id[i], s, dense_score.get(i), lexical_score.get(i))
                for i, s in fused[:k]]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
