"""Cut a `Document` into section-aware chunks with exact offsets.

Headings come from the format (Markdown `#`, HTML `<hN>`) or, in plain text and
PDFs, from heading-like lines: short, not ending like a sentence, mostly
capitalised ("Mechanisms of Action", "1. Post-Traumatic Stress Disorder
(PTSD):"), or a question standing on its own line. A heading ending in ":" or
written as a list item is a sub-heading: it names the chunks under it but does
not force a new chunk. Chunks never cross a main heading and never include line
residue (see `clean.py`); inside a section they end at paragraph or sentence
boundaries (LangChain's `RecursiveCharacterTextSplitter`), at most
`chunk_size` characters.

For every chunk, `doc.text[chunk.start:chunk.end] == chunk.text`.

Chunking takes time roughly linear in the text's length and heading count: the
headings are indexed once by offset (`_Outline`) and every chunk looks up its
own by bisection. Headings must come in text order, as `outline` returns them
and `ingest.load` finds them.

This module does not embed or store anything.

    >>> doc = Document("a.txt", "Risks\\n\\nMDMA can cause harm.", None, "text")
    >>> [(c.section, c.text) for c in chunk_document(doc)]
    [('Risks', 'Risks\\n\\nMDMA can cause harm.')]
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.clean import BULLET, LINE_KINDS, Residue, find_residue, plain_text, split_lines, strip_bullet
from ingest.load import Document
from ingest.settings import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE

PIPELINE_VERSION = "2"  # bump when what is stored changes (2: sentence vectors)
HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 14
TITLE_CASE_SHARE = 0.6
SECTION_SEPARATOR = " › "
SENTENCE_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?\u2026])\s+", r"(?<=[;,])\s+", " ", ""]
MINOR_WORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "by",
    "with", "from", "as", "vs", "vs.", "via", "into", "about", "beyond", "than", "its", "is",
    "&", "-", "–", "—",
})


@dataclass(frozen=True)
class Section:
    """A heading's place in the text and the path of headings it sits under."""

    start: int  # start of the heading line
    end: int  # end of the heading line
    level: int  # 1: starts a new chunk; 2: sub-heading inside one
    heading: str  # display text, bullet, numbering and trailing ":" removed


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    title: str
    section: str
    start: int
    end: int
    text: str
    page: int | None = None
    page_end: int | None = None

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata: every field but `id` and `text`; no `None` values."""
        meta = {"source": self.source, "title": self.title, "section": self.section,
                "start": self.start, "end": self.end}
        if self.page is not None:
            meta |= {"page": self.page, "page_end": self.page_end or self.page}
        return meta

    def embedding_text(self) -> str:
        """What the model embeds: title and section for context, residue removed."""
        return f"{self.title}. {self.section}.\n{plain_text(self.text)}"


def chunk_document(doc: Document, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                   chunk_overlap: int = DEFAULT_CHUNK_OVERLAP) -> list[Chunk]:
    """Section-aware chunks of `doc`, in text order, with deterministic ids."""
    residue = [r for r in find_residue(doc.text) if r.kind in LINE_KINDS]
    sections = outline(doc, residue)
    title = document_title(doc, sections, residue)
    index = _Outline(doc.text, sections)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, separators=SENTENCE_SEPARATORS,
        is_separator_regex=True, keep_separator=True, strip_whitespace=True)
    spans = []
    for run_start, run_end in _content_runs(doc.text, index, residue):
        spans += _split_run(doc.text, run_start, run_end, splitter, chunk_overlap)
    page_ends = [p.end for p in doc.pages]
    seen: Counter[str] = Counter()
    chunks = []
    for start, end in spans:
        end = index.drop_trailing_headings(start, end)
        body = index.body_start(start)
        if body >= end:
            continue  # only headings: the chunks after it carry their names
        text = doc.text[start:end]
        section = index.section_at(body) or title
        key = f"{doc.source}\x00{title}\x00{section}\x00{text}\x00{seen[text]}"
        seen[text] += 1
        page, page_end = _pages(doc, page_ends, start, end)
        chunks.append(Chunk(hashlib.sha256(key.encode()).hexdigest()[:32], doc.source, title,
                            section, start, end, text, page, page_end))
    return chunks


def outline(doc: Document, residue: list[Residue] | None = None) -> list[Section]:
    """The document's headings, in order: from the format if it has them, else detected."""
    if doc.headings:
        return [Section(h.start, h.end, 1 if h.level <= 2 else 2, heading_text(doc.text[h.start:h.end]))
                for h in doc.headings]
    residue_lines = {(r.start, r.end) for r in _line_residue(doc, residue)}
    lines = [ln for ln in split_lines(doc.text) if ln.stripped]
    sections = []
    for i, line in enumerate(lines):
        if (line.start, line.end) in residue_lines or i + 1 == len(lines):
            continue
        level = heading_level(line.text)
        if level:
            sections.append(Section(line.start, line.end, level, heading_text(line.text)))
    return sections


