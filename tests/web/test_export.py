"""A reply as plain text, Markdown and an evaluation case (app/web/export.py), and the
conversation record the browser keeps (app/web/conversation.py)."""

from __future__ import annotations

import json

import pytest

from app.ask import render as ask_render
from app.engine import Answer, AnswerSentence, Citation, Decision
from app.engine.retrieve import Passage
from app.evaluation.cases import read_cases
from app.web.conversation import MAX_TURNS_KEPT, record, restore
from app.web.export import reply_case, reply_markdown, reply_text
from ingest.chunk import Chunk

TEXT = "# Notes\n\nIntro line.\nSERT moves serotonin back into the neuron.\nMore <b> here.\n"


def cited(question: str = "What does SERT do?") -> Answer:
    quote = "SERT moves serotonin back into the neuron."
    start = TEXT.index(quote)
    chunk = Chunk("c1", "notes.md", "Notes", "Notes", 0, len(TEXT), TEXT)
    other = Chunk("c2", "other.md", "Other", "Other", 0, 5, "Other")
    return Answer(question, Decision.ANSWER,
                  sentences=[AnswerSentence(quote, (1,)), AnswerSentence("More here.", (1, 2))],
                  citations=[Citation(1, "notes.md", "Notes", "Notes", start, start + len(quote), quote),
                             Citation(2, "doc.pdf", "Paper", "Paper › Methods", 0, 9, "A method.", page=3)],
                  passages=[Passage(chunk, 0.9), Passage(other, 0.5)], note="Safety note.",
                  scores={"answerability": 0.8}, timings={"total": 3.0})


def test_plain_text_is_what_python_m_app_ask_prints(tmp_path):
    (tmp_path / "notes.md").write_text(TEXT, encoding="utf-8")
    reply = cited()
    # the same layout, except that the title is not repeated when the section starts with it
    expected = ask_render(reply, tmp_path).replace("[1] Notes › Notes", "[1] Notes") \
        .replace("[2] Paper › Paper › Methods", "[2] Paper › Methods")
    assert reply_text(reply, {"notes.md": TEXT}) == expected
    assert "\nSources:\n[1] Notes\n    notes.md, line 4\n" in reply_text(reply, {"notes.md": TEXT})
    assert "[2] Paper › Methods\n    doc.pdf, page 3\n    “A method.”" in reply_text(reply, {})


def test_plain_text_of_a_decline_starts_with_its_label_and_keeps_its_suggestions():
    reply = Answer("q", Decision.DECLINE, "Not covered.", reason="not_covered",
                   suggestions=["What is SERT?"])
    assert reply_text(reply, {}).splitlines() == [
        "Declined: the documents don't answer this", "Not covered.", "",
        "You could ask, for example:", "- What is SERT?"]


def test_markdown_has_the_question_the_reply_and_numbered_sources():
    md = reply_markdown(cited(), {"notes.md": TEXT})
    assert md.startswith("## What does SERT do?\n\nSERT moves serotonin back into the neuron. [1]")
    assert "> Safety note." in md
    assert "1. **Notes**, `notes.md`, line 4: “SERT moves serotonin back into the neuron.”" in md
    assert "2. **Paper › Methods**, `doc.pdf`, page 3: “A method.”" in md


def test_cases_of_a_conversation_are_read_by_the_evaluator(tmp_path):
    turns = [cited("What does SERT do?"), Answer("And MAOI?", Decision.DECLINE, "No.", reason="not_covered"),
             Answer("", Decision.DECLINE, "Too long.", reason="too_long")]
    kept = record(turns, {"notes.md": TEXT})
    lines = [json.dumps(t["case"]) for t in kept["turns"] if t["case"]]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases, errors = read_cases(tmp_path / "c.jsonl")
    assert not errors and [c.id for c in cases] == ["turn-1", "turn-2"]
    assert cases[0].expect == "answer" and cases[0].sources == ["doc.pdf", "notes.md"]
    assert cases[1].expect == "decline" and cases[1].history[0]["role"] == "user"
    assert cases[1].history[1]["content"] == turns[0].text and cases[0].category == "conversation"
    assert reply_case(turns[1], [], case_id="x")["answer"] == "No."


def test_a_record_reopens_as_the_same_replies_without_their_trace():
    turns = [cited(), Answer("Why?", Decision.DECLINE, "No.", reason="not_covered",
                             suggestions=["What does SERT do?"])]
    kept = json.loads(json.dumps(record(turns, {})))  # through the browser's storage
    again = restore(kept)
    assert [a.text for a in again] == [t.text for t in turns]
    assert again[0].citations == turns[0].citations and again[0].note == "Safety note."
    assert [p.chunk for p in again[0].passages] == [turns[0].passages[0].chunk]  # the cited one
    assert again[0].scores == {} and again[1].suggestions == ["What does SERT do?"]
    assert {"answer", "text", "markdown", "case"} == set(kept["turns"][0])


@pytest.mark.parametrize("broken", [
    None, [], {"turns": "x"}, {"turns": [{}]},
    {"turns": [{"answer": {"question": "q", "decision": "answer", "citations": [{"n": "1"}]}}]},
    {"turns": [{"answer": {"question": "q" * 30_000, "decision": "answer"}}]},
    {"turns": [{"answer": {"question": "q", "decision": "answer"}}] * (MAX_TURNS_KEPT + 1)},
])
def test_a_malformed_record_is_a_value_error(broken):
    with pytest.raises(ValueError, match="not a conversation record"):
        restore(broken)
