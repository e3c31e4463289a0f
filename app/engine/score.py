"""The extractive answerer's core: score candidate sentences, pick the few that answer.

A sentence's score is its cosine similarity to the question (both embedded by
the corpus's model, the sentence under its nearest heading) plus
`LEXICAL_WEIGHT` times its lexical coverage: the IDF-weighted share of the
question's terms it contains (a term found only in its nearest heading
counts `HEADING_MATCH`). Selection keeps sentences within `RELATIVE_KEEP` of the best
score, most relevant first, and drops one that overlaps or repeats a kept one. A
sentence that is an instruction to a writer (`is_instruction`: an outline's "Discuss the
rationale behind ...") is not a candidate at all.

This module does not decide whether the best sentence is good enough to answer
with (`judge.py` does) and does not format text or citations.

    >>> coverage({"serotonin": 1.0, "syndrom": 3.0}, {"serotonin"}, {"syndrom"})
    0.8125
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.engine.terms import terms, words
from ingest.sentences import Sentence

LEXICAL_WEIGHT = 0.5
HEADING_MATCH = 0.75
RELATIVE_KEEP = 0.8
REDUNDANT = 0.88  # cosine between two sentences above which the second adds nothing
# Verbs that open an instruction to a writer (an outline's "Discuss ...", "Highlight ..."):
# such a sentence is never an answer sentence.
INSTRUCTION_VERBS = frozenset("""
discuss highlight explore describe explain summarize summarise consider examine analyze
analyse compare evaluate investigate identify emphasize emphasise provide define illustrate
clarify introduce conclude delve expand write add cite include ensure assess justify argue
demonstrate underline reflect propose suggest recommend encourage position
""".split())
# Verbs that as often open a sentence as a noun ("Stress hormones rise", "State laws vary"):
# an instruction only when a function word follows ("Note that ...", "Review the ...").
NOUN_VERBS = frozenset("""
stress state note review address list present detail focus cover share touch contrast outline
insert record elaborate mention
""".split())
AFTER_NOUN_VERB = frozenset("""
the a an how why what whether which who that this these those its their his her your our any
some all each every both on upon in to at about more key specific potential relevant possible
""".split())
CACHE_SIZE = 50_000  # sentence vectors kept in memory (384 floats each)


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    score: float
    semantic: float
    lexical: float
    vector: np.ndarray = field(repr=False, compare=False)


def coverage(weights: dict[str, float], found: set[str], heading: set[str] = frozenset()) -> float:
    """Share of the weight of `weights`' terms in `found`; terms only in `heading` count less."""
    total = sum(weights.values())
    if not total:
        return 0.0
    hit = sum(w for t, w in weights.items() if t in found)
    hit += HEADING_MATCH * sum(w for t, w in weights.items() if t not in found and t in heading)
    return hit / total


class SentenceEncoder:
    """Sentence vectors in context: from memory (the last `CACHE_SIZE`), else from
    `stored(keys) -> {key: vector}` (the vectors ingest stored), else embedded now."""

    def __init__(self, embeddings, *, size: int = CACHE_SIZE,
                 stored: Callable[[list[str]], dict[str, np.ndarray]] | None = None):
        self.embeddings = embeddings
        self.size = size
        self.stored = stored
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the UI answers several questions at once

    def encode(self, items: list[Sentence]) -> np.ndarray:
        """One normalized row per sentence, embedded under its heading."""
        return self.encode_texts([s.context for s in items], {s.context: s.key for s in items})

    def encode_texts(self, keys: list[str], stored_as: dict[str, str] | None = None) -> np.ndarray:
        """One normalized row per text; `stored_as` maps a text to its stored vector's key."""
        with self._lock:  # subtle: copy the hits now; a parallel question may evict them
            rows = {k: self._cache[k] for k in keys if k in self._cache}
        missing = [k for k in dict.fromkeys(keys) if k not in rows]
        fresh = {}
        if missing and stored_as and self.stored:
            found = self.stored([stored_as[k] for k in missing])
            fresh = {k: found[stored_as[k]] for k in missing if stored_as[k] in found}
            missing = [k for k in missing if k not in fresh]
        if missing:  # not stored (an index built before sentence vectors) or not a sentence
            fresh |= {key: np.asarray(vec, dtype=np.float32) for key, vec in
                      zip(missing, self.embeddings.embed_documents(missing))}
        rows.update(fresh)
        with self._lock:
            self._cache.update(fresh)
            for key in keys:
                if key in self._cache:
                    self._cache.move_to_end(key)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return np.stack([rows[k] for k in keys]) if keys else np.zeros((0, 1))


def score_sentences(encoder: SentenceEncoder, query_vector: np.ndarray,
                    weights: dict[str, float], candidates: list[Sentence]) -> list[Scored]:
    """`candidates` scored against the question, best first."""
    candidates = [s for s in candidates if not is_instruction(s.text)]
    if not candidates:
        return []
    vectors = encoder.encode(candidates)
    semantic = vectors @ query_vector
    out = []
    for s, vec, sem in zip(candidates, vectors, semantic):
        lex = coverage(weights, set(terms(s.text)), set(terms(s.heading)))
        out.append(Scored(s, float(sem) + LEXICAL_WEIGHT * lex, float(sem), lex, vec))
    return sorted(out, key=lambda x: (-x.score, x.sentence.source, x.sentence.start))


def select(scored: list[Scored], *, limit: int) -> list[Scored]:
    """The best sentence and those close to it, without overlaps or repeats."""
    if not scored:
        return []
    floor = scored[0].score * RELATIVE_KEEP
    chosen: list[Scored] = []
    for cand in scored:
        if len(chosen) == limit or cand.score < floor:
            break
        if any(_overlaps(cand.sentence, c.sentence) or float(cand.vector @ c.vector) > REDUNDANT
               for c in chosen):
            continue
        chosen.append(cand)
    return chosen


def is_instruction(text: str) -> bool:
    """Does `text` open with a bare verb addressed to a writer, as an outline's prompts do?

    A verb that is as often a noun counts only before a function word, so a statement
    that opens with the noun is not taken for an instruction.

    >>> is_instruction("Discuss the rationale behind MDMA therapy."), is_instruction("MDMA releases serotonin.")
    (True, False)
    >>> is_instruction("Note how the dose differs."), is_instruction("Stress hormones rise after use.")
    (True, False)
    """
    if not text.lstrip()[:1].isupper():
        return False
    first = words(text[:60])[:2]
    if not first:
        return False
    if first[0] in INSTRUCTION_VERBS:
        return True
    return first[0] in NOUN_VERBS and len(first) > 1 and first[1] in AFTER_NOUN_VERB


def _overlaps(a: Sentence, b: Sentence) -> bool:
    return a.source == b.source and a.start < b.end and b.start < a.end
