"""The chat UI's event handlers for the Chat and Evaluate tabs: one `Handlers` object per
page, sharing the engine and the settings (the Documents tab's are in `documents.py`).

Each handler takes what its Gradio event sends (the session's turns, the chat, a
file, the event data) and returns the components' new values: HTML from `render.py`,
Gradio updates, table rows. A failure becomes a short message in the page
(`friendly`); the user never sees a traceback, and the log gets one without the
exception's message (`logs.py`). Evaluation results go to this process's private
temp folder (`runtime.py`). This module lays out no page (`app.py` does) and keeps a
question nowhere but in the session's state, unless the user votes (`feedback.py`).
`app.py` builds one with `Handlers(engine, settings)`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import replace
from functools import wraps
from pathlib import Path

import gradio as gr

from app.engine import Answer, Engine
from app.evaluation import read_cases, run_all, summarize, write_results
from app.schemas import bounded_history
from app.settings import Settings
from app.web import conversation, logs, render, runtime
from app.web.export import reply_text
from app.web.feedback import feedback_case, record_vote, reply_id
from ingest.corpus import source_text
from ingest.errors import CaseError, StoreError

NOT_A_QUESTION = ("empty", "too_long")  # reasons of a decline that read nothing
SHOWN_CHARS = 300  # of such a message, shown back in the chat

RESULTS_KEEP_SECONDS = 86400  # evaluation result folders older than this are removed


def friendly(handler):
    """Show a short message for any failure; the server's log gets the traceback without
    the exception's message, which could quote the question (`logs.describe`)."""
    @wraps(handler)
    def run(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except gr.Error:
            raise
        except StoreError as exc:
            raise gr.Error(f"The document store is unavailable: {exc}", title="Store error",
                           print_exception=False) from None
        except Exception as exc:  # noqa: BLE001 - the user gets a message, never a trace
            print(f"error in {handler.__name__}: {logs.describe(exc)}", file=sys.stderr)
            raise gr.Error("Something went wrong; please try again.",
                           print_exception=False) from None
    return run


def event_data(evt: gr.EventData) -> dict:
    """What a page script sent with its event (`trigger(name, data)` in `static/`), or {}."""
    data = getattr(evt, "_data", None)
    return data if isinstance(data, dict) else {}


class Handlers:
    """The event handlers, sharing one engine and the settings."""

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings
        self.corpus = settings.corpus_dir.resolve()

    def engine_examples(self) -> list[str]:
        try:
            return self.engine.example_questions()
        except StoreError:
            return []

    @friendly
    def respond(self, message: str, chat: list, turns: list[Answer]):
        # the session's turns are the conversation; a shorter chat (cleared, or an API
        # client starting over) cuts them to match, so message i and turn i//2 agree
        kept = min(len(chat or []) // 2, len(turns or []))
        chat, turns = list(chat or [])[:2 * kept], list(turns or [])[:kept]
        message = message or ""
        result = self.engine.answer(message, _conversation(turns))
        shown, box = message, ""
        if result.reason in NOT_A_QUESTION:
            # declined unread: neither its text nor a copy of it stays in the session
            shown = logs.clip(message, SHOWN_CHARS)
            result = replace(result, question="")
            box = message if result.reason == "too_long" else ""  # to shorten in place
        chat += [{"role": "user", "content": render.text_html(shown)},
                 {"role": "assistant", "content": self._reply(result, len(turns))}]
        turns.append(result)
        k = len(turns) - 1
        return (chat, turns, k, box, self._sources(result, k), render.empty_document(),
                gr.Tabs(selected="sources"))

    def ask(self, chat: list, turns: list[Answer], evt: gr.EventData):
        """A suggested or example question, clicked: asked at once."""
        data = event_data(evt)
        question = data.get("question")
        if not isinstance(question, str) or not question.strip():
            return (gr.update(),) * 7
        return self.respond(question, chat, turns)

    @friendly
    def record(self, turns: list[Answer]) -> dict:
        """The conversation as the browser stores it (`conversation.record`)."""
        texts: dict[str, str | None] = {}
        for t in turns or []:
            texts |= self._texts(t)
        return conversation.record(turns or [], texts, max_chars=self.settings.max_question_chars)

    @friendly
    def restore(self, evt: gr.EventData):
        """A conversation the browser kept, reopened: its chat and turns, the last reply's
        sources shown."""
        data = event_data(evt)
        try:
            turns = conversation.restore(data.get("record"))
        except ValueError:
            raise gr.Error("That saved conversation could not be read; it may have been "
                           "saved by another version.", print_exception=False) from None
        chat = []
        for k, t in enumerate(turns):
            asked = t.question if t.question or t.reason not in NOT_A_QUESTION else "(not kept)"
            chat += [{"role": "user", "content": render.text_html(asked)},
                     {"role": "assistant", "content": self._reply(t, k)}]
        k = len(turns) - 1
        sources = self._sources(turns[k], k) if turns else render.sources_html(None, {})
        return (chat, turns, k, "", sources, render.empty_document(), gr.Tabs(selected="sources"))

    def reset(self):
        return ([], [], -1, "", render.sources_html(None, {}), render.empty_document(),
                gr.Tabs(selected="sources"))

    @friendly
    def vote(self, turns: list[Answer], evt: gr.LikeData, request: gr.Request | None = None):
        k = _turn_of(evt, turns, replies_only=True)
        if k is None or not isinstance(evt.liked, bool) or turns[k].reason in NOT_A_QUESTION:
            return gr.update()  # nothing to learn from a question that was not read
        # the history the engine read, not the whole conversation: a case stays small
        history = bounded_history(_conversation(turns[:k]),
                                  max_chars=self.settings.max_question_chars)
        session = getattr(request, "session_hash", None) or ""
        case = feedback_case(turns[k], history, liked=evt.liked,
                             case_id=reply_id(session, k, turns[k]))
        try:
            replaced = record_vote(self.settings.feedback_path, case)
        except OSError as exc:
            raise gr.Error(f"Could not save the vote: {exc.strerror or exc}",
                           print_exception=False) from None
        again = " Your earlier vote on this reply is replaced." if replaced else ""
        return f"Thanks, saved.{again}"

    @friendly
    def show_turn(self, turns: list[Answer], evt: gr.SelectData):
        k = _turn_of(evt, turns)
        if k is None:
            return gr.update(), gr.update(), gr.update()
        return self._sources(turns[k], k), k, gr.Tabs(selected="sources")

    @friendly
    def open_citation(self, turns: list[Answer], shown: int, evt: gr.EventData):
        data = event_data(evt)
        k = data.get("turn", shown)
        result = turns[k] if isinstance(k, int) and 0 <= k < len(turns) else None
        citation = next((c for c in result.citations if c.n == data.get("n")), None) \
            if result else None
        if citation is None:
            return gr.update(), gr.update(), gr.update(), gr.update()
        sources = self._sources(result, k) if k != shown else gr.update()
        text = self._text(citation.source)
        start, end = citation.start, citation.end
        if text is not None and text[start:end] != citation.quote:  # the file changed since
            start = text.find(citation.quote)
            start, end = (start, start + len(citation.quote)) if start >= 0 else (0, 0)
        html = render.document_html(citation.title, citation.source, text, start, end)
        return html, gr.Tabs(selected="document"), sources, k

    @friendly
    def evaluate(self, path: str | None, progress=gr.Progress()):
        if not path:
            return render.message_html("Choose a cases file (JSONL or CSV) first.", bad=True), None
        source = Path(path)
        try:
            cases, errors = read_cases(source)
        except CaseError as exc:
            return render.message_html(str(exc).replace(str(source), source.name), bad=True), None
        errors = [e.replace(str(source), source.name, 1) for e in errors]
        if not cases:
            message = "\n".join([f"No well-formed case in {source.name}."] + errors)
            return render.message_html(message, bad=True), None
        progress(0, desc="Evaluating")
        rows = run_all(self.engine, cases, self.settings.corpus_dir, {},
                       progress=lambda done, total: progress((done, total), desc="Evaluating",
                                                              unit="cases"))
        summary = summarize(rows, errors)
        out = _results_folder()
        write_results(out, summary, rows)
        files = [str(out / name) for name in ("results.jsonl", "report.html", "summary.json")]
        return render.evaluation_html(summary, rows, errors), files

    def _sources(self, result: Answer, turn: int) -> str:
        return render.sources_html(result, self._texts(result), turn=turn)

    def _reply(self, result: Answer, turn: int) -> str:
        texts = self._texts(result)
        return render.answer_html(result, turn=turn, texts=texts, plain=reply_text(result, texts))

    def _texts(self, result: Answer) -> dict[str, str | None]:
        """The texts of the files a reply cites (not PDFs: a page needs no text)."""
        return {c.source: self._text(c.source) for c in result.citations if c.page is None}

    def _text(self, source: str) -> str | None:
        return source_text(self.corpus, source)


def _conversation(turns: list[Answer]) -> list[dict]:
    """The engine's history: each question and the reply it got."""
    history = []
    for t in turns or []:
        history += [{"role": "user", "content": t.question},
                    {"role": "assistant", "content": t.text}]
    return history


def _turn_of(evt: gr.EventData, turns: list[Answer], *, replies_only: bool = False) -> int | None:
    """The turn of the chat message an event is about (message i belongs to turn i // 2)."""
    index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if not isinstance(index, int) or (replies_only and index % 2 == 0):
        return None
    return index // 2 if 0 <= index // 2 < len(turns) else None


def _results_folder() -> Path:
    """A new folder for one evaluation's files, in this process's private temp folder;
    those of runs over a day old are removed (Gradio keeps its own copies of what it served)."""
    runtime.EVALUATIONS.mkdir(mode=0o700, exist_ok=True)
    for old in runtime.EVALUATIONS.iterdir():
        if time.time() - old.stat().st_mtime > RESULTS_KEEP_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=runtime.EVALUATIONS))
