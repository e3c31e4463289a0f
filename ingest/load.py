"""Load corpus files into `Document`s: their text, title, headings and pages.

Supported: `.txt`, `.md`/`.markdown`, `.html`/`.htm`, `.pdf`. Any other file is
skipped with a notice (see `scan_corpus`). A file that cannot be read raises
`LoadError` with a reason a person can act on.

`Document.text` is what every offset in the index points into:
- `.txt` and `.md`: the file's bytes decoded as UTF-8, unchanged (no newline
  translation), so `text[start:end]` can be checked against the file itself;
- `.html`: the visible text, one block element per paragraph;
- `.pdf`: the text of each page, pages joined by a blank line.
`read_text(path)` returns the same string for any supported file.

This module does not clean residue or detect headings in plain text: that is
`clean.py` and `chunk.py`.

    >>> doc = load_document(Path("corpus/notes/sleep.md"), root=Path("corpus"))  # doctest: +SKIP
    >>> doc.source, doc.kind, doc.title  # doctest: +SKIP
    ('notes/sleep.md', 'markdown', 'Sleep and serotonin')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import LoadError

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
BINARY_CONTROL_RATIO = 0.05  # above this share of control bytes, a "text" file is binary


@dataclass(frozen=True)
class Heading:
    """A heading the file format marks itself (Markdown `#`, HTML `<h1>`...)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class Page:
    """Where a PDF page's text sits in `Document.text`; `number` starts at 1."""

    start: int
    end: int
    number: int


@dataclass
class Document:
    source: str  # path relative to the corpus folder, with "/" separators
    text: str
    title: str | None  # None: the chunker derives one from the text or file name
    kind: str  # "text", "markdown", "html" or "pdf"
    headings: list[Heading] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)


def scan_corpus(root: Path) -> tuple[list[Path], list[Path]]:
    """Split the files under `root` into (supported, skipped), both sorted.

    Hidden files and folders (`.git`, `.DS_Store`) are neither.
    """
    supported, skipped = [], []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        (supported if path.suffix.lower() in SUPPORTED_SUFFIXES else skipped).append(path)
    return supported, skipped


def load_document(path: Path, *, root: Path, data: bytes | None = None) -> Document:
    """Read one supported file (or parse its `data`, already read); raise `LoadError`."""
    source = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise LoadError("empty file")
    if suffix == ".pdf":
        doc = _load_pdf(data, source)
    else:
        text = decode_text(data)
        if suffix in {".md", ".markdown"}:
            doc = _load_markdown(text, source)
        elif suffix in {".html", ".htm"}:
            doc = _load_html(text, source)
        else:
            doc = Document(source=source, text=text, title=None, kind="text")
    if not doc.text.strip():
        raise LoadError("no text in file" + (" (scanned PDF?)" if suffix == ".pdf" else ""))
    return doc


def read_text(path: Path) -> str:
    """The `Document.text` of a supported file: what citations' offsets index."""
    return load_document(path, root=path.parent).text


def decode_text(data: bytes) -> str:
    """Decode UTF-8 strictly, refusing binary data.

    >>> decode_text("caf\\u00e9".encode())
    'café'
    """
    if b"\x00" in data or _control_ratio(data) > BINARY_CONTROL_RATIO:
        raise LoadError("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"invalid UTF-8 at byte {exc.start}") from exc


def _control_ratio(data: bytes) -> float:
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(sample)


_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*(?=\r?$)", re.MULTILINE)
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_MD_FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)


def _load_markdown(text: str, source: str) -> Document:
    headings, title = [], None
    front = _MD_FRONT_MATTER.match(text)
    if front:
        found = re.search(r"^title:\s*(.+)$", front.group(1), re.MULTILINE)
        title = found.group(1).strip().strip("\"'") if found else None
    fences = [(f.start(), f.end()) for f in _MD_FENCE.finditer(text)]
    for m in _MD_HEADING.finditer(text, front.end() if front else 0):
        if any(a <= m.start() < b for a, b in fences):
            continue  # "# comment" inside a code block
        headings.append(Heading(m.start(), m.end(), len(m.group(1))))
        if title is None and len(m.group(1)) == 1:
            title = m.group(2).strip()
    return Document(source=source, text=text, title=title, kind="markdown", headings=headings)


_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th",
                "dt", "dd", "figcaption", "caption"]
_HTML_DROP = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside",
              "form", "svg", "iframe"]


def _load_html(markup: str, source: str) -> Document:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title_tag = soup.find("title")
    title = _squash(title_tag.get_text()) if title_tag else None
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    parts: list[str] = []
    headings: list[Heading] = []
    offset = 0
    body = soup.body or soup
    for el in body.find_all(_HTML_BLOCKS):
        if el.find_parent(_HTML_BLOCKS):  # nested blocks are read with their parent
            continue
        block = _squash(el.get_text(" "))  # BeautifulSoup has decoded entities already
        if not block:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            headings.append(Heading(offset, offset + len(block), int(el.name[1:])))
            title = title or (block if el.name == "h1" else None)
        parts.append(block)
        offset += len(block) + 2
    return Document(source=source, text="\n\n".join(parts), title=title, kind="html",
                    headings=headings)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _load_pdf(data: bytes, source: str) -> Document:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (needs a password)")
        texts = [(page.extract_text() or "").strip() for page in reader.pages]
        meta_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"cannot parse PDF: {exc}") from exc
    except Exception as exc:
        if "crypt" in str(exc).lower():
            raise LoadError(f"encrypted PDF: {exc}") from exc
        raise LoadError(f"cannot parse PDF: {type(exc).__name__}: {exc}") from exc
    pages, offset = [], 0
    for number, page_text in enumerate(texts, start=1):
        pages.append(Page(offset, offset + len(page_text), number))
        offset += len(page_text) + 2
    title = str(meta_title).strip() if meta_title and str(meta_title).strip() else None
    return Document(source=source, text="\n\n".join(texts), title=title, kind="pdf", pages=pages)
