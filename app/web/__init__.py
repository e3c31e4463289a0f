"""The chat UI: a Gradio app with cited answers, source cards, a document viewer,
documents and evaluation tabs.

Public surface: `build(engine, settings)` (the page), `launch(demo, settings)` (serve it
with the local-only security middleware) and `main`, the command `python -m app.serve`.
Modules: `app` (layout and wiring), `handlers` (the Chat and Evaluate tabs' event
handlers), `documents` (the Documents tab's), `render` (HTML), `export` (a reply as
plain text, Markdown, an evaluation case), `conversation` (the record the browser keeps
of a conversation, and the turns rebuilt from it), `assets` (the files in `static/`:
scripts, style, About text), `theme` (colours), `serve` (with the host and origin
checks), `uploads`, `feedback`, `logs` (bounded, question-free error logs) and
`runtime` (Gradio's environment and this process's private temp folder, set
before Gradio is imported).
"""

# subtle: `runtime` must run before anything imports Gradio; every submodule import
# runs this file first, and isort keeps `app.web` ahead of `app.web.app`.
from app.web import runtime  # noqa: F401
from app.web.app import build
from app.web.serve import launch, main

__all__ = ["build", "launch", "main"]
