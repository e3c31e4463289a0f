"""The page's static files, read once at import from `app/web/static/`.

`CITE_JS` and `SCROLL_JS` are the `js_on_load` scripts of the sources panel and the
document viewer, `CHAT_JS` that of the example questions (it handles the buttons
inside replies too: copy, suggested questions, and the replies' accessible names),
`CONVERSATIONS_JS` that of the saved-conversations list, `DOCS_JS` and `REVEAL_JS`
those of the documents list and its viewer, `CSS` styles the HTML that `render.py`
builds, and `ABOUT` is the About tab's Markdown. This module only reads them; it serves
no file (Gradio inlines the scripts and the style into its page) and holds no other data.

    >>> "qa-hit" in CSS and "trigger('cite'" in CITE_JS and ABOUT.startswith("## ")
    True
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).with_name("static")


def read_static(name: str) -> str:
    """The text of `static/<name>` (UTF-8); raises `OSError` when the file is missing."""
    return (STATIC / name).read_text(encoding="utf-8")


CITE_JS = read_static("cite.js")
CHAT_JS = read_static("chat.js")
CONVERSATIONS_JS = read_static("conversations.js")
SCROLL_JS = read_static("scroll.js")
DOCS_JS = read_static("docs.js")
REVEAL_JS = read_static("reveal.js")
CSS = read_static("style.css")
ABOUT = read_static("about.md")
