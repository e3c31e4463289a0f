"""Bring the store in line with the corpus folder, changing only what changed.

A content-hash scheme in the spirit of LangChain's indexing API, per file:
- unchanged file (same bytes, same chunking settings): skipped, nothing read
  from the store, nothing embedded;
- new or edited file: chunked; chunks whose id is new are embedded and added,
  chunks whose text is unchanged but moved get their offsets updated without
  re-embedding, chunks no longer produced are deleted; the same diff keeps the
  file's sentence vectors (`ingest.sentences`, one per distinct sentence in
  context) in line, so answering never embeds a document sentence;
- deleted file: its chunks and record are removed;
- file that fails to load: reported, and its stored chunks are left alone.

Crash safety: a file's record is set to "pending" before its chunks are
touched and to "done" after. A run killed at any point leaves "pending"
records, which the next run redoes by diffing against what the store really
holds, so it ends exactly where a clean ingest would. A lock file keeps a
second ingest from writing at the same time.

This module does not parse files or cut chunks (`load.py`, `chunk.py`).

    >>> report = ingest(Settings(corpus_dir=Path("corpus")))  # doctest: +SKIP
    >>> report.chunks_added, report.chunks_embedded  # doctest: +SKIP
    (44, 44)
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from tqdm import tqdm

from ingest.chunk import PIPELINE_VERSION, Chunk, chunk_document
from ingest.embed import load_embeddings, model_id
from ingest.load import LoadError, load_document, scan_corpus, skip_reason
from ingest.sentences import sentences
from ingest.settings import Settings
from ingest.store import (DONE, PENDING, FileRecord, Store, mark_generation, open_store,
                          reset_store, stamp_store)

PROGRESS_MIN_CHUNKS = 200  # show a progress bar only when this many chunks need embedding


class IngestBusy(Exception):
    """Another ingest holds the lock."""


class CorpusError(Exception):
    """The corpus folder is missing or not a folder."""


@dataclass
class IngestReport:
    corpus: str
    store: str = ""
    rebuilt: str | None = None  # why the index was rebuilt, if it was
    files_seen: int = 0
    files_added: int = 0
    files_updated: int = 0
    files_unchanged: int = 0
    files_deleted: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason): file
    # type, or a symlink leading out of the corpus or to a file indexed already
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_unchanged: int = 0
    chunks_deleted: int = 0
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> bool:
        """Whether this run wrote to the store."""
        return bool(self.rebuilt or self.files_added or self.files_updated or self.files_deleted
                    or self.chunks_deleted)

    def summary(self) -> str:
        lines = [f"Ingested {self.corpus} into {self.store}"]
        if self.rebuilt:
            lines.append(f"rebuilt from scratch: {self.rebuilt}")
        lines += [
            f"files:  {self.files_seen} seen, {self.files_added} added, {self.files_updated} "
            f"updated, {self.files_unchanged} unchanged, {self.files_deleted} deleted, "
            f"{len(self.failed)} failed",
            f"chunks: {self.chunks_added} added, {self.chunks_updated} updated, "
            f"{self.chunks_unchanged} unchanged, {self.chunks_deleted} deleted "
            f"({self.chunks_embedded} embedded)",
            f"sentence vectors: {self.sentences_embedded} embedded",
            f"took {self.seconds:.2f} s",
        ]
        return "\n".join(lines)


@dataclass
class FilePlan:
    """What one new or edited file needs."""

    source: str
    sha256: str
    title: str
    chunks: list[Chunk]
    add: list[Chunk]
    move: list[Chunk]  # same id, new offsets: metadata update only
    delete: list[str]
    is_new: bool
    new_sentences: dict[str, str] = field(default_factory=dict)  # key -> text to embed
    stale_sentences: list[str] = field(default_factory=list)  # keys no chunk has any more


def ingest(settings: Settings, *, rebuild: bool = False, wait: float = 0.0,
           log: Callable[[str], None] = lambda _msg: None,
           progress: Callable[[int, int], None] = lambda _done, _total: None) -> IngestReport:
    """Sync `settings.corpus_dir` into the store; see the module docstring.

    `log` gets a line per file written; `progress` gets (chunks embedded, chunks to embed).
    """
    started = time.perf_counter()
    root = settings.corpus_dir
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    model, fingerprint = model_id(settings.embedding_model), chunking_fingerprint(settings)
    report = IngestReport(corpus=str(root))
    with ingest_lock(settings.lock_path, wait=wait):
        store = open_store(settings, model=model, pipeline=PIPELINE_VERSION)
        report.store = store.location
        finished = False
        try:
            _sync_folder(store, settings, rebuild, model, fingerprint, report, log, progress)
            finished = True
        finally:
            if report.changed or not finished:  # a run that failed may have written too
                mark_generation(settings)  # other processes reading this store reload it
    report.seconds = time.perf_counter() - started
    return report


def _sync_folder(store: Store, settings: Settings, rebuild: bool, model: str, fingerprint: str,
                 report: IngestReport, log: Callable[[str], None],
                 progress: Callable[[int, int], None]) -> None:
    """Plan every file of the corpus folder against `store`, then write what changed."""
    root = settings.corpus_dir
    store, report.rebuilt = _ensure_compatible(store, settings, model, rebuild)
    records = store.file_records()
    if records and store.count() == 0:  # chunks lost (e.g. a reset cut short): redo all
        records = {k: replace(r, status=PENDING) for k, r in records.items()}
    paths, skipped = scan_corpus(root)
    report.skipped = [(p.relative_to(root).as_posix(), skip_reason(p, root)) for p in skipped]
    report.files_seen = len(paths)
    plans = []
    for path in paths:
        source = path.relative_to(root).as_posix()
        record = records.get(source)
        try:
            plan = _plan_file(path, root, record, store, settings, fingerprint)
        except LoadError as exc:
            reason = str(exc)
            if record and record.status == PENDING:
                # a run was cut short while rewriting this file: its chunks mix versions
                report.chunks_deleted += _delete_source(store, source)
                reason += " (chunks left half-written by an interrupted ingest were removed)"
            report.failed.append((source, reason))
            continue
        if plan is None:
            report.files_unchanged += 1
            report.chunks_unchanged += record.chunks
        else:
            plans.append(plan)
    _apply(plans, store, settings, fingerprint, report, log, progress)
    present = {p.relative_to(root).as_posix() for p in paths}
    for source in sorted(set(records) - present):
        report.chunks_deleted += _delete_source(store, source)
        report.files_deleted += 1
        log(f"deleted {source}")


def chunking_fingerprint(settings: Settings) -> str:
    """Changes whenever the same bytes would be cut into different chunks."""
    return f"v{PIPELINE_VERSION}:{settings.chunk_size}:{settings.chunk_overlap}"


def _ensure_compatible(store: Store, settings: Settings, model: str,
                       rebuild: bool) -> tuple[Store, str | None]:
    built = store.built_with
    wanted = {"embedding_model": model, "pipeline": PIPELINE_VERSION}
    if built == wanted and not rebuild:
        return store, None
    if store.count() == 0 and not rebuild:
        # no chunks, but sentence vectors may be left by another model (a reset cut short)
        for keys in _batches(store.sentences.get(include=[])["ids"], store.max_batch):
            store.sentences.delete(ids=keys)
        stamp_store(store, model=model, pipeline=PIPELINE_VERSION)
        return store, None
    # load the new model before deleting anything: a model that fails to load keeps the index
    load_embeddings(settings.embedding_model, device=settings.embedding_device,
                    batch_size=settings.embed_batch_size)
    if rebuild:
        return reset_store(settings, model=model, pipeline=PIPELINE_VERSION), "--rebuild"
    if built.get("embedding_model") != model:
        reason = f"embedding model changed from {built.get('embedding_model')} to {model}"
    else:
        reason = f"pipeline version changed from {built.get('pipeline')} to {PIPELINE_VERSION}"
    return reset_store(settings, model=model, pipeline=PIPELINE_VERSION), reason


def _plan_file(path: Path, root: Path, record: FileRecord | None, store: Store,
               settings: Settings, fingerprint: str) -> FilePlan | None:
    """None if the file is unchanged since its last ingest; raises `LoadError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    sha = hashlib.sha256(data).hexdigest()
    if record and record.status == DONE and (record.sha256, record.fingerprint) == (sha, fingerprint):
        return None
    doc = load_document(path, root=root, data=data)  # the very bytes that were hashed
    chunks = chunk_document(doc, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    if not chunks:
        raise LoadError("no text left once navigation and other residue are set aside")
    stored = store.chunk_metadata(doc.source)
    add = [c for c in chunks if c.id not in stored]
    move = [c for c in chunks if c.id in stored and stored[c.id] != c.metadata()]
    keep = {c.id for c in chunks}
    wanted = {s.key: s.context for c in chunks for s in sentences(c)}
    have = store.sentence_keys(doc.source)
    # a record with no hash is a first ingest of this file that was cut short
    return FilePlan(doc.source, sha, chunks[0].title, chunks, add, move,
                    [i for i in stored if i not in keep], is_new=not (record and record.sha256),
                    new_sentences={k: t for k, t in wanted.items() if k not in have},
                    stale_sentences=[k for k in have if k not in wanted])


def _apply(plans: list[FilePlan], store: Store, settings: Settings, fingerprint: str,
           report: IngestReport, log: Callable[[str], None],
           progress: Callable[[int, int], None]) -> None:
    total = sum(len(p.add) + len(p.new_sentences) for p in plans)
    embeddings = load_embeddings(settings.embedding_model, device=settings.embedding_device,
                                 batch_size=settings.embed_batch_size) if total else None
    bar = tqdm(total=total, unit="text", desc="embedding",
               disable=True if total < PROGRESS_MIN_CHUNKS else None)

    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar.update(n)
        progress(done, total)

    with bar:
        progress(0, total)
        for plan in plans:
            pending = _record(plan, fingerprint, PENDING)
            store.put_file(pending if not plan.is_new else replace(pending, sha256=""))
            # sentences first: a stored chunk always has its sentence vectors
            _write_sentences(store, plan, embeddings, settings.embed_batch_size, advance)
            _write_chunks(store, plan.add, embeddings, settings.embed_batch_size, advance)
            for batch in _batches(plan.move, store.max_batch):
                store.chunks.update(ids=[c.id for c in batch],
                                    metadatas=[c.metadata() for c in batch])
            for ids in _batches(plan.delete, store.max_batch):
                store.chunks.delete(ids=ids)
            for ids in _batches(plan.stale_sentences, store.max_batch):
                store.sentences.delete(ids=ids)
            store.put_file(_record(plan, fingerprint, DONE))
            report.files_added += plan.is_new
            report.files_updated += not plan.is_new
            report.chunks_added += len(plan.add)
            report.chunks_updated += len(plan.move)
            report.chunks_deleted += len(plan.delete)
            report.chunks_unchanged += len(plan.chunks) - len(plan.add) - len(plan.move)
            report.chunks_embedded += len(plan.add)
            report.sentences_embedded += len(plan.new_sentences)
            log(f"indexed {plan.source}: {len(plan.add)} added, {len(plan.move)} updated, "
                f"{len(plan.delete)} deleted")


def _batches(items: list, size: int) -> Iterator[list]:
    """`items` in slices of at most `size`: `[1, 2, 3], 2 -> [1, 2], [3]`."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _write_chunks(store: Store, chunks: list[Chunk], embeddings, batch_size: int,
                  advance: Callable[[int], None]) -> None:
    for batch in _batches(chunks, min(batch_size, store.max_batch)):
        vectors = embeddings.embed_documents([c.embedding_text() for c in batch])
        store.chunks.upsert(ids=[c.id for c in batch], embeddings=vectors,
                            documents=[c.text for c in batch],
                            metadatas=[c.metadata() for c in batch])
        advance(len(batch))


def _write_sentences(store: Store, plan: FilePlan, embeddings, batch_size: int,
                     advance: Callable[[int], None]) -> None:
    items = list(plan.new_sentences.items())
    for batch in _batches(items, min(batch_size, store.max_batch)):
        vectors = embeddings.embed_documents([text for _, text in batch])
        store.sentences.upsert(ids=[key for key, _ in batch], embeddings=vectors,
                               metadatas=[{"source": plan.source}] * len(batch))
        advance(len(batch))


def _delete_source(store: Store, source: str) -> int:
    stored = store.chunk_metadata(source)
    for ids in _batches(list(stored), store.max_batch):
        store.chunks.delete(ids=ids)
    for ids in _batches(sorted(store.sentence_keys(source)), store.max_batch):
        store.sentences.delete(ids=ids)
    store.drop_file(source)
    return len(stored)


def _record(plan: FilePlan, fingerprint: str, status: str) -> FileRecord:
    return FileRecord(source=plan.source, sha256=plan.sha256, fingerprint=fingerprint,
                      status=status, title=plan.title, chunks=len(plan.chunks),
                      ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


@contextmanager
def ingest_lock(path: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the ingest lock; raise `IngestBusy` if another process keeps it past `wait` s.

    The operating system drops the lock when its holder dies, even by SIGKILL.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                    raise IngestBusy(f"another ingest is running ({holder}); try again when it "
                                     "has finished, or pass --wait SECONDS") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()}, started {started}".encode(), 0)
        yield
    finally:
        os.close(fd)
