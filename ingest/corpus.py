"""A corpus file's text as citations index it, for whoever shows or checks a citation.

`source_text(corpus, source)` returns the `Document.text` (`load.read_text`) of the file
`source` names, read and parsed once per version of the file (its mtime and size), or
None when ingest would not read that file (outside the corpus folder, hidden, of an
unsupported type) or it is gone or unreadable. The UI's viewer and source cards, the
evaluator's citation check and `python -m app.ask` all read files through it.

This module never writes and never raises for a missing or bad file.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "a.txt").write_text("one\\ntwo", encoding="utf-8")
    >>> source_text(root, "a.txt"), source_text(root, "../etc/passwd"), source_text(root, "gone.txt")
    ('one\\ntwo', None, None)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ingest.errors import LoadError
from ingest.load import SUPPORTED_SUFFIXES, read_text


def source_path(corpus: Path, source: str) -> Path | None:
    """The corpus file `source` names, or None unless ingest would read it: inside the
    corpus folder, not hidden, of a supported type."""
    root = corpus.resolve()
    path = (root / source).resolve()
    if not source or not path.is_relative_to(root) or not path.is_file():
        return None
    parts = path.relative_to(root).parts
    if any(p.startswith(".") for p in parts) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return None
    return path


def source_text(corpus: Path, source: str) -> str | None:
    """The text of `source` as its citations index it, or None (see the module docstring)."""
    try:
        path = source_path(corpus, source)
        stat = path.stat() if path else None
        return _read(str(path), stat.st_mtime_ns, stat.st_size) if stat else None
    except (LoadError, OSError, ValueError):
        return None


@lru_cache(maxsize=64)
def _read(path: str, _mtime_ns: int, _size: int) -> str:
    """A corpus file's text, read (and for HTML or PDF, parsed) once per version of it."""
    return read_text(Path(path))
