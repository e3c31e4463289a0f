"""The chat UI's page: a Gradio Blocks app over one `Engine`, in four tabs.

- Chat: questions with their history (follow-ups work). A reply shows its `[n]`
  markers, a copy button and its own folded sources (the phone layout's); declines
  and refusals carry a label in plain words, a decline its suggested questions as
  buttons. The sources panel shows each citation's passage with the quote marked,
  and "Open in document" shows the whole file with the quote highlighted and
  scrolled to. Thumbs save the exchange to the feedback file as an eval case
  (`feedback.py`). Conversations are kept in the browser's own storage
  (`static/conversations.js`): reopened after a reload, renamed, deleted, exported.
- Documents: the files in the corpus folder and the index, as a table (cards on a
  phone) with each one's status; uploads checked, added and indexed in one step;
  re-ingest; reading and deleting a document (`documents.py`, `uploads.py`).
- Evaluate: a cases file run through the evaluator, results to download.
- About: what the bot answers from, what it declines and refuses.

This module lays out the components and wires their events to `handlers.py`; the
scripts, style and About text are files in `static/` (`assets.py`), and all HTML is
built by `render.py` from escaped text. It does not launch a server or set security
headers (`serve.py` does). Usage: `demo = build(engine, settings)`, then
`serve.launch(demo, settings)`.
"""

from __future__ import annotations

import gradio as gr

from app.engine import Engine
from app.settings import Settings
from app.web import render
from app.web.assets import ABOUT, CHAT_JS, CITE_JS, CONVERSATIONS_JS, DOCS_JS, REVEAL_JS, SCROLL_JS
from app.web.documents import Documents
from app.web.handlers import Handlers
from ingest.load import SUPPORTED_SUFFIXES

TITLE = "Cited answers from your documents"


def build(engine: Engine, settings: Settings) -> gr.Blocks:
    """The Blocks app; launch it with `serve.launch`."""
    ui, docs = Handlers(engine, settings), Documents(engine, settings)
    # delete_cache: uploads and result files leave Gradio's folder after a day
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        turns, shown = gr.State([]), gr.State(-1)
        # the page's one h1; the tabs' headings are h2 under it (style.css keeps the sizes)
        gr.Markdown(f"# {TITLE}\nEvery sentence cites its source. Not medical advice.",
                    elem_id="page-title")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                _chat_tab(ui, turns, shown, settings)
            with gr.Tab("Documents", id="documents") as docs_tab:
                listing = _documents_tab(docs, settings)
            with gr.Tab("Evaluate", id="evaluate"):
                _evaluate_tab(ui)
            with gr.Tab("About", id="about"):
                gr.Markdown(ABOUT, elem_id="about")
        docs_tab.select(docs.listing, None, [listing], api_name="show_documents",
                        api_visibility="private")
    demo.queue(max_size=settings.ui_queue_size, default_concurrency_limit=1)
    return demo


