"""Files added to the corpus folder from the UI: checked, named safely, written whole.

Only the types ingest reads are accepted, each up to a size limit, at most
`MAX_FILES_PER_UPLOAD` files at a time, and while the corpus folder stays under its
total size limit (`MAX_CORPUS_MB` by default). A file's content is checked before it is
saved, by ingest's own loader (`check`; the UI passes `ingest.index.read_chunks`), so a
binary file renamed `.txt`, an empty one or a PDF without text is refused at once with
the loader's reason, and nothing is written. The name keeps the letters (of any
script, after NFKC normalization), digits, marks, `-` and `_` of the file's own name
(no folders, no leading dot), so an upload can only land directly in the corpus
folder. A file is replaced only by an upload of exactly its name; an upload whose
cleaned name belongs to another file, or to another file of the same upload, gets a
free name (`a-2.txt`). Files are written atomically: readers see the old file or the
new one. Each refusal is a message naming the file and the problem. This module does
not index what it saves (`documents.py` runs ingest next).

    >>> safe_name("../../etc/My Notes (v2).md"), safe_name("Отчёт 2024.TXT")
    ('My-Notes-v2.md', 'Отчёт-2024.txt')
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import LoadError, UploadError
from ingest.load import SUPPORTED_SUFFIXES, load_document

MAX_NAME_BYTES = 200  # file systems allow 255 bytes; room for "-2" and the suffix
MAX_FILES_PER_UPLOAD = 20
MAX_CORPUS_MB = 500

Check = Callable[[Path, bytes], object]  # (its path in the corpus, its bytes) -> raises LoadError


def loads(path: Path, data: bytes) -> None:
    """The default content check: ingest's loader reads `data` as the file `path`."""
    load_document(path, root=path.parent, data=data)


@dataclass(frozen=True)
class Saved:
    """One upload written to the corpus folder."""

    shown: str  # the name it came with
    name: str  # its name in the corpus folder
    replaced: bool  # it replaced the file of that name
    renamed_from: str = ""  # the taken name it would have had

    def __str__(self) -> str:
        if self.replaced:
            return f"Replaced {self.name} in the corpus folder."
        if self.renamed_from:
            return (f"Added {self.name} to the corpus folder ({self.renamed_from} is another "
                    "file, kept as it was).")
        return f"Added {self.name} to the corpus folder."


def safe_name(name: str) -> str:
    """The last part of `name`, reduced to a safe file name ("" if nothing is left).

    >>> safe_name("C:\\\\x\\\\報告　第1版.PDF"), safe_name(".bashrc"), safe_name("a\\u202egpj.txt")
    ('報告-第1版.pdf', '', 'a-gpj.txt')
    """
    base = unicodedata.normalize("NFKC", re.split(r"[\\/]", name)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    # subtle: a run of unsafe characters (spaces, punctuation, bidi controls) becomes one "-"
    stem = re.sub("\0+", "-", "".join(ch if _safe(ch) else "\0" for ch in stem)).strip("-_")
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()
    room = MAX_NAME_BYTES - len(suffix) - 1
    stem = stem.encode()[:room].decode(errors="ignore").rstrip("-_")
    if not stem:
        return ""
    return stem + ("." + suffix if suffix else "")


def save_uploads(uploads: list[Path], corpus: Path, *, max_bytes: int,
                 max_files: int = MAX_FILES_PER_UPLOAD,
                 max_corpus_bytes: int = int(MAX_CORPUS_MB * 1e6),
                 check: Check = loads) -> tuple[list[Saved], list[str]]:
    """Save the files of one upload into `corpus`: what was saved, and a message per refusal
    (one bad file does not stop the others)."""
    if len(uploads) > max_files:
        return [], [f"{len(uploads)} files at once is more than the {max_files} one upload may "
                    "add; add them in smaller groups"]
    saved, problems = [], []
    total = corpus_bytes(corpus)
    for upload in uploads:
        try:
            one = save_to_corpus(upload, corpus, max_bytes=max_bytes, taken={s.name for s in saved},
                                 room=max_corpus_bytes - total, max_corpus_bytes=max_corpus_bytes,
                                 check=check)
        except UploadError as exc:
            problems.append(str(exc))
            continue
        saved.append(one)
        total = corpus_bytes(corpus)
    return saved, problems


def save_to_corpus(upload: Path, corpus: Path, *, max_bytes: int, original_name: str | None = None,
                   taken: set[str] | frozenset[str] = frozenset(), room: int | None = None,
                   max_corpus_bytes: int | None = None, check: Check = loads) -> Saved:
    """Copy `upload` into `corpus` under a safe name that no other file of this upload
    (`taken`) has, once `check` has read its content; raise `UploadError` if it is refused.
    `room` is the bytes the corpus folder may still grow by."""
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
    try:
        data = upload.read_bytes()
    except OSError as exc:
        raise UploadError(f"{shown}: cannot read the upload: {exc.strerror or exc}") from exc
    try:
        check(corpus / name, data)  # the bytes checked are the bytes saved
    except LoadError as exc:
        raise UploadError(f"{shown}: {exc}") from exc
    target, replaced = _target(corpus, name, shown, taken)
    freed = (corpus / target).lstat().st_size if replaced else 0
    if room is not None and size - freed > room:
        limit = f" of {max_corpus_bytes / 1e6:g} MB" if max_corpus_bytes else ""
        raise UploadError(f"{shown}: the corpus folder would grow past its size limit{limit}; "
                          "remove documents first")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=corpus)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, corpus / target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UploadError(f"{shown}: cannot save: {exc.strerror or exc}") from exc
    return Saved(shown, target, replaced, renamed_from=name if target != name else "")


def corpus_bytes(corpus: Path) -> int:
    """The total size of the files in `corpus` and its subfolders (links not followed)."""
    if not corpus.is_dir():
        return 0
    return sum(p.lstat().st_size for p in corpus.rglob("*") if p.is_file() and not p.is_symlink())


def _target(corpus: Path, name: str, shown: str, taken) -> tuple[str, bool]:
    """The name to write `shown` under, and whether that replaces a file: only a file of
    exactly the upload's own name is replaced."""
    exists = lambda n: n in taken or os.path.lexists(corpus / n)
    own = safe_name(shown) == _as_given(shown)
    if not exists(name) or (own and name not in taken and (corpus / name).is_file()):
        return name, os.path.lexists(corpus / name)
    stem, suffix = name.rsplit(".", 1)
    n = 2
    while exists(f"{stem}-{n}.{suffix}"):
        n += 1
    return f"{stem}-{n}.{suffix}", False


def _as_given(shown: str) -> str:
    base = unicodedata.normalize("NFKC", re.split(r"[\\/]", shown)[-1])
    stem, dot, suffix = base.rpartition(".")
    return f"{stem}.{suffix.lower()}" if dot else base


def _safe(ch: str) -> bool:
    """A letter, digit or mark of any script, `-` or `_`."""
    return ch in "-_" or unicodedata.category(ch)[0] in "LNM"
