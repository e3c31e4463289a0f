"""Bring the store in line with the corpus folder, changing only what changed.

A content-hash scheme in the spirit of LangChain's indexing API, per file (that API
itself does not fit: it keys on whole documents, cannot update a chunk's offsets
without re-embedding it, and keeps no sentence vectors or per-file crash records):
- unchanged file (same bytes, same chunking settings): skipped, nothing read
  from the store, nothing embedded;
- new or edited file: chunked; chunks whose id is new are embedded and added,
  chunks whose text is unchanged but moved get their offsets updated without
  re-embedding, chunks no longer produced are deleted; the same diff keeps the
  file's sentence vectors (`ingest.sentences`, one per distinct sentence in
  context) in line, so answering never embeds a document sentence;
- deleted file: its chunks and record are removed (`remove_document` does that for
  one file at once, deleting the file too: the UI's delete);
- file that fails to load: reported, and its stored chunks are left alone; its
  content hash is remembered (`Settings.failed_path`), so it is not parsed again
  (a PDF bomb, say) until its bytes or the chunking settings change.

Disk trouble: a run that would not fit on the data folder's disk is refused before it
writes anything; a write that fails half-way (a full disk) is a `StoreError` saying
what to do, and the next run resumes; an embedded store that no longer opens is moved
aside (`chroma.damaged-<time>`) and rebuilt from the corpus, and the report says so.

Crash safety: a file's record is set to "pending" before its chunks are
touched and to "done" after. A run killed at any point leaves "pending"
records, which the next run redoes by diffing against what the store really
holds, so it ends exactly where a clean ingest would. A lock file keeps a
second ingest from writing at the same time (`filelock`).

This module does not parse files or cut chunks (`load.py`, `chunk.py`); `read_chunks`
runs both on one file as ingest would, to check an upload before it is saved.

    >>> import tempfile
    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "corpus").mkdir()
    >>> _ = (root / "corpus/a.md").write_text("# Risks\\n\\nMDMA can raise body temperature.")
    >>> settings = Settings(corpus_dir=root / "corpus", data_dir=root / "data")
    >>> fake = DeterministicFakeEmbedding(size=8)
    >>> report = ingest(settings, embeddings=fake)
    >>> report.chunks_added, report.chunks_embedded, ingest(settings, embeddings=fake).chunks_embedded
    (1, 1, 0)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from filelock import FileLock, Timeout
from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from ingest.chunk import PIPELINE_VERSION, Chunk, chunk_document
from ingest.embed import load_embeddings, model_id
from ingest.errors import CorpusError, IngestBusy, LoadError, StoreError, TransientLoadError
from ingest.load import SUPPORTED_SUFFIXES, load_document, scan_corpus, skip_reason
from ingest.sentences import sentences
from ingest.settings import Settings
from ingest.store import (
    DONE,
    PENDING,
    WRITE_ERRORS,
    FileRecord,
    Store,
    damaged,
    discard_system,
    mark_generation,
    open_store,
    reset_store,
    set_aside,
)

PROGRESS_MIN_CHUNKS = 200  # show a progress bar only when this many chunks need embedding
MIN_FREE_BYTES = 32 * 2**20  # kept free on the data folder's disk besides what a run adds
BYTES_PER_TEXT = 8 * 2**10  # a stored vector with its index entry and metadata, generously
REBUILD_BYTES_PER_BYTE = 24  # store bytes per corpus byte (50k-chunk bench: about 20)


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


def ingest(settings: Settings, *, embeddings: Embeddings | None = None, rebuild: bool = False,
           wait: float = 0.0, log: Callable[[str], None] = lambda _msg: None,
           progress: Callable[[int, int], None] = lambda _done, _total: None) -> IngestReport:
    """Sync `settings.corpus_dir` into the store; see the module docstring.

    `embeddings`: any LangChain `Embeddings` to embed with, instead of loading
    `settings.embedding_model` when something needs embedding (the store is stamped with
    that name either way; tests pass a fake). `log` gets a line per file written;
    `progress` gets (texts embedded, texts to embed).
    """
    started = time.perf_counter()
    root = settings.corpus_dir
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root}")
    name, fingerprint = model_id(settings.embedding_model), chunking_fingerprint(settings)
    report = IngestReport(corpus=str(root))

    def model() -> Embeddings:  # loaded only when needed: a no-change run never loads it
        return embeddings or load_embeddings(settings.embedding_model,
                                             device=settings.embedding_device,
                                             batch_size=settings.embed_batch_size)

    with ingest_lock(settings.lock_path, wait=wait):
        store = _open_or_set_aside(settings, name, report)
        report.store = store.location
        finished = False
        try:
            _sync_folder(store, settings, rebuild, name, model, fingerprint, report, log, progress)
            finished = True
        except WRITE_ERRORS as exc:
            discard_system(settings)  # a half-failed write leaves this process's system unsure
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise StoreError(
                f"ingest stopped at {store.location}: {reason}. Files finished before it stay "
                "indexed; fix the cause (free disk space, say) and run ingest again: it "
                "resumes where it stopped") from exc
        finally:
            if report.changed or not finished:  # a run that failed may have written too
                try:
                    mark_generation(settings)  # other processes reading this store reload it
                except OSError:  # a full disk: the error being raised says more
                    if finished:
                        raise
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class Removal:
    """What `remove_document` did."""

    source: str
    file_removed: bool  # the file was deleted from the corpus folder
    chunks_removed: int  # chunks deleted from the index (its sentence vectors went with them)
    indexed: bool  # the index held a record of it

    @property
    def found(self) -> bool:
        return self.file_removed or self.indexed or self.chunks_removed > 0


def remove_document(settings: Settings, source: str, *, wait: float = 0.0) -> Removal:
    """Delete the corpus file `source` and all the index holds of it (chunks, sentence
    vectors, record, remembered failure), as deleting the file and re-ingesting would,
    and nothing else.

    `source` is a path relative to the corpus folder that ingest would read, or one the
    index still has a record of; anything else changes nothing (`Removal.found` is False).
    The file goes first, so a store that fails half-way is finished by the next ingest.
    Raises `IngestBusy`, `CorpusError` (the file cannot be deleted) or `StoreError`.
    """
    path = _corpus_file(settings.corpus_dir, source)
    with ingest_lock(settings.lock_path, wait=wait):
        store = open_store(settings)
        indexed = source in store.file_records()
        removed = False
        if path is not None:
            try:
                path.unlink()  # a symlink itself, never its target
                removed = True
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise CorpusError(f"cannot delete {source}: {exc.strerror or exc}") from exc
        chunks = 0
        if removed or indexed:
            try:
                chunks = _delete_source(store, source)
            except WRITE_ERRORS as exc:
                discard_system(settings)
                raise StoreError(f"{source} was deleted, but removing it from the index at "
                                 f"{store.location} stopped: {exc}. Re-ingest to finish") from exc
            finally:
                if indexed or chunks:
                    mark_generation(settings)
        bad = _read_failures(settings.failed_path)
        if bad.pop(source, None) is not None:
            _write_failures(settings.failed_path, bad)
    return Removal(source, removed, chunks, indexed)


def _corpus_file(root: Path, source: str) -> Path | None:
    """`root / source` if it is there under a name ingest reads (inside `root` through real
    folders, not hidden, of a supported type, a link only to a file inside `root`), else
    None. For a link, the link itself is the file.

    >>> _corpus_file(Path("/tmp"), "../etc/passwd.txt") is None
    True
    """
    rel = PurePosixPath(source)
    if not source or rel.is_absolute() or "\\" in source or \
            any(part in ("..", ".") or part.startswith(".") for part in rel.parts):
        return None
    path = root / source
    if rel.suffix.lower() not in SUPPORTED_SUFFIXES or not (path.is_symlink() or path.is_file()):
        return None
    base = root.resolve()
    # subtle: a linked folder inside the corpus could lead anywhere; only real folders count
    if path.parent.resolve() != base / rel.parent:
        return None
    if path.is_symlink() and not path.resolve().is_relative_to(base):
        return None  # ingest skips a link leading out of the corpus: not a document
    return path


def _open_or_set_aside(settings: Settings, name: str, report: IngestReport) -> Store:
    """The store; an embedded store that no longer opens (damaged by a crash or a full
    disk) is moved aside and rebuilt from the corpus, and the report says so."""
    try:
        return open_store(settings, model=name, pipeline=PIPELINE_VERSION)
    except StoreError as exc:
        if not damaged(settings):  # a full disk, a read-only folder: the store is kept
            raise
        where = set_aside(settings)
        report.rebuilt = f"the store could not be opened ({exc}); moved it to {where}"
        return open_store(settings, model=name, pipeline=PIPELINE_VERSION)


def _check_space(settings: Settings, plans: list[FilePlan]) -> None:
    """Refuse to start writing when the data folder's disk cannot hold what `plans` add:
    a write cut short by a full disk is slower to recover from than one never started."""
    if not plans:
        return
    texts = sum(len(p.add) + len(p.new_sentences) for p in plans)
    _require_space(settings, MIN_FREE_BYTES + texts * BYTES_PER_TEXT
                   + sum(len(c.text) for p in plans for c in p.add))


def _require_space(settings: Settings, needed: int) -> None:
    if settings.chroma_host:
        return
    free = shutil.disk_usage(settings.chroma_path).free
    if free < needed:
        raise StoreError(f"only {free / 2**20:.0f} MB free on the disk of {settings.data_dir}; "
                         f"this ingest needs about {needed / 2**20:.0f} MB. Nothing was changed: "
                         "free some space and run it again")


def _sync_folder(store: Store, settings: Settings, rebuild: bool, name: str,
                 model: Callable[[], Embeddings], fingerprint: str, report: IngestReport,
                 log: Callable[[str], None],
                 progress: Callable[[int, int], None]) -> None:
    """Plan every file of the corpus folder against `store`, then write what changed."""
    root = settings.corpus_dir
    store, why = _ensure_compatible(store, settings, name, model, rebuild)
    report.rebuilt = report.rebuilt or why
    records = store.file_records()
    if records and store.count() == 0:  # chunks lost (e.g. a reset cut short): redo all
        records = {k: replace(r, status=PENDING) for k, r in records.items()}
    paths, skipped = scan_corpus(root)
    report.skipped = [(p.relative_to(root).as_posix(), skip_reason(p, root)) for p in skipped]
    report.files_seen = len(paths)
    known_bad, still_bad = _read_failures(settings.failed_path), {}
    plans = []
    for path in paths:
        source = path.relative_to(root).as_posix()
        record = records.get(source)
        version = ""
        try:
            data, sha = _read(path)
            version = f"{sha}:{fingerprint}"
            if version in known_bad.get(source, {}) and not rebuild:
                raise LoadError(known_bad[source][version] + " (unchanged since it failed: not read again)")
            plan = _plan_file(path, root, record, store, settings, fingerprint, data, sha)
        except LoadError as exc:
            reason = str(exc)
            if version and not isinstance(exc, TransientLoadError):
                still_bad[source] = {version: known_bad.get(source, {}).get(version, reason)}
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
    if still_bad != known_bad:
        _write_failures(settings.failed_path, still_bad)
    _check_space(settings, plans)
    _apply(plans, store, settings, model, fingerprint, report, log, progress)
    present = {p.relative_to(root).as_posix() for p in paths}
    for source in sorted(set(records) - present):
        report.chunks_deleted += _delete_source(store, source)
        report.files_deleted += 1
        log(f"deleted {source}")


def chunking_fingerprint(settings: Settings) -> str:
    """Changes whenever the same bytes would be cut into different chunks."""
    return f"v{PIPELINE_VERSION}:{settings.chunk_size}:{settings.chunk_overlap}"


def _ensure_compatible(store: Store, settings: Settings, name: str, model: Callable[[], Embeddings],
                       rebuild: bool) -> tuple[Store, str | None]:
    built = store.built_with
    wanted = {"embedding_model": name, "pipeline": PIPELINE_VERSION}
    if built == wanted and not rebuild:
        return store, None
    if store.count() == 0 and not rebuild:
        # no chunks, but sentence vectors may be left by another model (a reset cut short)
        store.clear_sentences()
        store.stamp(model=name, pipeline=PIPELINE_VERSION)
        return store, None
    # load the new model, and check the disk can hold a whole new index, before deleting
    # anything: a model that fails to load or a full disk keeps the index
    model()
    corpus_bytes = sum(p.stat().st_size for p in scan_corpus(settings.corpus_dir)[0])
    _require_space(settings, MIN_FREE_BYTES + REBUILD_BYTES_PER_BYTE * corpus_bytes)
    if rebuild:
        return reset_store(settings, model=name, pipeline=PIPELINE_VERSION), "--rebuild"
    if built.get("embedding_model") != name:
        reason = f"embedding model changed from {built.get('embedding_model')} to {name}"
    else:
        reason = f"pipeline version changed from {built.get('pipeline')} to {PIPELINE_VERSION}"
    return reset_store(settings, model=name, pipeline=PIPELINE_VERSION), reason


def _read(path: Path) -> tuple[bytes, str]:
    """The file's bytes and their SHA-256."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    return data, hashlib.sha256(data).hexdigest()


