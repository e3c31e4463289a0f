"""What a decline says: that the documents do not answer, what they cover, what to ask.

The topics come from the store itself: each document's title and its section
headings, so the message stays true after a re-ingest. Suggested questions ask
about the headings nearest to the declined question.

`Suggester` keeps what it derives from one lexical index (topics, heading vectors, and
which suggested questions the engine answers), and checks every suggestion with the
engine before offering it.

This module does not decide when to decline (`judge.py` does).

    >>> suggestion("MDMA and Serotonin Syndrome")
    'What do the documents say about MDMA and Serotonin Syndrome?'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.engine.retrieve import LexicalIndex
from app.engine.vectors import KeptVectors
from ingest.chunk import SECTION_SEPARATOR, Chunk

GENERIC_HEADINGS = frozenset({
    "key takeaways", "conclusion", "conclusions", "summary", "introduction", "overview",
    "frequently asked questions", "faq", "table of contents", "contents", "references",
})
MAX_TITLES = 5
SUGGESTIONS = 3
SUGGESTION_TRIES = 10  # nearest headings tried for the 3 suggested questions


@dataclass(frozen=True)
class Topics:
    titles: list[str]  # one per document, in source order
    headings: list[str]  # distinct section headings worth asking about


def topics(chunks: list[Chunk]) -> Topics:
    """The titles and headings of the documents these chunks come from."""
    titles: dict[str, str] = {}
    headings: dict[str, None] = {}
    for c in chunks:
        titles.setdefault(c.source, c.title)
        for part in c.section.split(SECTION_SEPARATOR):
            if part and part != c.title and part.casefold() not in GENERIC_HEADINGS:
                headings.setdefault(part)
    return Topics([titles[s] for s in sorted(titles)], list(headings))


def suggestion(heading: str) -> str:
    """A question the heading's section answers; a heading that is a question is asked as is."""
    return heading if heading.endswith("?") else f"What do the documents say about {heading}?"


def nearest_headings(found: Topics, heading_vectors: np.ndarray, query_vector: np.ndarray,
                     n: int = SUGGESTIONS) -> list[str]:
    """The `n` headings most similar to the question."""
    if not found.headings:
        return []
    order = np.argsort(-(heading_vectors @ query_vector), kind="stable")[:n]
    return [found.headings[i] for i in order]


def decline_text(found: Topics, headings: list[str]) -> str:
    """The message: not covered, what the documents cover, questions they answer."""
    if not found.titles:
        return "There are no documents to answer from yet: ingest a corpus first."
    titles = "; ".join(f"“{t}”" for t in found.titles[:MAX_TITLES])
    more = len(found.titles) - MAX_TITLES
    if more > 0:
        titles += f" and {more} more"
    text = f"The documents don't answer this question. They cover: {titles}."
    if headings:
        asks = "\n".join(f"- {suggestion(h)}" for h in headings)
        text += f"\n\nYou could ask, for example:\n{asks}"
    return text


@dataclass
class _PerIndex:
    index: LexicalIndex
    topics: Topics
    heading_vectors: np.ndarray
    answerable: dict[str, bool] = field(default_factory=dict)  # heading -> suggestion answered


class Suggester:
    """Decline messages and example questions for one engine, offering only questions
    `answers(question)` says the engine answers."""

    def __init__(self, kept: KeptVectors, answers: Callable[[str], bool]):
        self.kept, self.answers = kept, answers
        self._state: _PerIndex | None = None

    def decline_text(self, index: LexicalIndex, vector: np.ndarray) -> str:
        """The decline message for a question embedded as `vector`."""
        state = self._for(index)  # once: a refresh may replace the index meanwhile
        return decline_text(state.topics, self._answerable(state, vector, SUGGESTIONS))

    def examples(self, index: LexicalIndex, limit: int) -> list[str]:
        """Questions the engine answers, one per document as far as they go."""
        state = self._for(index)
        picked: list[str] = []
        for vector in self.kept.rows("titles", state.topics.titles[:limit]):
            for heading in self._answerable(state, vector, len(picked) + 1):
                if suggestion(heading) not in picked:
                    picked.append(suggestion(heading))
        return picked[:limit]

    def _answerable(self, state: _PerIndex, vector: np.ndarray, n: int) -> list[str]:
        """Up to `n` headings near `vector` whose suggested question the engine answers."""
        picked = []
        for heading in nearest_headings(state.topics, state.heading_vectors, vector,
                                        n=SUGGESTION_TRIES):
            if len(picked) == n:
                break
            if heading not in state.answerable:
                state.answerable[heading] = self.answers(suggestion(heading))
            if state.answerable[heading]:
                picked.append(heading)
        return picked

    def _for(self, index: LexicalIndex) -> _PerIndex:
        state = self._state
        if state is None or state.index is not index:
            found = topics(index.chunks)
            state = _PerIndex(index, found, self.kept.rows("headings", found.headings))
            self._state = state  # whole: a parallel question never sees topics without vectors
        return state
