"""What the engine returns: an `Answer`, whose sentences carry their citation numbers.

An answer is built as structure (`AnswerSentence`: a document sentence and the numbers
of the citations it rests on) and its text is rendered from it (`Answer.text`), so no
caller ever parses markers back out of text. A decline or a refusal has a `message`
instead of sentences. `compose` turns chosen document sentences into sentences and
citations, numbered by first use.

This module decides nothing and reads no store.

    >>> s = Sentence("a.txt", "T", "S", 5, 30, "• MDMA raises serotonin.", "MDMA raises serotonin.")
    >>> sentences, citations = compose([s])
    >>> Answer("q", Decision.ANSWER, sentences=sentences, citations=citations).text
    'MDMA raises serotonin. [1]'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

from app.engine.retrieve import Passage
from ingest.sentences import Sentence

SUGGESTIONS_INTRO = "You could ask, for example:"  # before a decline's suggested questions


class Decision(str, Enum):
    """What the engine did with a question."""

    ANSWER = "answer"
    DECLINE = "decline"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    section: str
    start: int
    end: int
    quote: str  # == the file's text[start:end]
    page: int | None = None

    def location(self, text: str | None) -> str:
        """Where the quote sits in its file's `text`: page for a PDF, else lines (offsets
        when the text is unknown).

        >>> c = Citation(1, "a.txt", "A", "S", 6, 9, "two")
        >>> c.location("one\\n\\ntwo"), c.location(None)
        ('line 3', 'characters 6–9')
        """
        if self.page is not None:
            return f"page {self.page}"
        if text is None:
            return f"characters {self.start}–{self.end}"
        first = text.count("\n", 0, self.start) + 1
        last = text.count("\n", 0, self.end) + 1
        return f"line {first}" if first == last else f"lines {first}–{last}"


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer and the numbers of the citations that support it."""

    text: str
    citations: tuple[int, ...]

    def marked(self) -> str:
        """The sentence followed by its markers: `AnswerSentence("A.", (1, 2)).marked()`
        gives 'A. [1][2]'."""
        return f"{self.text} " + "".join(f"[{n}]" for n in self.citations)


@dataclass
class Answer:
    question: str
    decision: Decision
    message: str = ""  # a decline's or refusal's text; an answer has sentences instead
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    reason: str = ""  # which rule decided: supported, not_covered, empty, personal_use, ...
    scores: dict[str, float] = field(default_factory=dict)  # the figures the rule looked at
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per step
    query: str = ""  # what was searched; differs from the question for a follow-up
    trigger: str = ""  # for a refusal: the words the policy rule matched
    note: str = ""  # the safety note under an answer to a personal-use question
    suggestions: list[str] = field(default_factory=list)  # a decline's questions the engine answers

    @property
    def text(self) -> str:
        """The reply as text: the message (a decline's or refusal's), its suggested
        questions as a list, then each sentence followed by its markers (an answer, or a
        refusal's cited risk facts). The `note` is not part of it: callers show it under
        the reply.

        >>> Answer("q", Decision.REFUSE, "No.", [AnswerSentence("Risky.", (1,))], note="").text
        'No.\\nRisky. [1]'
        >>> print(Answer("q", Decision.DECLINE, "Not covered.", suggestions=["What is SERT?"]).text)
        Not covered.
        <BLANKLINE>
        You could ask, for example:
        - What is SERT?
        """
        body = " ".join(s.marked() for s in self.sentences)
        asks = "\n".join([SUGGESTIONS_INTRO] + [f"- {q}" for q in self.suggestions]) \
            if self.suggestions else ""
        message = "\n\n".join(part for part in (self.message, asks) if part)
        return "\n".join(part for part in (message, body) if part)

    def to_dict(self) -> dict:
        return {"question": self.question, "decision": self.decision.value, "text": self.text,
                "sentences": [{"text": s.text, "citations": list(s.citations)}
                              for s in self.sentences],
                "reason": self.reason, "query": self.query, "trigger": self.trigger, "note": self.note,
                "suggestions": list(self.suggestions),
                "citations": [asdict(c) for c in self.citations],
                "passages": [p.to_dict() for p in self.passages],
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "timings": {k: round(v, 2) for k, v in self.timings.items()}}


def compose(chosen: list[Sentence]) -> tuple[list[AnswerSentence], list[Citation]]:
    """Answer sentences, each with its citation, and the citations, numbered by first use.

    >>> s = Sentence("a.txt", "T", "S", 5, 30, "• MDMA raises serotonin.", "MDMA raises serotonin.")
    >>> parts, citations = compose([s, s])
    >>> parts[1], [c.n for c in citations]
    (AnswerSentence(text='MDMA raises serotonin.', citations=(1,)), [1])
    """
    citations: dict[tuple[str, int, int], Citation] = {}
    parts = []
    for s in chosen:
        key = (s.source, s.start, s.end)
        if key not in citations:
            citations[key] = Citation(len(citations) + 1, s.source, s.title, s.section,
                                      s.start, s.end, s.quote, s.page)
        parts.append(AnswerSentence(s.text, (citations[key].n,)))
    return parts, list(citations.values())
