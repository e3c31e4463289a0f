"""The UI's event handlers, called directly with a stand-in engine: votes and error logs."""

from __future__ import annotations

import logging
import sys

import gradio as gr
import pytest

from app.engine import Answer, Decision
from app.evaluation.cases import read_cases
from app.schemas import MAX_TURNS
from app.settings import Settings
from app.web import logs
from app.web.handlers import Handlers

SECRET = "my neighbour's private question about dosing"


class FailingEngine:
    """An engine whose answer fails with the question in its message, as a library might."""

    def answer(self, question: str, history: list[dict]) -> Answer:
        raise ValueError(f"could not parse {question!r}")


def handlers(tmp_path, engine=None) -> Handlers:
    settings = Settings(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data",
                        feedback_file=tmp_path / "votes.jsonl")
    return Handlers(engine, settings)


def like(index: int, liked: bool) -> gr.LikeData:
    return gr.LikeData(None, {"index": index, "value": "", "liked": liked})


def test_one_vote_per_reply_and_cases_stay_small(tmp_path):
    ui = handlers(tmp_path)
    turns = [Answer(f"Question number {i}?", Decision.DECLINE, f"Reply number {i}.")
             for i in range(50)]
    for k in range(50):  # every reply voted up, then changed to down
        assert ui.vote(turns, like(2 * k + 1, True)) == "Thanks, saved."
        assert ui.vote(turns, like(2 * k + 1, False)) == \
            "Thanks, saved. Your earlier vote on this reply is replaced."
    cases, errors = read_cases(tmp_path / "votes.jsonl")
    assert not errors and len(cases) == 50 and {c.extra["vote"] for c in cases} == {"down"}
    assert [c.question for c in cases] == [t.question for t in turns]
    assert all(len(c.history) <= MAX_TURNS for c in cases)  # what the engine read, no more
    assert cases[-1].history[-1] == {"role": "assistant", "content": "Reply number 48."}
    assert (tmp_path / "votes.jsonl").stat().st_size < 50 * 2500


def test_errors_log_no_question_and_stay_bounded(tmp_path, capsys):
    ui = handlers(tmp_path, FailingEngine())
    with pytest.raises(gr.Error, match="Something went wrong"):
        ui.respond(SECRET * 5000, [], [])
    err = capsys.readouterr().err
    assert "error in respond" in err and "ValueError (message left out)" in err
    assert "neighbour" not in err and len(err) <= logs.MAX_LOG_CHARS + 100
    # Gradio's own tracebacks (its input checks quote the inputs) and logging records
    logs.install()
    import gradio.queueing

    try:
        raise ValueError(f"Received inputs: {[SECRET * 5000]}")
    except ValueError:
        gradio.queueing.traceback.print_exc()
        record = logging.getLogger("probe").makeRecord("probe", logging.ERROR, __file__, 1,
                                                       "asked %s", (SECRET * 5000,), sys.exc_info())
    err = capsys.readouterr().err
    assert "neighbour" not in err and "ValueError (message left out)" in err
    text = logging.Formatter().format(record)
    assert "neighbour" not in text.split("\n", 1)[1] and len(text) < 2 * logs.MAX_LOG_CHARS + 100


class RecordingEngine:
    """Declines an over-long question as the engine does, and records each history."""

    def __init__(self):
        self.histories: list[list[dict]] = []

    def answer(self, question: str, history: list[dict]) -> Answer:
        self.histories.append(history)
        if len(question) > 2000:
            return Answer(question, Decision.DECLINE, "Please shorten it.", reason="too_long")
        return Answer(question, Decision.DECLINE, "Not covered.", reason="not_covered")


def test_a_question_declined_unread_never_enters_the_session(tmp_path):
    engine = RecordingEngine()
    ui = handlers(tmp_path, engine)
    chat, turns, _, box, *_ = ui.respond("1" * 30_000, [], [])
    assert turns[0].question == "" and len(chat[0]["content"]) < 400
    assert box == "1" * 30_000  # the box keeps it, to be shortened in place
    assert ui.record(turns)["turns"][0]["case"] is None  # nor does an export hold it
    ui.respond("What is serotonin?", chat, turns)
    assert all(len(t["content"]) < 400 for t in engine.histories[-1])


def test_a_question_answered_empties_the_box(tmp_path):
    ui = handlers(tmp_path, RecordingEngine())
    assert ui.respond("What is serotonin?", [], [])[3] == ""


def test_a_clicked_suggestion_is_asked_at_once(tmp_path):
    engine = RecordingEngine()
    ui = handlers(tmp_path, engine)
    chat, turns, *_ = ui.ask([], [], gr.EventData(None, {"question": "What is SERT?"}))
    assert [t.question for t in turns] == ["What is SERT?"] and len(chat) == 2
    unchanged = ui.ask(chat, turns, gr.EventData(None, {"question": ["not", "text"]}))
    assert all(u == gr.update() for u in unchanged)


def test_a_conversation_kept_by_the_browser_reopens_as_it_was(tmp_path):
    ui = handlers(tmp_path, RecordingEngine())
    chat, turns, *_ = ui.respond("What is serotonin?", [], [])
    chat, turns, *_ = ui.respond("And SERT?", chat, turns)
    kept = ui.record(turns)
    again, reopened, shown, box, *_ = ui.restore(gr.EventData(None, {"record": kept}))
    assert reopened == turns and again == chat and shown == 1 and box == ""


@pytest.mark.parametrize("record", [None, "x", {"turns": [{"answer": {"question": 1}}]},
                                    {"turns": [{"answer": {"question": "q", "decision": "maybe"}}]}])
def test_a_broken_saved_conversation_gets_a_message(tmp_path, record):
    ui = handlers(tmp_path, RecordingEngine())
    with pytest.raises(gr.Error, match="could not be read"):
        ui.restore(gr.EventData(None, {"record": record}))
