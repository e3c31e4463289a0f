"""Files added to the corpus folder from the UI: checked, renamed safely, written whole.

Only the types ingest reads are accepted, up to a size limit. The name keeps
letters, digits, `.`, `-` and `_` of the file's own name (no folders, no leading
dot), so an upload can only land directly in the corpus folder. A file of the
same name is replaced, atomically: readers see the old file or the new one.
This module does not ingest; the UI's re-ingest button does.

    >>> safe_name("../../etc/My Notes (v2).md")
    'My-Notes-v2.md'
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from ingest.errors import UploadError
from ingest.load import SUPPORTED_SUFFIXES

MAX_NAME = 120


def safe_name(name: str) -> str:
    """The last part of `name`, reduced to a safe file name ("" if nothing is left)."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.")
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()
    if not stem:
        return ""
    return (stem[:MAX_NAME] + ("." + suffix if suffix else ""))


def save_to_corpus(upload: Path, corpus: Path, *, max_bytes: int,
                   original_name: str | None = None) -> str:
    """Copy `upload` into `corpus` under a safe name; return that name or raise `UploadError`."""
    shown = original_name or upload.name
    name = safe_name(shown)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(f"{shown}: unsupported file type (use {kinds})")
    size = upload.stat().st_size
    if size > max_bytes:
        raise UploadError(f"{shown}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit")
    if size == 0:
        raise UploadError(f"{shown}: empty file")
    if not corpus.is_dir():
        raise UploadError(f"the corpus folder {corpus} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=corpus)
    try:
        with os.fdopen(fd, "wb") as out, open(upload, "rb") as src:
            shutil.copyfileobj(src, out)
        os.replace(tmp, corpus / name)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UploadError(f"{shown}: cannot save: {exc.strerror or exc}") from exc
    return name
