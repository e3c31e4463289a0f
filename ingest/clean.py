"""Find web-page residue in document text, so it never becomes answer text.

Residue is marked, never deleted: every span keeps its offsets into the text,
so chunks and citations still point at exact places in the original file.

Two kinds of residue:
- *line* residue (`LINE_KINDS`) covers whole lines or a line's cut-off tail:
  navigation ("Previous", "Next" and the link titles beside them), code fences
  ("```html"), tables of contents, scraper boilerplate ("Here is the article:"),
  lines of bare punctuation, and a sentence cut off mid-way. Chunks never
  include it.
- *inline* residue (`INLINE_KINDS`) sits inside sentences: wiki link slugs
  (`understanding_and_improving_mental_health`), video timestamps
  (`[02:14:18]`) and wiki reference marks (`[[1]]`). Chunks keep it, because a
  chunk is one contiguous span; `strip_inline` removes it from text that is
  embedded or shown.

This module does not detect headings (`chunk.py` does) and knows nothing of
file formats.

    >>> [r.kind for r in find_residue("Text.\\n\\nPrevious\\nLSD: A Resource\\nNext\\n")]
    ['nav', 'nav', 'nav']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

LINE_KINDS = frozenset({"nav", "fence", "toc", "boilerplate", "stray", "truncated"})
INLINE_KINDS = frozenset({"slug", "timestamp", "ref"})

NAV_WORDS = frozenset({
    "previous", "next", "prev", "back", "home", "menu", "share", "tweet", "print",
    "read more", "related", "related posts", "related articles", "skip to content",
    "back to top", "subscribe", "sign in", "log in", "load more", "previous post",
    "next post", "previous article", "next article",
})
NAV_TITLE_MAX_WORDS = 12
TOC_HEADERS = re.compile(r"^(table of contents|contents|in this article|on this page)\s*:?$", re.I)
BOILERPLATE = [
    re.compile(r"^here is (the|an?|your) (rewritten )?(article|text|summary|content|post)\b.*:$",
               re.I),
    re.compile(r"^(from|source|via|posted by|by):\s*\S+$", re.I),
    re.compile(r"^(advertisement|sponsored|cookie settings|accept cookies)$", re.I),
]
FENCE = re.compile(r"^[`\"'\u201c\u201d\u2018\u2019]*`[`\"'\u201c\u201d\u2018\u2019]*\s*[\w+-]*$")
STRAY = re.compile(r"^[^\w|]+$")
SLUG = re.compile(r"(?<![\w/.-])[a-z0-9]+(?:_[a-z0-9]+){2,}(?![\w/-])")
TIMESTAMP = re.compile(r"\[\d{1,2}:\d{2}(?::\d{2})?\]")
REF = re.compile(r"\[\[\d+\]\]")
BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u25e6\u25cf\u00b7\u2013]|\d{1,2}[.)])\s+")
SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?=\s|$)")
TERMINAL = ".!?:;\"'\u201d\u2019)]\u2026"
DANGLING_WORDS = frozenset({
    "the", "a", "an", "of", "in", "to", "and", "or", "with", "for", "by", "on", "at", "from",
    "as", "that", "which", "is", "are", "was", "were", "its", "their", "this", "these", "but",
})


@dataclass(frozen=True)
class Residue:
    start: int
    end: int
    kind: str  # one of LINE_KINDS or INLINE_KINDS


@dataclass(frozen=True)
class Line:
    start: int
    end: int  # excludes the line break
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip().lstrip("\ufeff").strip()


def split_lines(text: str) -> list[Line]:
    """Lines with their offsets, line breaks excluded.

    >>> split_lines("ab\\r\\ncd")
    [Line(start=0, end=2, text='ab'), Line(start=4, end=6, text='cd')]
    """
    lines, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        lines.append(Line(pos, pos + len(body), body))
        pos += len(raw)
    return lines


def find_residue(text: str) -> list[Residue]:
    """All residue spans of `text`, sorted by start."""
    lines = split_lines(text)
    kinds: dict[int, str] = {}
    for i, line in enumerate(lines):
        kind = _line_kind(line.stripped)
        if kind:
            kinds[i] = kind
    _mark_nav_titles(lines, kinds)
    _mark_toc(lines, kinds)
    found = [Residue(lines[i].start, lines[i].end, k) for i, k in kinds.items()]
    for i, line in enumerate(lines):
        # a line that runs on into the next one was wrapped, not cut off
        ends_block = i + 1 == len(lines) or not lines[i + 1].stripped or i + 1 in kinds
        if i not in kinds and ends_block:
            tail = _truncated_tail(line)
            if tail:
                found.append(tail)
    found += inline_residue(text)
    return sorted(found, key=lambda r: (r.start, r.end))


def inline_residue(text: str) -> list[Residue]:
    """Slugs, timestamps and reference marks; needs no context, so works on any span.

    >>> inline_residue("behavior role_of_x_y [02:14:18].")
    [Residue(start=9, end=20, kind='slug'), Residue(start=21, end=31, kind='timestamp')]
    """
    found = [Residue(m.start(), m.end(), kind)
             for kind, pattern in (("slug", SLUG), ("timestamp", TIMESTAMP), ("ref", REF))
             for m in pattern.finditer(text)]
    return sorted(found, key=lambda r: r.start)


def strip_inline(text: str) -> str:
    """`text` without inline residue and the space before it.

    >>> strip_inline("mental health disorders understanding_and_improving_mental_health.")
    'mental health disorders.'
    """
    out, pos = [], 0
    for r in inline_residue(text):
        out.append(text[pos:r.start].rstrip(" \t"))
        pos = r.end
    out.append(text[pos:])
    return "".join(out)


def strip_bullet(line: str) -> str:
    """A list item's text without its bullet or number: `"  • Mild: x"` -> `"Mild: x"`."""
    return BULLET.sub("", line, count=1).strip()