def _chat_tab(ui: Handlers, turns: gr.State, shown: gr.State, settings: Settings) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            # subtle: Gradio's sanitizer would strip the markers' aria-* attributes; every
            # string in a message is escaped by render.py instead (tests/web/test_render.py)
            chat = gr.Chatbot(elem_id="chat", show_label=False, height=560, render_markdown=False,
                              sanitize_html=False, feedback_options=("Like", "Dislike"),
                              buttons=[], placeholder="Ask about the documents below.")
            with gr.Row():
                box = gr.Textbox(elem_id="box", label="Question", show_label=False, scale=5,
                                 lines=1, placeholder="Ask a question about the documents…")
                ask = gr.Button("Ask", elem_id="ask", variant="primary", scale=1, min_width=80)
            with gr.Row():
                new = gr.Button("New conversation", size="sm", elem_id="new", scale=0)
                vote_note = gr.Markdown("", elem_id="vote-note")
            examples = gr.HTML(render.examples_html(ui.engine_examples()), elem_id="examples",
                               js_on_load=CHAT_JS)
            saved = gr.HTML(None, html_template='<div class="qa-convs"></div>', elem_id="conversations",
                            js_on_load=CONVERSATIONS_JS)
        with gr.Column(scale=2):
            with gr.Tabs() as side:
                with gr.Tab("Sources", id="sources"):
                    sources = gr.HTML(render.sources_html(None, {}), elem_id="sources",
                                      js_on_load=CITE_JS, max_height=620)
                with gr.Tab("Document", id="document"):
                    viewer = gr.HTML(render.empty_document(), elem_id="viewer",
                                     js_on_load=SCROLL_JS, max_height=620)
    outputs = [chat, turns, shown, box, sources, viewer, side]
    keep = dict(fn=ui.record, inputs=[turns], outputs=[saved], api_visibility="private")
    box.submit(ui.respond, [box, chat, turns], outputs, api_name="ask",
               concurrency_limit=settings.ui_concurrency, concurrency_id="answer").then(**keep)
    ask.click(ui.respond, [box, chat, turns], outputs, api_visibility="private",
              concurrency_limit=settings.ui_concurrency, concurrency_id="answer").then(**keep)
    examples.ask(ui.ask, [chat, turns], outputs, api_visibility="private",
                 concurrency_limit=settings.ui_concurrency, concurrency_id="answer").then(**keep)
    new.click(ui.reset, None, outputs, api_visibility="private").then(**keep)
    chat.clear(ui.reset, None, outputs, api_visibility="private").then(**keep)
    saved.restore(ui.restore, None, outputs, api_visibility="private")
    chat.like(ui.vote, [turns], [vote_note], api_visibility="private")
    chat.select(ui.show_turn, [turns], [sources, shown, side], api_visibility="private")
    sources.cite(ui.open_citation, [turns, shown], [viewer, side, sources, shown],
                 api_visibility="private")


def _documents_tab(docs: Documents, settings: Settings) -> gr.HTML:
    kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
    gr.Markdown("The documents the assistant answers from. A file added here is checked, "
                f"added and indexed in one step ({kinds}; up to {settings.max_upload_mb:g} MB "
                "each); questions keep being answered meanwhile.")
    # no file_types: Gradio would refuse a whole upload for one file of another type; each
    # file is checked on its own instead, and a wrong type refused with the types that work
    upload = gr.File(label="Add and index documents", file_count="multiple", elem_id="upload",
                     height=180)
    summary = gr.HTML("", elem_id="ingest-summary")
    with gr.Row(equal_height=True, elem_id="docs-head"):
        gr.Markdown("## In the corpus folder", elem_id="docs-title")
        reingest = gr.Button("Re-ingest corpus", elem_id="reingest", variant="secondary",
                             size="sm", scale=0, min_width=160)
    listing = gr.HTML(docs.listing, elem_id="docs", js_on_load=DOCS_JS)
    viewer = gr.HTML("", elem_id="doc-viewer", max_height=600, js_on_load=REVEAL_JS)
    reingest.click(docs.reingest, None, [summary, listing], api_name="reingest",
                   concurrency_limit=1, concurrency_id="ingest")
    upload.upload(docs.add_and_index, [upload], [summary, listing, upload], api_name="upload",
                  concurrency_limit=1, concurrency_id="ingest")
    # the page's own events get names of their own, so the public "delete" stays "delete"
    listing.open_doc(docs.open, None, [viewer], api_name="open_doc", api_visibility="private")
    listing.remove_doc(docs.delete, None, [summary, listing, viewer], api_name="remove_doc",
                       api_visibility="private", concurrency_limit=1, concurrency_id="ingest")
    gr.api(docs.delete_source, api_name="delete", concurrency_limit=1, concurrency_id="ingest")
    gr.api(docs.table, api_name="documents")
    return listing


def _evaluate_tab(ui: Handlers) -> None:
    gr.Markdown("Upload a cases file in the evaluator's format (JSONL or CSV, see the "
                "README), run it, and download `results.jsonl` and `report.html`.")
    with gr.Row():
        cases = gr.File(label="Cases file", file_types=[".jsonl", ".json", ".csv"],
                        elem_id="cases", height=120)
        run = gr.Button("Run evaluation", elem_id="run-eval", variant="primary", scale=0)
    # hidden by style.css while empty: Gradio's empty File is a plain div with an aria-label
    results = gr.File(label="Results", file_count="multiple", interactive=False,
                      elem_id="eval-files")
    summary = gr.HTML("", elem_id="eval-summary")
    run.click(ui.evaluate, [cases], [summary, results], api_name="evaluate",
              concurrency_limit=1, concurrency_id="evaluate")