def heading_level(line: str) -> int | None:
    """1 for a main heading, 2 for a sub-heading, None for anything else.

    >>> heading_level("Mechanisms of Action"), heading_level("  1. Depression:")
    (1, 2)
    >>> heading_level("MDMA primarily affects serotonin (5-HT) by:") is None
    True
    """
    s = line.strip().lstrip("\ufeff")
    marker = BULLET.match(s)
    body = s[marker.end():] if marker else s
    words = body.split()
    if not words or len(s) > HEADING_MAX_CHARS or len(words) > HEADING_MAX_WORDS:
        return None
    if body[-1] in ".,;!" or "|" in body or body.startswith(("#", ">", "[", "(")):
        return None
    if body.endswith("?"):
        return 2 if len(words) >= 3 else None
    major = [w for w in words if w.lower().strip(":") not in MINOR_WORDS]
    capitalised = [w for w in major if not w.strip("(\"'‘“").lstrip("0123456789-")[:1].islower()]
    if not major or len(capitalised) / len(major) < TITLE_CASE_SHARE:
        return None
    bulleted = bool(marker) and not marker.group().strip()[0].isdigit()
    if body.endswith(":") or bulleted or (marker and line[:1].isspace()):
        return 2 if body.endswith(":") else None
    return 1


def section_at(sections: list[Section], offset: int) -> str:
    """The heading path in force at `offset`: "Main heading › Sub-heading".

    `sections` in text order. To look up many offsets, `_Outline(text, sections)`
    once and its `section_at` for each is faster.

    >>> secs = [Section(0, 5, 1, "Risks"), Section(7, 12, 1, "Heart"), Section(30, 35, 2, "Dose")]
    >>> section_at(secs, 0), section_at(secs, 20), section_at(secs, 40)
    ('Risks', 'Risks › Heart', 'Risks › Heart › Dose')
    """
    return _Outline("", sections).section_at(offset)


def document_title(doc: Document, sections: list[Section],
                   residue: list[Residue] | None = None) -> str:
    """The format's title; else a heading that opens the text; else the file name."""
    if doc.title:
        return doc.title
    skip = {(r.start, r.end) for r in _line_residue(doc, residue)}
    for line in split_lines(doc.text):
        if line.stripped and (line.start, line.end) not in skip:
            if sections and sections[0].start == line.start:
                return sections[0].heading
            break
    return _title_from_name(doc.source, doc.text)


_SPACE = re.compile(r"\s*")  # `\s` is exactly what str.strip() removes
_NON_SPACE = re.compile(r"\S")


class _Outline:
    """A document's sections indexed by start offset, for lookups by bisection.

    Scanning every section for every chunk made chunking time grow with the cube
    of the heading count; here the heading paths are computed once, in one pass,
    and each lookup costs a bisection plus the headings inside the chunk.
    `sections` must be in text order.

    >>> text = "# Risks\\n\\n## Heart\\n\\nRate rises.\\n## Dose\\n"
    >>> secs = [Section(0, 7, 1, "Risks"), Section(9, 17, 1, "Heart"), Section(31, 38, 1, "Dose")]
    >>> index = _Outline(text, secs)
    >>> index.body_start(0), index.section_at(19), index.drop_trailing_headings(19, 38)
    (19, 'Risks › Heart', 30)
    """

    def __init__(self, text: str, sections: list[Section]) -> None:
        self.text = text
        self.sections = sections
        self.starts = [s.start for s in sections]
        # paths[i]: the heading path once sections[:i + 1] are passed
        self.paths: list[str] = []
        path: list[int] = []  # indices into sections
        for i, sec in enumerate(sections):
            if sec.level == 1:
                # a main heading with nothing under it is a parent of the next one
                path = [p for p in path if sections[p].level == 1
                        and self.only_headings_between(p, i)] + [i]
            else:
                path = [p for p in path if sections[p].level == 1] + [i]
            self.paths.append(SECTION_SEPARATOR.join(sections[p].heading for p in path))

    def only_headings_between(self, a: int, b: int) -> bool:
        """True if section `b` follows section `a` with only line breaks between them."""
        nxt = bisect_right(self.starts, self.sections[a].start)  # first section after `a`
        return (nxt < len(self.sections) and self.sections[nxt] is self.sections[b]
                and self.sections[b].start - self.sections[a].end <= 4)

    def section_at(self, offset: int) -> str:
        """The heading path in force at `offset` (see `section_at`)."""
        passed = bisect_right(self.starts, offset)
        return self.paths[passed - 1] if passed else ""

    def body_start(self, start: int) -> int:
        """The first offset at or after `start` that is not a heading line."""
        i = bisect_left(self.starts, start)
        while i < len(self.starts) and self.starts[i] == start:
            start = _skip_space(self.text, self.sections[i].end)
            i = bisect_left(self.starts, start, i + 1)
        return start

    def drop_trailing_headings(self, start: int, end: int) -> int:
        """Move `end` back over headings that close the chunk with nothing under them."""
        for i in reversed(range(bisect_right(self.starts, start), bisect_left(self.starts, end))):
            sec = self.sections[i]
            if sec.start < end and not _NON_SPACE.search(self.text, sec.end, end):
                end = _space_before(self.text, sec.start)
        return end


