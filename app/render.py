"""HTML for the chat UI: answers with their markers, source cards, the document
viewer, ingest summaries and evaluation results.

Every string that comes from a document, a question, a file name or an uploaded
file goes through `esc` (`html.escape`, and template characters), so markup in the corpus or in a question shows
as text and the browser fetches nothing for it. This module builds strings and
reads no file; `ui.py` decides what to show when.

    >>> answer_html("Serotonin rises. [1]", "answer", "supported", turn=0)
    '<div class="qa-msg qa-answer">Serotonin rises. <a class="qa-marker" href="#qa-source-0-1">[1]</a></div>'
"""

from __future__ import annotations

import html

from app.answer import Answer, Citation, Decision, marked_sentences
from app.report import SHOWN, failed, fmt
from ingest.chunk import SECTION_SEPARATOR

CONTEXT_CHARS = 160  # passage shown on each side of a quote in a source card

# Labels shown above declines and refusals, by `Answer.reason`.
REASONS = {
    "not_covered": "the documents don't answer this",
    "empty_index": "no documents are indexed yet",
    "empty": "nothing to answer",
    "too_long": "question too long",
}
CSS = """
.qa-msg { line-height: 1.55; }
.qa-label { display: inline-block; font-size: .8em; font-weight: 600; padding: 1px 8px;
  border-radius: 999px; margin-bottom: 6px; }
.qa-label-decline { background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; }
.qa-label-refuse { background: #fee2e2; color: #7f1d1d; border: 1px solid #ef4444; }
.qa-decline, .qa-refuse { font-size: .95em; }
.qa-marker { font-size: .8em; font-weight: 600; text-decoration: none; vertical-align: super; }
.qa-sources h3, .qa-doc h3 { margin: 0 0 8px 0; font-size: 1rem; }
.qa-empty { color: var(--body-text-color-subdued); font-style: italic; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin-bottom: 10px; background: var(--background-fill-secondary); }
.qa-card-head { display: flex; gap: 8px; align-items: baseline; }
.qa-n { font-weight: 700; color: var(--color-accent); }
.qa-title { font-weight: 600; }
.qa-where { font-size: .82em; color: var(--body-text-color-subdued); margin: 2px 0 6px 0; }
.qa-passage { white-space: pre-wrap; font-size: .88em; max-height: 13em; overflow-y: auto;
  margin: 0; font-family: inherit; }
.qa-open { margin-top: 6px; font-size: .85em; cursor: pointer; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  padding: 2px 10px; color: var(--body-text-color); }
.qa-open:hover { border-color: var(--color-accent); }
.qa-doc pre { white-space: pre-wrap; font-family: inherit; font-size: .92em; margin: 0; }
mark.qa-hit { background: #fde68a; color: #111827; padding: 1px 0; border-radius: 2px; }
.qa-report table { border-collapse: collapse; font-size: .9em; }
.qa-report td, .qa-report th { border: 1px solid var(--border-color-primary); padding: 3px 8px;
  text-align: left; vertical-align: top; }
.qa-ok { color: #166534; font-weight: 600; }
.qa-bad { color: #991b1b; font-weight: 600; }
"""


def esc(text: str) -> str:
    """`html.escape`, plus `$` and backquote, which Gradio's HTML templates could read as
    JavaScript template syntax.

    >>> esc("<b>${x}</b>")
    '&lt;b&gt;&#36;{x}&lt;/b&gt;'
    """
    return html.escape(text).replace("$", "&#36;").replace("`", "&#96;")


def text_html(text: str) -> str:
    """Plain text made inert for an HTML page, line breaks kept.

    >>> text_html('<img src=x onerror="alert(1)">\\nhi')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<br>hi'
    """
    return esc(text).replace("\n", "<br>")


