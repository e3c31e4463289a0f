"""The chat UI: a Gradio app over one `Engine`, in four tabs.

- Chat: questions with their history (follow-ups work). A reply shows its `[n]`
  markers; declines and refusals carry a label with the reason. The sources
  panel shows each citation's passage with the quote marked, and "Open in
  document" shows the whole file with the quote highlighted and scrolled to.
  Thumbs append the exchange to the feedback file as an eval case (`feedback.py`).
- Documents: the indexed files, re-ingest with a progress bar and a summary,
  and uploads into the corpus folder (`uploads.py`).
- Evaluate: a cases file run through `evaluate.py`, results to download.
- About: what the bot answers from, what it declines and refuses.

All HTML is built by `render.py` from escaped text. This module does not launch a
server or set security headers (`serve.py` does) and keeps no question anywhere
but in the browser session, unless the user votes.

    >>> demo = build(Engine(get_settings()), get_settings())  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from functools import wraps
from pathlib import Path

# subtle: Gradio and huggingface_hub read these when imported, so they are set first.
# Analytics off means no version check or telemetry; offline stops the hub client's
# own fetches; the upload folder is this app's own, not the shared /tmp/gradio.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(tempfile.gettempdir()) / "cited-qa-uploads"))

import gradio as gr

from app.engine import Answer, Engine
from app.evaluation import read_cases, run_all, summarize, write_results
from app.settings import Settings
from app.web import render
from app.web.feedback import feedback_case, record_vote
from app.web.uploads import save_to_corpus
from ingest.corpus import source_path, source_text
from ingest.errors import (
    CaseError,
    CorpusError,
    EmbeddingModelError,
    IngestBusy,
    StoreError,
    UploadError,
)
from ingest.index import ingest
from ingest.load import SUPPORTED_SUFFIXES, scan_corpus
from ingest.store import DONE

TITLE = "Cited answers from your documents"
RESULTS_KEEP_SECONDS = 86400  # evaluation result folders older than this are removed
CITE_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-cite]');
  if (button) { trigger('cite', {turn: Number(button.dataset.turn), n: Number(button.dataset.cite)}); }
});
// a marker [n] in a reply opens its citation too (the chat's links carry turn and number)
if (!window.qaMarkerClicks) {
  window.qaMarkerClicks = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.qa-marker');
    const found = link && /#qa-source-(\\d+)-(\\d+)$/.exec(link.getAttribute('href') || '');
    if (found) {
      event.preventDefault();
      event.stopPropagation();  // not also a click on the message, which shows its sources
      trigger('cite', {turn: Number(found[1]), n: Number(found[2])});
    }
  }, true);
}
const reveal = () => element.querySelectorAll('.qa-passage mark').forEach((hit) => {
  hit.parentElement.scrollTop = hit.offsetTop - hit.parentElement.offsetTop - 16;
});
watch('value', reveal);
"""
SCROLL_JS = """
const show = () => {
  const hit = element.querySelector('mark.qa-hit');
  if (hit) { hit.scrollIntoView({block: 'center', behavior: 'instant'}); }
};
watch('value', show);
show();
"""
ABOUT = """
### What this assistant does
It answers questions **only from the documents in its corpus folder**. Every sentence
of an answer is a sentence of a document, followed by a marker such as `[1]`; the
sources panel shows where each one comes from (file, section, lines or page) and
“Open in document” shows it in place. Nothing is generated, so nothing is made up.

### What it declines
Questions the documents do not answer get a **Declined** label, the list of documents
it has, and questions it can answer instead.

### What it refuses
It never gives **personal dosing advice**: how much, how often, when, or whether
someone should take a substance, including for friends, hypothetical people or
role-play. Those questions get a **Refused** label and a pointer to a doctor,
pharmacist or emergency services. What the documents say about doses in studies
is answered as information.

### Not medical advice
The documents are general information and may be incomplete or out of date. If you
or someone with you feels unwell after taking a substance, contact your local
emergency services or a poison control centre.

### Privacy
Everything runs on this machine: questions are not logged or sent anywhere. Only
when you press 👍 or 👎 is that exchange appended to the local feedback file.
"""


