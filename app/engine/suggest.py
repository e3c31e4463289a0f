"""What a decline says: that the documents do not answer, what they cover, what to ask.

The topics come from the store itself: each document's title and its section
headings, so the message stays true after a re-ingest. Suggested questions are about
the headings nearest to the declined question, each written from its section's own
first sentences where one has a shape `phrasing.py` knows ("X is a …" → "What is
X?"), else from the heading (`phrasing.from_heading`).

`Suggester` keeps what it derives from one lexical index (topics, heading vectors, and
which questions the engine answers), and checks every suggestion with the engine
before offering it: a question it does not answer is never offered.

This module does not decide when to decline (`judge.py` does), and knows nothing of
any particular corpus.

    >>> suggestion("MDMA and Serotonin Syndrome")
    'What do the documents say about MDMA and Serotonin Syndrome?'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.engine.phrasing import from_heading, question_from
from app.engine.retrieve import LexicalIndex
from app.engine.vectors import KeptVectors
from ingest.chunk import SECTION_SEPARATOR, Chunk
from ingest.sentences import sentences

GENERIC_HEADINGS = frozenset({
    "key takeaways", "conclusion", "conclusions", "summary", "introduction", "overview",
    "frequently asked questions", "faq", "table of contents", "contents", "references",
})
MAX_TITLES = 5
SUGGESTIONS = 3
SUGGESTION_TRIES = 10  # nearest headings tried for the 3 suggested questions
SENTENCES_READ = 4  # of a section, for a question written from its own words


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
    """A question about a heading alone; a heading that is a question is asked as is."""
    return heading if heading.endswith("?") else f"What do the documents say about {heading}?"


def section_questions(heading: str, chunks: list[Chunk]) -> list[str]:
    """Questions for one heading, best first: written from the first sentences of its
    section (`chunks` under it), then from the heading, then about the heading.

    >>> text = "Genetic Variability\\n\\nCYP2D6 is an enzyme that breaks down many drugs in the liver."
    >>> c = Chunk("a:0", "a.txt", "Doc", "Doc › Genetic Variability", 0, len(text), text)
    >>> section_questions("Genetic Variability", [c])
    ['What is CYP2D6?', 'What is genetic variability?', 'What do the documents say about Genetic Variability?']
    """
    own = [c for c in chunks if c.section.split(SECTION_SEPARATOR)[-1] == heading] or chunks
    asks: list[str] = []
    for c in own[:2]:
        for s in sentences(c)[:SENTENCES_READ]:
            if (q := question_from(s.text, context=c.text)) and q not in asks:
                asks.append(q)
    context = " ".join(c.text for c in own[:2])
    for q in (from_heading(heading, context=context), suggestion(heading)):
        if q not in asks:
            asks.append(q)
    return asks


def nearest_headings(found: Topics, heading_vectors: np.ndarray, query_vector: np.ndarray,
                     n: int = SUGGESTIONS) -> list[str]:
    """The `n` headings most similar to the question."""
    if not found.headings:
        return []
    order = np.argsort(-(heading_vectors @ query_vector), kind="stable")[:n]
    return [found.headings[i] for i in order]


def decline_text(found: Topics) -> str:
    """The message: not covered, and what the documents cover (the suggested questions
    travel beside it, in `Answer.suggestions`)."""
    if not found.titles:
        return "There are no documents to answer from yet: ingest a corpus first."
    titles = "; ".join(f"“{t}”" for t in found.titles[:MAX_TITLES])
    more = len(found.titles) - MAX_TITLES
    if more > 0:
        titles += f" and {more} more"
    return f"The documents don't answer this question. They cover: {titles}."


@dataclass
class _PerIndex:
    index: LexicalIndex
    topics: Topics
    heading_vectors: np.ndarray
    answerable: dict[str, bool] = field(default_factory=dict)  # question -> the engine answers it
    asked: dict[str, str | None] = field(default_factory=dict)  # heading -> its answered question
    sections: dict[str, list[Chunk]] = field(default_factory=dict)  # heading -> chunks under it


class Suggester:
    """Decline messages and example questions for one engine, offering only questions
    `answers(question)` says the engine answers."""

    def __init__(self, kept: KeptVectors, answers: Callable[[str], bool]):
        self.kept, self.answers = kept, answers
        self._state: _PerIndex | None = None

    def decline(self, index: LexicalIndex, vector: np.ndarray) -> tuple[str, list[str]]:
        """The decline message for a question embedded as `vector`, and the questions to
        suggest instead."""
        state = self._for(index)  # once: a refresh may replace the index meanwhile
        return decline_text(state.topics), self._answerable(state, vector, SUGGESTIONS)

    def examples(self, index: LexicalIndex, limit: int) -> list[str]:
        """Questions the engine answers, one per document as far as they go."""
        state = self._for(index)
        picked: list[str] = []
        for vector in self.kept.rows("titles", state.topics.titles[:limit]):
            for question in self._answerable(state, vector, len(picked) + 1):
                if question not in picked:
                    picked.append(question)
        return picked[:limit]

    def _answerable(self, state: _PerIndex, vector: np.ndarray, n: int) -> list[str]:
        """Up to `n` questions, one per heading near `vector`, that the engine answers."""
        picked = []
        for heading in nearest_headings(state.topics, state.heading_vectors, vector,
                                        n=SUGGESTION_TRIES):
            if len(picked) == n:
                break
            if heading not in state.asked:
                state.asked[heading] = next(
                    (q for q in section_questions(heading, state.sections.get(heading, []))
                     if self._answers(state, q)), None)
            if state.asked[heading] and state.asked[heading] not in picked:
                picked.append(state.asked[heading])
        return picked

    def _answers(self, state: _PerIndex, question: str) -> bool:
        if question not in state.answerable:
            state.answerable[question] = self.answers(question)
        return state.answerable[question]

    def _for(self, index: LexicalIndex) -> _PerIndex:
        state = self._state
        if state is None or state.index is not index:
            found = topics(index.chunks)
            state = _PerIndex(index, found, self.kept.rows("headings", found.headings),
                              sections=_sections(index.chunks))
            self._state = state  # whole: a parallel question never sees topics without vectors
        return state


def _sections(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    """Each heading's chunks (those whose section path holds it), in index order."""
    found: dict[str, list[Chunk]] = {}
    for c in chunks:
        for part in c.section.split(SECTION_SEPARATOR):
            found.setdefault(part, []).append(c)
    return found
