"""HTML for the chat UI: answers with their markers and their own sources, source
cards, suggested questions, the document viewer, the documents list, per-file results
of uploads and ingests, and evaluation results.

Every string that comes from a document, a question, a file name or an uploaded
file goes through `esc` (`html.escape`, and template characters), so markup in the
corpus or in a question shows as text and the browser fetches nothing for it. That
is the chat's only guard against markup: Gradio's own sanitizer is off for the chat
(`app.py`), because it strips the `aria-*` attributes the markers need. This module
builds strings and reads no file (the classes' style is `static/style.css`, the
buttons' behaviour `static/chat.js`); `handlers.py` decides what to show when.

    >>> from app.engine import AnswerSentence
    >>> reply = Answer("q", Decision.ANSWER, sentences=[AnswerSentence("Serotonin rises.", (1,))])
    >>> marker(reply, 1, turn=0, i=0)
    '<a class="qa-marker" href="#qa-source-0-1" aria-label="Source 1">[1]</a>'
"""

from __future__ import annotations

import html

from app.engine import Answer, Citation, Decision
from app.evaluation.report import SHOWN, failed, fmt
from ingest.chunk import SECTION_SEPARATOR

CONTEXT_CHARS = 160  # passage shown on each side of a quote in a source card
TIP_CHARS = 220  # of a quote, previewed over its marker

# What a decline's label says, by `Answer.reason`, in plain words.
REASONS = {
    "not_covered": "the documents don't answer this",
    "empty_index": "no documents are indexed yet",
    "empty": "nothing to answer",
    "no_words": "no words to look up",
    "too_long": "question too long",
    "language": "a language the bot does not read",
}
CRISIS = "crisis"  # the reason of the crisis reply; every other refusal is about dosing


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


def label(result: Answer) -> str:
    """What kind of reply it is, in plain words ("" for an answer); the rule that
    decided is not in it (`answer_html` keeps that in a details toggle).

    >>> label(Answer("q", Decision.REFUSE, "No.", reason="personal_dose"))
    'Refused: Personal dosing'
    >>> label(Answer("q", Decision.REFUSE, "…", reason="crisis"))
    'Crisis: you are not alone'
    """
    if result.decision == Decision.ANSWER:
        return ""
    if result.reason == CRISIS:
        return "Crisis: you are not alone"
    if result.decision == Decision.REFUSE:
        return "Refused: Personal dosing"
    return "Declined: " + REASONS.get(result.reason, "the documents don't answer this")


def answer_html(result: Answer, *, turn: int, texts: dict[str, str | None] | None = None,
                plain: str = "") -> str:
    """An assistant message: the answer with markers (each named "Source n: title", its
    quote previewed on hover and focus) linked to the source cards of its `turn`, or a
    labelled decline or refusal with its suggested questions as buttons; then a copy
    button (copying `plain`), and the reply's own sources, folded (the phone layout
    shows them; the desktop has the side panel). `texts` maps a source to its file's
    text, for line numbers."""
    decision = result.decision.value
    body = " ".join(esc(s.text) + " " + "".join(marker(result, n, turn=turn, i=i * 10 + j)
                                                 for j, n in enumerate(s.citations))
                    for i, s in enumerate(result.sentences))
    note = f'<div class="qa-note">{esc(result.note)}</div>' if result.note else ""
    tools = _tools(result, turn, texts or {}, plain)
    if result.decision == Decision.ANSWER:
        return f'<div class="qa-msg qa-answer"><p class="qa-body">{body}</p>{note}{tools}</div>'
    kind = "crisis" if result.reason == CRISIS else decision
    facts = f'<p class="qa-facts">{body}</p>' if body else ""
    why = (f'<details class="qa-why"><summary>Details</summary>{_why(result)}</details>'
           if result.reason else "")
    return (f'<div class="qa-msg qa-{decision}"><span class="qa-label qa-label-{kind}">'
            f"{esc(label(result))}</span><p>{text_html(result.message)}</p>"
            f"{suggestions_html(result.suggestions)}{facts}{why}{tools}</div>")


