"""The chat UI: a Gradio app with cited answers, source cards, a document viewer,
documents and evaluation tabs.

Public surface: `build(engine, settings)` (the page), `launch(demo, settings)` (serve it
with the local-only security middleware) and `main`, the command `python -m app.serve`.
Modules: `app` (layout), `render` (HTML), `serve`, `uploads`, `feedback`.
"""

from app.web.app import build
from app.web.serve import launch, main

__all__ = ["build", "launch", "main"]