def plain_text(text: str) -> str:
    """What a reader sees: inline residue and bullets removed, whitespace collapsed.

    >>> plain_text("  • Mild: Restlessness [02:14:18],\\n  • Severe: fever.")
    'Mild: Restlessness, Severe: fever.'
    """
    body = " ".join(strip_bullet(line) for line in strip_inline(text).splitlines())
    return " ".join(body.split())


def _line_kind(s: str) -> str | None:
    if not s:
        return None
    if s.strip("<>«»←→ ").lower() in NAV_WORDS:
        return "nav"
    if FENCE.match(s):
        return "fence"
    if TOC_HEADERS.match(s):
        return "toc"
    if any(p.match(s) for p in BOILERPLATE):
        return "boilerplate"
    if STRAY.match(s):
        return "stray"
    return None


def _is_link_title(s: str) -> bool:
    return 0 < len(s.split()) <= NAV_TITLE_MAX_WORDS and s[-1] not in ".!?"


def _mark_nav_titles(lines: list[Line], kinds: dict[int, str]) -> None:
    """Short lines between navigation words ("Previous / LSD: A Resource / Next") are links."""
    content = [i for i, line in enumerate(lines) if line.stripped]
    changed = True
    while changed:
        changed = False
        for pos, i in enumerate(content):
            if i in kinds or not _is_link_title(lines[i].stripped):
                continue
            before = content[pos - 1] if pos > 0 else None
            after = content[pos + 1] if pos + 1 < len(content) else None
            sides = [kinds.get(j) == "nav" if j is not None else None for j in (before, after)]
            # one side navigation, the other navigation or the document's edge
            if True in sides and all(side is not False for side in sides):
                kinds[i] = "nav"
                changed = True


def _mark_toc(lines: list[Line], kinds: dict[int, str]) -> None:
    """After a "Table of Contents" line, list items that repeat a line found elsewhere.

    Whether a line ends the list depends on that line alone, so a contents line
    inside a list already marked would only mark the same lines again: it is
    skipped, which keeps this linear however many contents lines there are.
    """
    headers = sorted(i for i, k in kinds.items() if k == "toc")
    if not headers:
        return
    norms = [_norm(line.stripped) for line in lines]
    count = Counter(norms)
    reach = 0  # lines before this one are in a list already marked
    for i in headers:
        if i < reach:
            continue
        j = i + 1
        while j < len(lines):
            s = lines[j].stripped
            if s:
                item = _norm(strip_bullet(s))
                if not item or count[item] - (norms[j] == item) < 1:  # no other line has it
                    break
                kinds[j] = "toc"
            j += 1
        reach = j


def _truncated_tail(line: Line) -> Residue | None:
    """A prose block that stops on a word like "the" was cut off: mark its last sentence."""
    s = line.text.rstrip()
    words = s.split()
    if len(words) < 6 or s[-1] in TERMINAL or words[-1].lower() not in DANGLING_WORDS:
        return None
    ends = list(SENTENCE_END.finditer(s))
    cut = ends[-1].end() if ends else len(s) - len(s.lstrip())
    while cut < len(s) and s[cut].isspace():
        cut += 1
    return Residue(line.start + cut, line.start + len(s), "truncated")


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s.lower()).strip()