def answer_html(text: str, decision: str, reason: str, *, turn: int) -> str:
    """An assistant message: the answer with markers linked to the source cards of its
    `turn` (the UI opens the document on a click), or a labelled decline or refusal."""
    if decision == Decision.ANSWER.value:
        pieces, rest = marked_sentences(text)
        body = " ".join(esc(sentence) + " " + "".join(
            f'<a class="qa-marker" href="#qa-source-{turn}-{n}">[{n}]</a>' for n in numbers)
            for sentence, numbers in pieces)
        if rest:
            body += " " + text_html(rest)
        return f'<div class="qa-msg qa-answer">{body}</div>'
    if decision == Decision.REFUSE.value:
        label = f"Refused: personal dosing advice · rule {esc(reason)}"
    else:
        label = "Declined: " + esc(REASONS.get(reason, reason))
    return (f'<div class="qa-msg qa-{decision}"><span class="qa-label qa-label-{decision}">'
            f"{label}</span><br>{text_html(text)}</div>")


def where(citation: Citation, text: str | None) -> str:
    """Where a citation sits in its file: page for a PDF, else lines (offsets if unreadable).

    >>> c = Citation(1, "a.txt", "A", "S", 6, 9, "two")
    >>> where(c, "one\\n\\ntwo")
    'line 3'
    """
    if citation.page is not None:
        return f"page {citation.page}"
    if text is None:
        return f"characters {citation.start}–{citation.end}"
    first = text.count("\n", 0, citation.start) + 1
    last = text.count("\n", 0, citation.end) + 1
    return f"line {first}" if first == last else f"lines {first}–{last}"


def highlighted(text: str, start: int, end: int) -> str:
    """`text` escaped, with `text[start:end]` in a `<mark>`.

    >>> highlighted("a <b> c", 2, 5)
    'a <mark class="qa-hit">&lt;b&gt;</mark> c'
    """
    return (esc(text[:start]) + '<mark class="qa-hit">' + esc(text[start:end])
            + "</mark>" + esc(text[end:]))


def sources_html(result: Answer | None, texts: dict[str, str | None], *, turn: int = -1) -> str:
    """The sources panel for the reply of `turn`: one card per citation, its quote marked
    inside its passage. `texts` maps a source to its file's text (None when unreadable),
    for line numbers.
    """
    if result is None or not result.citations:
        note = ("Sources of the answer appear here." if result is None or
                result.decision == Decision.ANSWER else "This reply cites no document.")
        return f'<div class="qa-sources"><h3>Sources</h3><p class="qa-empty">{note}</p></div>'
    cards = [_card(c, _passage(result, c), texts.get(c.source), turn) for c in result.citations]
    return '<div class="qa-sources"><h3>Sources</h3>' + "".join(cards) + "</div>"


def _card(c: Citation, passage: tuple[str, int] | None, text: str | None, turn: int) -> str:
    if passage is None:
        body = f'<mark class="qa-hit">{esc(c.quote)}</mark>'
    else:
        context, offset = passage
        body = around(context, c.start - offset, c.end - offset)
    return (f'<div class="qa-card" id="qa-source-{turn}-{c.n}"><div class="qa-card-head">'
            f'<span class="qa-n">[{c.n}]</span><span class="qa-title">{esc(c.title)}'
            f'{_section(c)}</span></div><div class="qa-where">{esc(c.source)}, '
            f'{where(c, text)}</div><pre class="qa-passage">{body}</pre>'
            f'<button class="qa-open" data-turn="{turn}" data-cite="{c.n}">Open in document'
            "</button></div>")


def _section(c: Citation) -> str:
    """" › section" without the title the section path starts with."""
    section = c.section.removeprefix(c.title).removeprefix(SECTION_SEPARATOR)
    return f"{SECTION_SEPARATOR}{esc(section)}" if section and section != c.title else ""