def marker(result: Answer, n: int, *, turn: int, i: int) -> str:
    """The link `[n]` of one citation: named for screen readers, its quote as a tooltip.
    `i` tells apart the markers of one citation in a reply (tooltip ids)."""
    c = next((c for c in result.citations if c.n == n), None)
    if c is None:
        return f'<a class="qa-marker" href="#qa-source-{turn}-{n}" aria-label="Source {n}">[{n}]</a>'
    tip = f"qa-tip-{turn}-{n}-{i}"
    quote = " ".join(c.quote.split())
    quote = quote if len(quote) <= TIP_CHARS else quote[:TIP_CHARS].rsplit(" ", 1)[0] + " …"
    return (f'<a class="qa-marker" href="#qa-source-{turn}-{n}" aria-label="Source {n}: '
            f'{esc(c.title)}" aria-describedby="{tip}">[{n}]<span class="qa-tip" role="tooltip" '
            f'id="{tip}">“{esc(quote)}”</span></a>')


def suggestions_html(questions: list[str], *, heading: str = "You could ask, for example:") -> str:
    """Questions as buttons that send themselves (`static/chat.js`); "" for none.

    >>> suggestions_html(["Is <it> safe?"], heading="Try asking")[:68]
    '<div class="qa-asks"><p>Try asking</p><ul><li><button type="button" '
    >>> suggestions_html(["Is <it> safe?"], heading="Try asking")[68:]
    'class="qa-suggest">Is &lt;it&gt; safe?</button></li></ul></div>'
    """
    if not questions:
        return ""
    items = "".join(f'<li><button type="button" class="qa-suggest">{esc(q)}</button></li>'
                    for q in questions)
    return f'<div class="qa-asks"><p>{esc(heading)}</p><ul>{items}</ul></div>'


def examples_html(questions: list[str]) -> str:
    """The example questions under the chat, for a first visit."""
    return f'<div class="qa-examples">{suggestions_html(questions, heading="Try asking")}</div>'


def _why(result: Answer) -> str:
    what = "Rule" if result.decision == Decision.REFUSE else "Reason"
    return f'<p>{what}: <code>{esc(result.reason)}</code></p>'


def _tools(result: Answer, turn: int, texts: dict[str, str | None], plain: str) -> str:
    """The copy button and the reply's own folded sources; the plain text it copies sits
    hidden beside them."""
    copy = ('<button type="button" class="qa-copy" aria-label="Copy this reply with its sources">'
            "Copy</button>")
    inline = ""
    if result.citations:
        cards = "".join(_card(c, _passage(result, c), texts.get(c.source), turn, inline=True)
                        for c in result.citations)
        count = len(result.citations)
        inline = (f'<details class="qa-inline"><summary>Sources ({count})</summary>{cards}'
                  "</details>")
    hidden = f'<pre class="qa-plain" hidden>{esc(plain)}</pre>' if plain else ""
    return f'<div class="qa-tools">{copy}</div>{inline}{hidden}'


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
        return f'<div class="qa-sources"><h2>Sources</h2><p class="qa-empty">{note}</p></div>'
    cards = [_card(c, _passage(result, c), texts.get(c.source), turn) for c in result.citations]
    return '<div class="qa-sources"><h2>Sources</h2>' + "".join(cards) + "</div>"


def _card(c: Citation, passage: tuple[str, int] | None, text: str | None, turn: int, *,
          inline: bool = False) -> str:
    """One source card; `inline` for the copy under a reply (its own id, so a marker can
    scroll to it there)."""
    if passage is None:
        body = f'<mark class="qa-hit">{esc(c.quote)}</mark>'
    else:
        context, offset = passage
        body = around(context, c.start - offset, c.end - offset)
    where = "qa-inline" if inline else "qa-source"
    return (f'<div class="qa-card" id="{where}-{turn}-{c.n}"><div class="qa-card-head">'
            f'<span class="qa-n">[{c.n}]</span><span class="qa-title">{esc(c.title)}'
            f'{_section(c)}</span></div><div class="qa-where">{esc(c.source)}, '
            f'{c.location(text)}</div><pre class="qa-passage" tabindex="0" role="region" '
            f'aria-label="Passage of source {c.n}">{body}</pre>'
            f'<button type="button" class="qa-open" data-turn="{turn}" data-cite="{c.n}">'
            "Open in document</button></div>")


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
        return (f'<div class="qa-doc"><h2>{esc(title)}</h2><p class="qa-empty">'
                f"{esc(source)} can no longer be read from the corpus folder.</p></div>")
    body = highlighted(text, start, end) if end > start else esc(text)
    return (f'<div class="qa-doc"><h2>{esc(title)} <small>({esc(source)})'
            f"</small></h2><pre>{body}</pre></div>")


def empty_document() -> str:
    return ('<div class="qa-doc"><h2>Document</h2><p class="qa-empty">Click “Open in document” '
            "on a source to read it here, with the quote highlighted.</p></div>")


