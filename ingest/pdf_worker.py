"""Read one PDF's page texts in a child process, under a memory limit and content budgets.

`load.py` runs this file as a script, one child per PDF:

    python -P ingest/pdf_worker.py '{"memory": ..., "page_content": ..., "content": ..., "text": ...}'

with the PDF's bytes on stdin. The child limits its own address space
(`RLIMIT_AS`) before importing pypdf, then writes one JSON object to stdout:
`{"pages": [text, ...], "title": str | null}`, or `{"error": reason}` for a PDF
it refuses (encrypted, broken, or past a budget). The reasons are `LoadError`
messages, worded for a person.

Budgets (bytes for content, characters for text; their values live in `load.py`):
- `page_content`: one page's decompressed content stream(s);
- `content`: all pages' decompressed content streams together;
- `text`: the extracted text of the whole file.
pypdf caps each stream on its own (75 MB) but not their sum, and keeps every
decompressed stream for the reader's lifetime, so a few MB of compressed pages can
expand to gigabytes. Only page content streams are counted: fonts, images and form
XObjects are left to the memory limit, which stops anything else that grows.

This script imports nothing from the project (run by path with `-P`, it does not
see it), so a child starts with only the standard library and pypdf. The timeout,
crashes and a child that says nothing are the parent's to handle (`load._load_pdf`).
"""

from __future__ import annotations

import io
import json
import resource
import sys

MB = 1_000_000


def extract(data: bytes, limits: dict[str, int]) -> dict:
    """The page texts and title of a PDF, or `{"error": reason}`."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return {"error": "encrypted PDF (needs a password)"}
        texts, content, chars = [], 0, 0
        for number, page in enumerate(reader.pages, start=1):
            size = _content_size(page, number, limits["page_content"])
            if isinstance(size, str):
                return {"error": size}
            content += size
            if content > limits["content"]:
                return {"error": f"PDF expands past {limits['content'] // MB} MB of page "
                                 f"content; not indexed"}
            text = (page.extract_text() or "").strip()
            chars += len(text)
            if chars > limits["text"]:
                return {"error": f"PDF has more than {limits['text']:,} characters of text; "
                                 f"not indexed"}
            texts.append(text)
        meta_title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except MemoryError:
        raise  # main() words it
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return {"error": f"cannot parse PDF: {exc}"}
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files
        if "crypt" in str(exc).lower():
            return {"error": f"encrypted PDF: {exc}"}
        return {"error": f"cannot parse PDF: {type(exc).__name__}: {exc}"}
    title = str(meta_title).strip() if meta_title and str(meta_title).strip() else None
    return {"pages": texts, "title": title}


def _content_size(page, number: int, limit: int) -> int | str:
    """Bytes of the page's decompressed content, or the reason it is past `limit`.

    Decoding here costs nothing extra: pypdf keeps the decoded stream and text
    extraction reuses it.
    """
    try:
        contents = page.get_contents()
        size = len(contents.get_data()) if contents is not None else 0
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ != "LimitReachedError":  # pypdf's own per-stream caps
            return 0  # not a size problem: text extraction meets it and reports it as before
        size = limit + 1
    if size > limit:
        return f"PDF page {number} expands past {limit // MB} MB of content; not indexed"
    return size


def main() -> int:
    limits = json.loads(sys.argv[1])
    # Before pypdf is imported, so nothing in this process can outgrow it.
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    try:
        result = extract(sys.stdin.buffer.read(), limits)
    except MemoryError:
        result = {"error": f"PDF needs more than {limits['memory'] // MB} MB of memory to read; "
                           f"not indexed"}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