def _read_failures(path: Path) -> dict[str, dict[str, str]]:
    """{source: {version: reason}} of the files that failed to load; {} if unreadable."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _write_failures(path: Path, failures: dict[str, dict[str, str]]) -> None:
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(failures, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a full or read-only disk: the files are just read again next time
        pass


def _plan_file(path: Path, root: Path, record: FileRecord | None, store: Store,
               settings: Settings, fingerprint: str, data: bytes, sha: str) -> FilePlan | None:
    """None if the file is unchanged since its last ingest; raises `LoadError`."""
    if record and record.status == DONE and (record.sha256, record.fingerprint) == (sha, fingerprint):
        return None
    chunks = read_chunks(path, root, settings, data)  # the very bytes that were hashed
    source = chunks[0].source
    stored = store.chunk_metadata(source)
    add = [c for c in chunks if c.id not in stored]
    move = [c for c in chunks if c.id in stored and stored[c.id] != c.metadata()]
    keep = {c.id for c in chunks}
    wanted = {s.key: s.context for c in chunks for s in sentences(c)}
    have = store.sentence_keys(source)
    # a record with no hash is a first ingest of this file that was cut short
    return FilePlan(source, sha, chunks[0].title, chunks, add, move,
                    [i for i in stored if i not in keep], is_new=not (record and record.sha256),
                    new_sentences={k: t for k, t in wanted.items() if k not in have},
                    stale_sentences=[k for k in have if k not in wanted])


def read_chunks(path: Path, root: Path, settings: Settings, data: bytes | None = None) -> list[Chunk]:
    """The chunks ingest would store for `path` (its bytes `data`, if already read), or
    `LoadError` with the reason it would fail: what the UI checks an upload with."""
    doc = load_document(path, root=root, data=data)
    chunks = chunk_document(doc, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
    if not chunks:
        raise LoadError("no text left once navigation and other residue are set aside")
    return chunks


def failures(settings: Settings) -> dict[str, str]:
    """{source: reason} of the files the last ingest could not read (and will not read
    again until their bytes change); transient failures are not remembered."""
    return {source: next(iter(versions.values())) for source, versions
            in _read_failures(settings.failed_path).items()
            if isinstance(versions, dict) and versions}


def _apply(plans: list[FilePlan], store: Store, settings: Settings,
           model: Callable[[], Embeddings], fingerprint: str,
           report: IngestReport, log: Callable[[str], None],
           progress: Callable[[int, int], None]) -> None:
    total = sum(len(p.add) + len(p.new_sentences) for p in plans)
    embeddings = model() if total else None
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
                store.move_chunks(batch)
            for ids in _batches(plan.delete, store.max_batch):
                store.delete_chunks(ids)
            for ids in _batches(plan.stale_sentences, store.max_batch):
                store.delete_sentences(ids)
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
        store.write_chunks(batch, vectors)
        advance(len(batch))


def _write_sentences(store: Store, plan: FilePlan, embeddings, batch_size: int,
                     advance: Callable[[int], None]) -> None:
    items = list(plan.new_sentences.items())
    for batch in _batches(items, min(batch_size, store.max_batch)):
        vectors = embeddings.embed_documents([text for _, text in batch])
        store.write_sentences(plan.source, [key for key, _ in batch], vectors)
        advance(len(batch))


def _delete_source(store: Store, source: str) -> int:
    stored = store.chunk_metadata(source)
    for ids in _batches(list(stored), store.max_batch):
        store.delete_chunks(ids)
    for ids in _batches(sorted(store.sentence_keys(source)), store.max_batch):
        store.delete_sentences(ids)
    store.drop_file(source)
    return len(stored)


def _record(plan: FilePlan, fingerprint: str, status: str) -> FileRecord:
    return FileRecord(source=plan.source, sha256=plan.sha256, fingerprint=fingerprint,
                      status=status, title=plan.title, chunks=len(plan.chunks),
                      ingested_at=datetime.now(UTC).isoformat(timespec="seconds"))


@contextmanager
def ingest_lock(path: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the ingest lock; raise `IngestBusy` if another holder keeps it past `wait` s.

    The operating system drops the lock when its holder dies, even by SIGKILL. Who holds
    it is written beside it (`<lock>.holder`), for the message a waiting process prints.
    """
    holder = path.with_name(path.name + ".holder")
    lock = FileLock(path, timeout=wait)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(poll_interval=0.2)
    except Timeout:
        try:
            who = holder.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            who = "unknown"
        raise IngestBusy(f"another ingest is running ({who}); try again when it has finished, "
                         "or pass --wait SECONDS") from None
    except OSError as exc:  # a read-only or full data folder
        raise StoreError(f"cannot take the ingest lock {path}: {exc.strerror or exc}") from None
    try:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            holder.write_text(f"pid {os.getpid()}, started {started}", encoding="utf-8")
        except OSError:  # only a message depends on it
            pass
        yield
    finally:
        lock.release()