def ingest_html(report) -> str:
    """An `IngestReport` in plain words: documents and passages, then each document that
    could not be read or was skipped, with the reason."""
    kept = report.chunks_updated + report.chunks_unchanged
    items = [("info", "", f"Documents: {report.files_added} added, {report.files_updated} updated, "
                          f"{report.files_unchanged} unchanged, {report.files_deleted} removed, "
                          f"{len(report.failed)} failed."),
             ("info", "", f"Passages: {report.chunks_added} new, {kept} unchanged, "
                          f"{report.chunks_deleted} removed; {report.chunks_added + kept} in all.")]
    if report.rebuilt:
        items.insert(0, ("info", "", f"The index was rebuilt from scratch ({report.rebuilt})."))
    items += [("bad", "Failed", f"{source} could not be read: {reason}. An earlier version, "
                                "if there was one, is still answered from.")
              for source, reason in report.failed]
    items += [("wait", "Skipped", f"{source}: {reason}.") for source, reason in report.skipped]
    failed = len(report.failed)
    head = "Re-ingest finished" + (f"; {failed} document{'s' * (failed != 1)} could not be read"
                                   if failed else "") + f" ({report.seconds:.1f} s)"
    return files_html(head, items)


ITEM_KINDS = ("ok", "bad", "wait", "info")  # a line's tone: done, refused or failed, waiting, a note


def files_html(head: str, items: list[tuple[str, str, str]]) -> str:
    """A result per file: `head`, then one line per (kind, tag, text), each coloured and
    tagged by its own kind (`ITEM_KINDS`), so one failure marks only its own line.

    >>> files_html("1 added", [("ok", "Added", "a.md <b>")]).split("<ul")[1]
    ' class="qa-items"><li class="qa-item qa-item-ok"><span class="qa-tag">Added</span> a.md &lt;b&gt;</li></ul></div>'
    """
    lines = "".join(
        f'<li class="qa-item qa-item-{kind if kind in ITEM_KINDS else "info"}">'
        + (f'<span class="qa-tag">{esc(tag)}</span> ' if tag else "") + f"{text_html(text)}</li>"
        for kind, tag, text in items)
    return (f'<div class="qa-report" role="status"><p class="qa-head">{esc(head)}</p>'
            f'<ul class="qa-items">{lines}</ul></div>')


DOC_COLUMNS = ("Title", "File", "Passages", "Last indexed", "Status")


def documents_html(rows) -> str:
    """The documents as a table that a narrow screen shows as one card per document
    (`style.css`). Each row is a `DocRow` (`documents.py`): its file name is a button that
    opens it (`data-open`), and a Delete button (`data-delete`) removes it; `docs.js`
    sends both to the server.
    """
    if not rows:
        return ('<div class="qa-docs"><p class="qa-empty">No documents yet: add some above, '
                "or put files in the corpus folder and press Re-ingest corpus.</p></div>")
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in DOC_COLUMNS)
    body = "".join(_doc_row(r) for r in rows)
    count = f"{len(rows)} document{'s' * (len(rows) != 1)}"
    return (f'<div class="qa-docs"><p class="qa-docs-count">{count}</p>'
            '<table class="qa-doc-table"><caption class="qa-sr-only">Documents in the corpus '
            f'folder</caption><thead><tr>{head}<th scope="col"><span class="qa-sr-only">'
            f"Actions</span></th></tr></thead><tbody>{body}</tbody></table></div>")


def _doc_row(r) -> str:
    source = esc(r.source)
    title = esc(r.title) if r.title else '<span class="qa-untitled">(no title yet)</span>'
    labels = dict(zip(("passages", "indexed", "status"), DOC_COLUMNS[2:]))
    return (f'<tr><td class="qa-doc-title">{title}</td>'
            f'<td class="qa-doc-file"><button type="button" class="qa-link" data-open="{source}">'
            f"{source}</button></td>"
            f'<td class="qa-doc-meta" data-label="{labels["passages"]}">{r.passages}</td>'
            f'<td class="qa-doc-meta" data-label="{labels["indexed"]}">{esc(r.indexed_at) or "–"}</td>'
            f'<td class="qa-doc-status"><span class="qa-status qa-status-{esc(r.state)}">'
            f"{esc(r.status)}</span></td>"
            f'<td class="qa-doc-actions"><button type="button" class="qa-delete" '
            f'data-delete="{source}" aria-label="Delete {source}">Delete</button></td></tr>')


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
    parts.append(f"<h2>Failing cases ({len(failing)})</h2>")
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
