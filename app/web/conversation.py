"""A conversation as the browser keeps it, and back: the record the page stores in its
local storage, and the turns rebuilt from a record it sends to reopen one.

`record(turns, texts)` gives, for each turn, what reopening needs (the reply's
structure: decision, message, sentences, citations, the passages its citations sit
in) and what exporting needs, built here so the page only assembles it: the plain
text (copy), the Markdown and the evaluation case (`export.py`). `restore(data)`
checks a record that came back from the browser (pydantic, bounded sizes) and
rebuilds the `Answer`s; a malformed one raises `ValueError`. Scores, timings and
passages that hold no citation are left out: a reopened reply shows and cites as it
did, but is not a trace. Nothing is stored on the server.

    >>> turns = [Answer("Why?", Decision.DECLINE, "No.", reason="not_covered", suggestions=["What is SERT?"])]
    >>> restore(record(turns, {}))[0] == turns[0]
    True
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.engine import Answer, AnswerSentence, Citation, Decision, Passage
from app.schemas import bounded_history
from app.web.export import reply_case, reply_markdown, reply_text
from ingest.chunk import Chunk

MAX_TURNS_KEPT = 200  # of one conversation reopened
MAX_TEXT = 20_000  # characters of any one string in a record
NOT_A_QUESTION = ("empty", "too_long")  # reasons of a decline that read nothing: no case


def record(turns: list[Answer], texts: dict[str, str | None], *, max_chars: int = 2000) -> dict:
    """The browser's record of a conversation: `{"turns": [...]}`, each turn with its
    `answer` (to reopen), `text`, `markdown` and `case` (None for a question that was
    not read). `max_chars` bounds the history inside each case, as the engine's."""
    out = []
    for k, result in enumerate(turns):
        history = bounded_history(_conversation(turns[:k]), max_chars=max_chars)
        case = None if result.reason in NOT_A_QUESTION else \
            reply_case(result, history, case_id=f"turn-{k + 1}")
        out.append({"answer": _answer_record(result), "text": reply_text(result, texts),
                    "markdown": reply_markdown(result, texts), "case": case})
    return {"turns": out}


def restore(data: object) -> list[Answer]:
    """The turns of a record sent back by the browser; `ValueError` when it is malformed."""
    try:
        checked = _Record.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"not a conversation record ({exc.error_count()} problems)") from None
    return [t.answer.rebuilt() for t in checked.turns]


def _answer_record(result: Answer) -> dict:
    cited = [p for p in result.passages if any(
        p.chunk.source == c.source and p.chunk.start <= c.start and c.end <= p.chunk.end
        for c in result.citations)]
    return {"question": result.question, "decision": result.decision.value,
            "reason": result.reason, "message": result.message, "note": result.note,
            "sentences": [{"text": s.text, "citations": list(s.citations)} for s in result.sentences],
            "citations": [asdict(c) for c in result.citations],
            "suggestions": list(result.suggestions),
            "passages": [asdict(p.chunk) for p in cited]}


def _conversation(turns: list[Answer]) -> list[dict]:
    history = []
    for t in turns:
        history += [{"role": "user", "content": t.question},
                    {"role": "assistant", "content": t.text}]
    return history


Text = Field(max_length=MAX_TEXT)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class _Sentence(_Strict):
    text: str = Text
    citations: list[int] = Field(max_length=50)


class _Citation(_Strict):
    n: int
    source: str = Text
    title: str = Text
    section: str = Text
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str = Text
    page: int | None = None


class _Chunk(_Strict):  # a passage: the chunk a citation sits in
    id: str = Text
    source: str = Text
    title: str = Text
    section: str = Text
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Text
    page: int | None = None
    page_end: int | None = None


class _Answer(_Strict):
    question: str = Text
    decision: Decision = Field(strict=False)
    reason: str = Field("", max_length=100)
    message: str = Field("", max_length=MAX_TEXT)
    note: str = Field("", max_length=MAX_TEXT)
    sentences: list[_Sentence] = Field(default_factory=list, max_length=50)
    citations: list[_Citation] = Field(default_factory=list, max_length=50)
    suggestions: list[Annotated[str, Text]] = Field(default_factory=list, max_length=10)
    passages: list[_Chunk] = Field(default_factory=list, max_length=50)

    def rebuilt(self) -> Answer:
        return Answer(self.question, self.decision, self.message,
                      sentences=[AnswerSentence(s.text, tuple(s.citations)) for s in self.sentences],
                      citations=[Citation(**c.model_dump()) for c in self.citations],
                      passages=[Passage(Chunk(**p.model_dump()), 0.0) for p in self.passages],
                      reason=self.reason, note=self.note, suggestions=list(self.suggestions))


class _Turn(_Strict):
    answer: _Answer


class _Record(_Strict):
    turns: list[_Turn] = Field(max_length=MAX_TURNS_KEPT)