def build(engine: Engine, settings: Settings) -> gr.Blocks:
    """The Blocks app; launch it with `serve.launch`."""
    ui = _Handlers(engine, settings)
    # delete_cache: uploads and result files leave Gradio's folder after a day
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        turns, shown = gr.State([]), gr.State(-1)
        gr.Markdown(f"## {TITLE}\nEvery sentence cites its source. Not medical advice.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(ui, turns, shown, settings)
            with gr.Tab("Documents", id="documents") as docs_tab:
                table = _documents_tab(ui)
            with gr.Tab("Evaluate", id="evaluate"):
                _evaluate_tab(ui)
            with gr.Tab("About", id="about"):
                gr.Markdown(ABOUT)
        docs_tab.select(ui.documents, None, [table], api_visibility="private")
    demo.queue(max_size=settings.ui_queue_size, default_concurrency_limit=1)
    return demo


def _chat_tab(ui: _Handlers, turns: gr.State, shown: gr.State, settings: Settings) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chat = gr.Chatbot(elem_id="chat", show_label=False, height=560,
                              render_markdown=False, feedback_options=("Like", "Dislike"),
                              buttons=["copy"], placeholder="Ask about the documents below.")
            with gr.Row():
                box = gr.Textbox(elem_id="box", show_label=False, scale=5, lines=1,
                                 placeholder="Ask a question about the documents…")
                ask = gr.Button("Ask", elem_id="ask", variant="primary", scale=1, min_width=80)
            with gr.Row():
                new = gr.Button("New conversation", size="sm", elem_id="new", scale=0)
                vote_note = gr.Markdown("", elem_id="vote-note")
            examples = ui.engine_examples()
            if examples:
                gr.Examples([[q] for q in examples], inputs=[box], label="Try asking")
        with gr.Column(scale=2):
            with gr.Tabs() as side:
                with gr.Tab("Sources", id="sources"):
                    sources = gr.HTML(render.sources_html(None, {}), elem_id="sources",
                                      js_on_load=CITE_JS, max_height=620)
                with gr.Tab("Document", id="document"):
                    viewer = gr.HTML(render.empty_document(), elem_id="viewer",
                                     js_on_load=SCROLL_JS, max_height=620)
    outputs = [chat, turns, shown, box, sources, viewer, side]
    box.submit(ui.respond, [box, chat, turns], outputs, api_name="ask",
               concurrency_limit=settings.ui_concurrency, concurrency_id="answer")
    ask.click(ui.respond, [box, chat, turns], outputs, api_visibility="private",
              concurrency_limit=settings.ui_concurrency, concurrency_id="answer")
    new.click(ui.reset, None, outputs, api_visibility="private")
    chat.clear(ui.reset, None, outputs, api_visibility="private")
    chat.like(ui.vote, [turns], [vote_note], api_visibility="private")
    chat.select(ui.show_turn, [turns], [sources, shown, side], api_visibility="private")
    sources.cite(ui.open_citation, [turns, shown], [viewer, side, sources, shown],
                 api_visibility="private")


def _documents_tab(ui: _Handlers) -> gr.Dataframe:
    gr.Markdown("The documents the assistant answers from. Re-ingest after adding, "
                "editing or deleting files in the corpus folder; questions keep being "
                "answered meanwhile.")
    table = gr.Dataframe(ui.documents, headers=list(DOC_COLUMNS), elem_id="docs",
                         interactive=False, wrap=True,
                         column_widths=["34%", "30%", "8%", "16%", "12%"])
    with gr.Row(equal_height=True):
        reingest = gr.Button("Re-ingest corpus", elem_id="reingest", variant="primary",
                             scale=0, min_width=190)
        upload = gr.File(label="Add or replace documents", file_count="multiple",
                         file_types=sorted(SUPPORTED_SUFFIXES), elem_id="upload", height=120)
    summary = gr.HTML("", elem_id="ingest-summary")
    viewer = gr.HTML("", elem_id="doc-viewer", max_height=600)
    reingest.click(ui.reingest, None, [summary, table], api_name="reingest",
                   concurrency_limit=1, concurrency_id="ingest")
    upload.upload(ui.add_files, [upload], [summary, table], api_name="upload",
                  concurrency_limit=1, concurrency_id="ingest")
    table.select(ui.open_document, None, [viewer], api_visibility="private")
    return table


def _evaluate_tab(ui: _Handlers) -> None:
    gr.Markdown("Upload a cases file in the evaluator's format (JSONL or CSV, see the "
                "README), run it, and download `results.jsonl` and `report.html`.")
    with gr.Row():
        cases = gr.File(label="Cases file", file_types=[".jsonl", ".json", ".csv"],
                        elem_id="cases", height=120)
        run = gr.Button("Run evaluation", elem_id="run-eval", variant="primary", scale=0)
    results = gr.File(label="Results", file_count="multiple", interactive=False,
                      elem_id="eval-files")
    summary = gr.HTML("", elem_id="eval-summary")
    run.click(ui.evaluate, [cases], [summary, results], api_name="evaluate",
              concurrency_limit=1, concurrency_id="evaluate")


DOC_COLUMNS = ("Title", "File", "Chunks", "Last ingested", "Status")


def _friendly(handler):
    """Show a short message for any failure; the traceback goes to the server's log only."""
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
            print(f"error in {handler.__name__}: {type(exc).__name__}", file=sys.stderr)
            traceback.print_exc()
            raise gr.Error("Something went wrong; please try again.",
                           print_exception=False) from None
    return run


class _Handlers:
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

    @_friendly
    def respond(self, message: str, chat: list, turns: list[Answer]):
        # the session's turns are the conversation; a shorter chat (cleared, or an API
        # client starting over) cuts them to match, so message i and turn i//2 agree
        kept = min(len(chat or []) // 2, len(turns or []))
        chat, turns = list(chat or [])[:2 * kept], list(turns or [])[:kept]
        message = message or ""
        result = self.engine.answer(message, _conversation(turns))
        chat += [{"role": "user", "content": render.text_html(message)},
                 {"role": "assistant", "content": _reply(result, len(turns))}]
        turns.append(result)
        k = len(turns) - 1
        return (chat, turns, k, "", self._sources(result, k), render.empty_document(),
                gr.Tabs(selected="sources"))

    def reset(self):
        return ([], [], -1, "", render.sources_html(None, {}), render.empty_document(),
                gr.Tabs(selected="sources"))

    @_friendly
    def vote(self, turns: list[Answer], evt: gr.LikeData):
        k = _turn_of(evt, turns, replies_only=True)
        if k is None or not isinstance(evt.liked, bool):
            return gr.update()
        case = feedback_case(turns[k], _conversation(turns[:k]), liked=evt.liked)
        try:
            record_vote(self.settings.feedback_path, case)
        except OSError as exc:
            raise gr.Error(f"Could not save the vote: {exc.strerror or exc}",
                           print_exception=False) from None
        vote = "helpful" if evt.liked else "not helpful"
        return f"Saved your vote ({vote}) to `{self.settings.feedback_path}` as case `{case['id']}`."

    @_friendly
    def show_turn(self, turns: list[Answer], evt: gr.SelectData):
        k = _turn_of(evt, turns)
        if k is None:
            return gr.update(), gr.update(), gr.update()
        return self._sources(turns[k], k), k, gr.Tabs(selected="sources")

    @_friendly
    def open_citation(self, turns: list[Answer], shown: int, evt: gr.EventData):
        data = evt._data if isinstance(evt._data, dict) else {}
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

    @_friendly
    def documents(self) -> list[list]:
        records = {r.source: r for r in self.engine.documents()}
        on_disk = {p.relative_to(self.corpus).as_posix() for p in scan_corpus(self.corpus)[0]} \
            if self.corpus.is_dir() else set()
        rows = []
        for source in sorted(set(records) | on_disk):
            r = records.get(source)
            if r is None:
                rows.append(["", source, 0, "", "not ingested yet"])
                continue
            status = ("missing from folder" if source not in on_disk else
                      "indexed" if r.status == DONE else "interrupted: re-ingest")
            rows.append([r.title, source, r.chunks, r.ingested_at[:16].replace("T", " ") + " UTC",
                         status])
        return rows or [["", "(the corpus folder is empty)", 0, "", ""]]

    @_friendly
    def open_document(self, evt: gr.SelectData):
        row = evt.row_value or []
        source = str(row[1]) if len(row) > 1 else ""
        if source_path(self.corpus, source) is None:
            return ""
        title = str(row[0]) or source
        return render.document_html(title, source, self._text(source))

    @_friendly
    def reingest(self, progress=gr.Progress()):
        progress(0, desc="Reading the corpus folder")

        def embedded(done: int, total: int) -> None:
            if total:
                progress((done, total), desc="Embedding new and changed chunks and sentences",
                         unit="texts")

        try:
            report = ingest(self.settings, progress=embedded)
        except IngestBusy:
            return render.message_html("Another ingest is running (perhaps `python -m ingest` "
                                       "in a terminal); try again when it has finished.",
                                       bad=True), self.documents()
        except (CorpusError, StoreError, EmbeddingModelError) as exc:
            return render.message_html(f"Re-ingest failed: {exc}", bad=True), self.documents()
        self.engine.sync()  # the new index serves from the next question on
        return render.ingest_html(report), self.documents()

    @_friendly
    def add_files(self, paths: list[str] | None):
        saved, problems = [], []
        for path in paths or []:
            try:
                saved.append(save_to_corpus(Path(path), self.corpus,
                                            max_bytes=int(self.settings.max_upload_mb * 1e6)))
            except UploadError as exc:
                problems.append(str(exc))
        lines = [f"Added {name} to the corpus folder." for name in saved]
        if saved:
            lines.append("Press “Re-ingest corpus” to index it.")
        return render.message_html("\n".join(lines + problems), bad=bool(problems)), \
            self.documents()

    @_friendly
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
        texts = {c.source: self._text(c.source) for c in result.citations if c.page is None}
        return render.sources_html(result, texts, turn=turn)

    def _text(self, source: str) -> str | None:
        return source_text(self.corpus, source)


def _conversation(turns: list[Answer]) -> list[dict]:
    """The engine's history: each question and the reply it got."""
    history = []
    for t in turns or []:
        history += [{"role": "user", "content": t.question},
                    {"role": "assistant", "content": t.text}]
    return history


def _reply(result: Answer, turn: int) -> str:
    return render.answer_html(result, turn=turn)


def _turn_of(evt: gr.EventData, turns: list[Answer], *, replies_only: bool = False) -> int | None:
    """The turn of the chat message an event is about (message i belongs to turn i // 2)."""
    index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    if not isinstance(index, int) or (replies_only and index % 2 == 0):
        return None
    return index // 2 if 0 <= index // 2 < len(turns) else None


def _results_folder() -> Path:
    """A new folder for one evaluation's files; those of runs over a day old are removed
    (Gradio keeps its own copies of what it served)."""
    parent = Path(tempfile.gettempdir()) / "cited-qa-evaluations"
    parent.mkdir(exist_ok=True)
    for old in parent.iterdir():
        if time.time() - old.stat().st_mtime > RESULTS_KEEP_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=parent))
