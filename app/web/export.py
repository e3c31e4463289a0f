"""A reply as the user takes it away: plain text (the copy button), Markdown (a saved
conversation) and an evaluation case (a conversation exported as cases).

The plain text is laid out as `python -m app.ask` prints it: the reply with its
markers, the safety note, then "Sources:" with each citation's number, title and
section, file and line (or page) and quote. A decline or refusal starts with its
label in plain words (`render.label`). The case is in the evaluator's format
(`app/evaluation/cases.py`): the reply as given becomes what is expected, so a case
file of a conversation is a regression test as it stands. This module reads no file
(the caller passes the documents' texts, for line numbers) and writes none: the
browser saves what it builds (`static/conversations.js`).

    >>> from app.engine import AnswerSentence, Citation
    >>> reply = Answer("What is SERT?", Decision.ANSWER,
    ...                sentences=[AnswerSentence("SERT moves serotonin.", (1,))],
    ...                citations=[Citation(1, "a.txt", "Doc", "Doc › SERT", 6, 27,
    ...                                    "SERT moves serotonin.")])
    >>> print(reply_text(reply, {"a.txt": "Intro\\nSERT moves serotonin."}))
    SERT moves serotonin. [1]
    <BLANKLINE>
    Sources:
    [1] Doc › SERT
        a.txt, line 2
        “SERT moves serotonin.”
"""

from __future__ import annotations

from app.engine import Answer, Citation, Decision
from app.web.render import label
from ingest.chunk import SECTION_SEPARATOR

CASE_CATEGORY = "conversation"


def reply_text(result: Answer, texts: dict[str, str | None]) -> str:
    """One reply as plain text with its sources; `texts` maps a source to its file's text."""
    lines = [label(result)] if result.decision != Decision.ANSWER else []
    lines.append(result.text)
    if result.note:
        lines.append(f"\n{result.note}")
    if result.citations:
        lines.append("\nSources:")
    for c in result.citations:
        lines += [f"[{c.n}] {_heading(c)}", f"    {c.source}, {c.location(texts.get(c.source))}",
                  f"    “{_one_line(c.quote)}”"]
    return "\n".join(lines)


def reply_markdown(result: Answer, texts: dict[str, str | None]) -> str:
    """One exchange as Markdown: the question as a heading, the reply, its sources as a
    numbered list.

    >>> print(reply_markdown(Answer("Why?", Decision.DECLINE, "No.", reason="not_covered"), {}))
    ## Why?
    <BLANKLINE>
    *Declined: the documents don't answer this*
    <BLANKLINE>
    No.
    """
    parts = [f"## {_one_line(result.question) or '(no question)'}"]
    if result.decision != Decision.ANSWER:
        parts.append(f"*{label(result)}*")
    parts.append(result.text.replace("\n", "  \n"))
    if result.note:
        parts.append(f"> {result.note}")
    if result.citations:
        parts.append("**Sources**\n\n" + "\n".join(
            f"{c.n}. **{_heading(c)}**, `{c.source}`, {c.location(texts.get(c.source))}: "
            f"“{_one_line(c.quote)}”" for c in result.citations))
    return "\n\n".join(parts)


def reply_case(result: Answer, history: list[dict], *, case_id: str) -> dict:
    """The evaluation case of one exchange asked after `history`: what was decided is what
    is expected, and an answer's cited files are its expected sources.

    >>> reply_case(Answer("Why?", Decision.DECLINE, "No."), [], case_id="c-1")["expect"]
    'decline'
    """
    case = {"id": case_id, "question": result.question, "history": history,
            "category": CASE_CATEGORY, "expect": result.decision.value, "answer": result.text}
    if result.decision == Decision.ANSWER:
        case["sources"] = sorted({c.source for c in result.citations})
    return case


def _heading(c: Citation) -> str:
    """ "Title › section", the section without the title it may start with."""
    section = c.section.removeprefix(c.title).removeprefix(SECTION_SEPARATOR)
    return f"{c.title}{SECTION_SEPARATOR}{section}" if section else c.title


def _one_line(text: str) -> str:
    return " ".join(text.split())
