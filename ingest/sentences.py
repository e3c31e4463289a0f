"""Sentences of retrieved chunks, with exact file offsets, scored against a question.

A chunk is cut into *sentences*: the sentences of each line that is not a
heading, list bullets and numbering left outside the span; the cells of a
Markdown table row (a column headed "Myth" is skipped: the document itself
calls it false); and a sentence that ends in ":" joined to the short list
items that follow it, since the intro alone says nothing. Questions in the text
("Can MDMA cause...?") and fragments under `MIN_WORDS` are not sentences.

Each `Sentence` keeps `quote`, the exact span `file_text[start:end]`, and
`text`, what an answer shows: `plain_text(quote)`, i.e. the quote without
bullets, inline residue (slugs, timestamps, reference marks) or extra spaces.
`supports(quote, text)` is the check every answer sentence passes.

Ingest embeds every sentence's `context` once and stores it (`ingest.index`); the
answerer reads those vectors back. This module does not embed or score sentences
(`app/engine/score.py` does), retrieve, or number citations.

    >>> c = Chunk("id", "a.txt", "T", "S", 10, 54, "  • Mild: Restlessness, shivering, sweating.")
    >>> [(s.start, s.end, s.text) for s in sentences(c)]
    [(14, 54, 'Mild: Restlessness, shivering, sweating.')]
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from ingest.chunk import SECTION_SEPARATOR, Chunk, heading_level, heading_text
from ingest.clean import BULLET, SENTENCE_END, Line, plain_text, split_lines

MIN_WORDS = 4
LIST_ITEM_MAX_CHARS = 100  # longer items stand alone rather than join their intro
LIST_MAX_ITEMS = 6
FALSE_COLUMNS = frozenset({"myth", "myths", "misconception", "misconceptions", "false", "fiction"})
ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "no", "fig",
                           "approx", "e.g", "i.e", "u.s", "u.k", "dept", "jr", "sr"})


@dataclass(frozen=True)
class Sentence:
    source: str
    title: str
    section: str
    start: int  # offsets into the file's text
    end: int
    quote: str  # file_text[start:end]
    text: str  # what an answer shows
    page: int | None = None

    @property
    def heading(self) -> str:
        """The nearest heading above the sentence, or "" under the title alone."""
        leaf = self.section.split(SECTION_SEPARATOR)[-1]
        return "" if leaf == self.title else leaf

    @property
    def context(self) -> str:
        """The sentence under its nearest heading: what gets embedded."""
        return f"{self.heading}. {self.text}" if self.heading else self.text

    @property
    def key(self) -> str:
        """The id of its stored vector (see `ingest.index`): its file and `context`, hashed,
        so a sentence that only moved keeps its vector."""
        return hashlib.sha256(f"{self.source}\x00{self.context}".encode()).hexdigest()[:32]


def supports(quote: str, text: str) -> bool:
    """True when `text` is contained in `quote`, bullets, residue and whitespace aside.

    >>> supports("  • Mild: Restlessness,\\n  sweating.", "Restlessness, sweating.")
    True
    """
    return " ".join(text.split()) in plain_text(quote)


def sentences(chunk: Chunk) -> list[Sentence]:
    """The answerable sentences of `chunk`, in text order."""
    lines = [ln for ln in split_lines(chunk.text) if ln.stripped]
    spans: list[tuple[int, int, str]] = []
    header: list[str] = []
    section = chunk.section
    for i, line in enumerate(lines):
        if line.stripped.startswith("|"):
            header = header or [plain_text(c).casefold() for c in line.stripped.strip("|").split("|")]
            spans += [(a, b, section) for a, b in _table_cells(line, header)]
            continue
        header = []
        level = heading_level(line.text)
        if level is not None:
            section = _under(section, heading_text(line.text), level)
            continue
        marker = BULLET.match(line.text)
        start = line.start + (marker.end() if marker else len(line.text) - len(line.text.lstrip()))
        found = split_sentences(chunk.text[start:line.end], start)
        if found and chunk.text[found[-1][1] - 1] == ":":
            found[-1] = _with_list(found[-1], islice(lines, i + 1, None))
        spans += [(a, b, section) for a, b in found]
    out = []
    for start, end, section in spans:
        quote = chunk.text[start:end]
        text = plain_text(quote)
        if len(text.split()) < MIN_WORDS or text.endswith(("?", ":")):
            continue
        out.append(Sentence(chunk.source, chunk.title, section, chunk.start + start,
                            chunk.start + end, quote, text, chunk.page))
    return out


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Spans of the sentences of one line, whitespace trimmed, shifted by `offset`.

    >>> split_sentences("Dr. Malenka spoke. It helps (e.g. PTSD).")
    [(0, 18), (19, 40)]
    """
    spans, begin = [], 0
    for m in SENTENCE_END.finditer(text):
        word = _word_before(text, m.start()).lstrip("(").casefold()
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        spans.append((begin, m.end()))
        begin = m.end()
    spans.append((begin, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        if piece.strip():
            a += len(piece) - len(piece.lstrip())
            b -= len(piece) - len(piece.rstrip())
            out.append((offset + a, offset + b))
    return out


def _word_before(text: str, end: int) -> str:
    """The last word of `text[:end]` ("" if none), found without copying `text[:end]`.

    Copying it for every sentence end made splitting a long line quadratic.

    >>> _word_before("It helps (e.g. PTSD", 13), _word_before("Dr  ", 4), _word_before("  ", 2)
    ('(e.g', 'Dr', '')
    """
    stop = end
    while stop and text[stop - 1].isspace():
        stop -= 1
    begin = stop
    while begin and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:stop]


def _under(section: str, heading: str, level: int) -> str:
    """The section path after passing `heading` inside a chunk."""
    main = section.split(SECTION_SEPARATOR)[0]
    return heading if level == 1 else f"{main}{SECTION_SEPARATOR}{heading}"


def _table_cells(line: Line, header: list[str]) -> list[tuple[int, int]]:
    """Sentence spans of a table row's cells, except the header row and "Myth" columns."""
    cells, pos = [], line.start + line.text.index("|") + 1
    for n, cell in enumerate(line.text[line.text.index("|") + 1:].split("|")):
        column = header[n] if n < len(header) else ""
        is_header = plain_text(cell).casefold() == column
        if cell.strip() and column not in FALSE_COLUMNS and not is_header:
            trimmed = pos + len(cell) - len(cell.lstrip())
            cells += split_sentences(cell.strip(), trimmed)
        pos += len(cell) + 1
    return cells


def _with_list(intro: tuple[int, int], following: Iterable[Line]) -> tuple[int, int]:
    """`intro` (ending in ":") extended over the list right after it, if the list is short.

    All or nothing: a list cut short would misquote the document.
    """
    items = []
    for line in following:
        if not BULLET.match(line.text) or heading_level(line.text) is not None:
            break
        items.append(line)
    short = all(len(i.stripped) <= LIST_ITEM_MAX_CHARS and not i.stripped.endswith(":")
                for i in items)
    if not items or len(items) > LIST_MAX_ITEMS or not short:
        return intro
    return (intro[0], items[-1].end)
