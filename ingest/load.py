"""Load corpus files into `Document`s: their text, title, headings and pages.

Supported: `.txt`, `.md`/`.markdown`, `.html`/`.htm`, `.pdf`. Any other file, and
any symlink whose target leaves the corpus folder, is skipped with a notice (see
`scan_corpus` and `skip_reason`). A file that cannot be read raises `LoadError`
with a reason a person can act on.

`Document.text` is what every offset in the index points into:
- `.txt` and `.md`: the file's bytes decoded as UTF-8, unchanged (no newline
  translation), so `text[start:end]` can be checked against the file itself;
- `.html`: the visible text, one block element per paragraph;
- `.pdf`: the text of each page, pages joined by a blank line.
`read_text(path)` returns the same string for any supported file.

Bounds: a PDF is parsed in a child process (`pdf_worker.py`, one per file) under a
memory limit and a timeout, with budgets for its decompressed page content and its
text, so no PDF can grow the calling process; a child costs about 0.15 s per PDF.
An HTML file larger than `HTML_MAX_BYTES` is refused: BeautifulSoup's tree takes
40 to 150 times the file's size while it is parsed (given back afterwards). Plain
text and Markdown are held as they are, with no size limit.

This module does not clean residue or detect headings in plain text: that is
`clean.py` and `chunk.py`.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "notes").mkdir()
    >>> _ = (root / "notes/sleep.md").write_text("# Sleep and serotonin\\n\\nSleep helps.")
    >>> doc = load_document(root / "notes/sleep.md", root=root)
    >>> doc.source, doc.kind, doc.title
    ('notes/sleep.md', 'markdown', 'Sleep and serotonin')
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import LoadError, TransientLoadError

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
BINARY_CONTROL_RATIO = 0.05  # above this share of control bytes, a "text" file is binary

MB = 1_000_000
# A text page's content stream is a few kB, a page of dense vector drawing a few MB.
PDF_MAX_PAGE_CONTENT = 32 * MB  # one page's decompressed content streams
PDF_MAX_CONTENT = 256 * MB  # all pages' together
PDF_MAX_TEXT_CHARS = 20_000_000  # extracted text; a 1,000-page book has about 3 million
# The PDF reader's address space: the budgets above plus pypdf's own objects, and
# room for the file itself (read once, and its streams' raw bytes held by pypdf).
PDF_WORKER_MEMORY = 1024 * MB
PDF_WORKER_MEMORY_PER_FILE_BYTE = 2
PDF_WORKER_SECONDS = 120  # a 500-page text PDF takes pypdf about 7 s here
HTML_MAX_BYTES = 10 * MB  # as large as the UI's default upload limit (MAX_UPLOAD_MB)
_PDF_WORKER = Path(__file__).with_name("pdf_worker.py")


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

    `skip_reason` says why a path was skipped. Hidden files and folders (`.git`,
    `.DS_Store`) are neither. Symlinks:
    - one whose target is outside `root` (directly or through other links) is skipped,
      file or folder, there or missing: its text would be indexed and quoted from a
      file the corpus does not hold;
    - one to a supported file that is indexed anyway (under its own name, or through an
      earlier link) is skipped, so no file is indexed twice under two names;
    - one to any other file inside `root` (a hidden one, say) is read under its own name;
    - one to a folder inside `root` is not followed, as `rglob` does not, nor reported.
    """
    base = root.resolve()
    files, links = [], []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink():
            links.append(path)
        elif path.is_file():
            files.append(path)
    # rglob does not descend into linked folders, so a plain file's real path is base/rel
    indexed = {base / path.relative_to(root) for path in files
               if path.suffix.lower() in SUPPORTED_SUFFIXES}
    skipped = []
    for path in links:
        try:
            target = path.resolve(strict=False)
        except (OSError, RuntimeError):  # a loop of links: nothing to read
            skipped.append(path)
            continue
        if not target.is_relative_to(base):
            skipped.append(path)
        elif not target.is_file():
            continue  # a folder or a missing file: nothing to read, as before
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(path)  # "unsupported file type", as for a plain file
        elif target in indexed:
            skipped.append(path)
        else:
            indexed.add(target)
            files.append(path)
    supported = [p for p in files if p.suffix.lower() in SUPPORTED_SUFFIXES]
    skipped += [p for p in files if p.suffix.lower() not in SUPPORTED_SUFFIXES]
    return sorted(supported), sorted(skipped)


def skip_reason(path: Path, root: Path) -> str:
    """Why `scan_corpus(root)` skipped `path`, in words for the ingest report."""
    if path.is_symlink():
        try:
            target, base = path.resolve(), root.resolve()
        except (OSError, RuntimeError):
            return "symlink that cannot be resolved (a loop of links), not indexed"
        if not target.is_relative_to(base):
            return "symlink pointing outside the corpus folder, not indexed"
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            return f"symlink to {target.relative_to(base).as_posix()}, which is already indexed"
    return "unsupported file type"


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
    elif suffix in {".html", ".htm"} and len(data) > HTML_MAX_BYTES:
        raise LoadError(f"HTML file larger than {HTML_MAX_BYTES // MB} MB; not indexed")
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
    """The PDF's pages, read by `pdf_worker.py` in a child process; raise `LoadError`.

    A plain subprocess rather than `multiprocessing`: its "spawn" and "forkserver"
    children import the caller's main module again (e.g. the whole app under
    `python -m app.serve`), which would cost seconds per PDF.
    """
    limits = {"memory": PDF_WORKER_MEMORY + PDF_WORKER_MEMORY_PER_FILE_BYTE * len(data),
              "page_content": PDF_MAX_PAGE_CONTENT, "content": PDF_MAX_CONTENT,
              "text": PDF_MAX_TEXT_CHARS}
    try:
        # -P: the script's folder (ingest/) stays off the child's sys.path
        done = subprocess.run([sys.executable, "-P", str(_PDF_WORKER), json.dumps(limits)],
                              input=data, capture_output=True, timeout=PDF_WORKER_SECONDS)
    except subprocess.TimeoutExpired as exc:  # run() has killed and reaped the child
        raise TransientLoadError(f"PDF took longer than {PDF_WORKER_SECONDS} s to read; "
                                 "not indexed") from exc
    except OSError as exc:
        raise TransientLoadError(f"cannot start the PDF reader: {exc.strerror or exc}") from exc
    result = _worker_result(done, limits["memory"])
    if "error" in result:
        raise (TransientLoadError if result.get("transient") else LoadError)(result["error"])
    texts, title = result["pages"], result["title"]
    pages, offset = [], 0
    for number, page_text in enumerate(texts, start=1):
        pages.append(Page(offset, offset + len(page_text), number))
        offset += len(page_text) + 2
    return Document(source=source, text="\n\n".join(texts), title=title, kind="pdf", pages=pages)


def _worker_result(done: subprocess.CompletedProcess, memory: int) -> dict:
    """The PDF worker's JSON answer, or an "error" saying why the child gave none."""
    try:
        return json.loads(done.stdout)
    except ValueError:
        pass
    err = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode < 0:
        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = f"signal {-done.returncode}"
        # the out-of-memory killer or a busy machine as likely as the file: try again later
        return {"error": f"PDF reader crashed ({name}); not indexed", "transient": True}
    if "MemoryError" in err:  # raised where the child could no longer report it itself
        return {"error": f"PDF needs more than {memory // MB} MB of memory to read; not indexed"}
    last = err.splitlines()[-1] if err else f"exit status {done.returncode}"
    return {"error": f"PDF reader failed: {last}"}
