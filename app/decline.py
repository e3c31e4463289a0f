"""What a decline says: that the documents do not answer, what they cover, what to ask.

The topics come from the store itself: each document's title and its section
headings, so the message stays true after a re-ingest. Suggested questions ask
about the headings nearest to the declined question.

This module does not decide when to decline (`answer.py` does).

    >>> suggestion("MDMA and Serotonin Syndrome")
    'What do the documents say about MDMA and Serotonin Syndrome?'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.chunk import SECTION_SEPARATOR, Chunk

GENERIC_HEADINGS = frozenset({
    "key takeaways", "conclusion", "conclusions", "summary", "introduction", "overview",
    "frequently asked questions", "faq", "table of contents", "contents", "references",
})
MAX_TITLES = 5
SUGGESTIONS = 3


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