def _skip_space(text: str, pos: int) -> int:
    """The first offset at or after `pos` that is not whitespace (or the text's end).

    The same as `pos + len(text[pos:]) - len(text[pos:].lstrip())`, without copying the text.

    >>> _skip_space("ab \\n\\tc", 2), _skip_space("ab  ", 2), _skip_space("ab", 5)
    (5, 4, 5)
    """
    return pos if pos >= len(text) else _SPACE.match(text, pos).end()


def _space_before(text: str, pos: int) -> int:
    """Where the whitespace right before `pos` begins: `len(text[:pos].rstrip())`.

    >>> _space_before("ab \\n\\nc", 5), _space_before("  c", 2), _space_before("ab", 9)
    (2, 0, 2)
    """
    pos = min(pos, len(text))
    while pos and text[pos - 1].isspace():  # whitespace runs are short: no need for a regex
        pos -= 1
    return pos


def _line_residue(doc: Document, residue: list[Residue] | None) -> list[Residue]:
    if residue is None:
        residue = [r for r in find_residue(doc.text) if r.kind in LINE_KINDS]
    return residue


def heading_text(heading: str) -> str:
    """A heading as shown: `"  2. Depression:"` -> `"Depression"`."""
    return strip_bullet(heading.strip().strip("#").strip()).rstrip(":").strip()


def _title_from_name(source: str, text: str) -> str:
    """"mdma-therapeutic-potential-hubermanlab.txt" -> "MDMA Therapeutic Potential (hubermanlab)"."""
    words = re.split(r"[-_\s]+", PurePosixPath(source).stem)
    attribution = re.search(r"^(?:from|source|via):\s*(\S+)\s*$", text, re.I | re.M)
    site = attribution.group(1) if attribution else None
    if site and words and words[-1].lower() == site.lower() and len(words) > 1:
        words = words[:-1]
    shown = []
    for i, word in enumerate(w for w in words if w):
        forms = re.findall(rf"\b{re.escape(word)}\b", text, re.I)
        acronym = next((f for f in forms if sum(ch.isupper() for ch in f) > 1), None)
        if acronym:
            shown.append(acronym)
        elif i and word.lower() in MINOR_WORDS:
            shown.append(word.lower())
        else:
            shown.append(word[:1].upper() + word[1:])
    title = " ".join(shown) or source
    return f"{title} ({site})" if site else title


def _content_runs(text: str, index: _Outline, residue: list[Residue]) -> list[tuple[int, int]]:
    """Spans between main headings, with line residue cut out.

    A main heading directly followed by another one stays in the same run.
    """
    main = [i for i, s in enumerate(index.sections) if s.level == 1]
    starts = [index.sections[b].start for a, b in zip([None, *main], main)
              if a is None or not index.only_headings_between(a, b)]
    bounds = sorted({0, len(text), *starts})
    cuts = sorted((r.start, r.end) for r in residue)
    reach, furthest = [], 0  # reach[i]: the furthest end among cuts[:i + 1]
    for _, c_end in cuts:
        furthest = max(furthest, c_end)
        reach.append(furthest)
    runs = []
    for lo, hi in zip(bounds, bounds[1:]):
        pos = lo
        # cuts ending at or before `lo` cannot touch this span: skip them all at once
        for c in range(bisect_right(reach, lo), len(cuts)):
            c_start, c_end = cuts[c]
            if c_start >= hi:
                break  # cuts are sorted by start: none of the rest reaches into the span
            if c_end <= pos:
                continue
            runs.append((pos, c_start))
            pos = max(pos, c_end)
        runs.append((pos, hi))
    return [(a, b) for a, b in runs if text[a:b].strip()]


def _split_run(text: str, start: int, end: int, splitter,
               overlap: int) -> list[tuple[int, int]]:
    """Chunk spans inside `text[start:end]`, located exactly, in order."""
    run = text[start:end]
    spans, cursor = [], 0
    for piece in splitter.split_text(run):
        found = run.find(piece, cursor)
        if found < 0:
            raise AssertionError(f"splitter produced text not found in the run: {piece[:40]!r}")
        spans.append((start + found, start + found + len(piece)))
        # subtle: the next piece starts at most `overlap` characters before this one ends,
        # so a repeated passage is not matched at an earlier copy
        cursor = max(found + 1, found + len(piece) - overlap)
    return spans


def _pages(doc: Document, page_ends: list[int], start: int,
           end: int) -> tuple[int | None, int | None]:
    """The numbers of the first pages ending at or after `start` and `end`.

    `page_ends`: the pages' `end`s, in order.
    """
    if not doc.pages:
        return None, None
    first, last = bisect_left(page_ends, start), bisect_left(page_ends, end)
    return (doc.pages[min(first, len(page_ends) - 1)].number,
            doc.pages[min(last, len(page_ends) - 1)].number)