def around(text: str, start: int, end: int, *, chars: int = CONTEXT_CHARS) -> str:
    """`highlighted` on a window of `text` around the span, cut at spaces, with ellipses.

    >>> around("one two three four five", 8, 13, chars=5)
    '… two <mark class="qa-hit">three</mark> four …'
    """
    left, right = max(0, start - chars), min(len(text), end + chars)
    if left > 0:
        left = text.find(" ", left, start) + 1 or left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space > end else right
    return (("… " if left else "") + highlighted(text[left:right], start - left, end - left)
            + (" …" if right < len(text) else ""))


def _passage(result: Answer, c: Citation) -> tuple[str, int] | None:
    """(the retrieved passage holding the citation, its start offset in the file)."""
    for p in result.passages:
        chunk = p.chunk
        if chunk.source == c.source and chunk.start <= c.start and c.end <= chunk.end:
            return chunk.text, chunk.start
    return None


def document_html(title: str, source: str, text: str | None, start: int = 0, end: int = 0) -> str:
    """The whole document, `text[start:end]` highlighted (the viewer scrolls to it)."""
    if text is None:
        return (f'<div class="qa-doc"><h3>{esc(title)}</h3><p class="qa-empty">'
                f"{esc(source)} can no longer be read from the corpus folder.</p></div>")
    body = highlighted(text, start, end) if end > start else esc(text)
    return (f'<div class="qa-doc"><h3>{esc(title)} <small>({esc(source)})'
            f"</small></h3><pre>{body}</pre></div>")


def empty_document() -> str:
    return ('<div class="qa-doc"><h3>Document</h3><p class="qa-empty">Click “Open in document” '
            "on a source to read it here, with the quote highlighted.</p></div>")


def ingest_html(report) -> str:
    """An `IngestReport`: its summary, then each failed or skipped file with the reason."""
    notes = [f"failed {source}: {reason}" for source, reason in report.failed]
    notes += [f"skipped {source}: {reason}" for source, reason in report.skipped]
    status = "qa-bad" if report.failed else "qa-ok"
    done = "Re-ingest finished with failures" if report.failed else "Re-ingest finished"
    text = "\n".join([report.summary(), *notes])
    return f'<div class="qa-report"><p class="{status}">{done}</p><pre>{esc(text)}</pre></div>'


def message_html(message: str, *, bad: bool = False) -> str:
    """A one-line status message (an error when `bad`)."""
    return f'<div class="qa-report"><p class="{"qa-bad" if bad else "qa-ok"}">{text_html(message)}</p></div>'


def evaluation_html(summary: dict, rows: list[dict], errors: list[str], *, limit: int = 50) -> str:
    """The overall figures, malformed lines, and the failing cases (at most `limit`)."""
    overall = summary["overall"]
    figures = "".join(f"<tr><th>{esc(label)}</th><td>{fmt(overall.get(key), key)}</td></tr>"
                      for key, label in SHOWN if key in overall)
    parts = [f'<div class="qa-report"><p class="qa-ok">{len(rows)} cases run</p>'
             f"<table>{figures}</table>"]
    if errors:
        items = "".join(f"<li>{esc(e)}</li>" for e in errors)
        parts.append(f'<p class="qa-bad">{len(errors)} malformed line(s), skipped:</p><ul>{items}</ul>')
    failing = [r for r in rows if failed(r)]
    parts.append(f"<h3>Failing cases ({len(failing)})</h3>")
    if failing:
        head = "<tr><th>id</th><th>question</th><th>expected</th><th>got</th><th>failed checks</th></tr>"
        body = "".join(
            f"<tr><td>{esc(str(r.get('id', '')))}</td><td>{esc(r.get('question', ''))}"
            f"</td><td>{esc(str(r.get('expect') or ''))}</td><td>"
            f"{esc(str(r.get('decision', '')))}</td><td>"
            f"{esc(', '.join(k for k, v in r['checks'].items() if v is False))}</td></tr>"
            for r in failing[:limit])
        more = f"<p>… and {len(failing) - limit} more in report.html</p>" if len(failing) > limit else ""
        parts.append(f"<table>{head}{body}</table>{more}")
    return "".join(parts) + "</div>"
