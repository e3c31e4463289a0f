"""Access to the Chroma store: the chunk collection and its file records.

One code path for both deployments: an embedded `PersistentClient` under
`Settings.data_dir`, or a Chroma server through `HttpClient` when
`CHROMA_HOST` is set. Telemetry is off either way.

The store holds three collections:
- `<collection>`: one entry per chunk; id = `Chunk.id`, document = the exact
  span of the file, metadata = `Chunk.metadata()`, cosine space. Its metadata
  records the model and pipeline version that built it.
- `<collection>-files`: one entry per corpus file (id = source path) with its
  content hash, title, chunk count and last ingest time. Keeping it in Chroma,
  beside the vectors, means the two can never belong to different stores.
- `<collection>-sentences`: the vector of every sentence of every chunk
  (`ingest.sentences`), id = `Sentence.key`, metadata = its source. Read back by
  id when a question's passages are scored, so answering embeds only the question.

Several processes may share one embedded store (an app, and `python -m ingest` in
a terminal), but chromadb keeps one in-memory system per folder per process, whose
vectors do not see another process's writes. So each ingest that changed the store
rewrites `Settings.generation_path` (`mark_generation`), and `connect` starts a
fresh system whenever that marker moved since this process opened the folder. The
lock in `index.py` keeps a second writer out.

This module does not decide what to write; `index.py` does.

This is the only module that calls chromadb: callers get `Chunk`s, `FileRecord`s and
vectors, never a collection.

    >>> import tempfile
    >>> from pathlib import Path
    >>> store = open_store(Settings(data_dir=Path(tempfile.mkdtemp())))
    >>> store.count(), store.file_records()
    (0, {})
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, NotFoundError

from ingest.chunk import Chunk
from ingest.errors import StoreError
from ingest.settings import Settings

FILE_RECORD_VECTOR = [1.0]  # file records are looked up by id, never by similarity
PENDING = "pending"
DONE = "done"
SERVER_TIMEOUT = httpx.Timeout(10.0, connect=3.0)  # a hung server fails a request, not the app
RETIRE_SECONDS = 60.0  # a replaced chromadb system is stopped once in-flight reads are done

_systems_lock = threading.Lock()
_opened_at: dict[str, str] = {}  # embedded folder -> the generation its system has seen


@dataclass(frozen=True)
class FileRecord:
    source: str
    sha256: str
    fingerprint: str
    status: str  # PENDING while its chunks are being written, then DONE
    title: str
    chunks: int
    ingested_at: str  # ISO 8601, UTC


class Store:
    """The three collections of one index; see the module docstring."""

    def __init__(self, client: ClientAPI, chunks: Collection, files: Collection,
                 sentences: Collection, location: str):
        self._client, self._chunks, self._files, self._sentences = client, chunks, files, sentences
        self.location = location  # for messages: a folder or a server address

    @property
    def built_with(self) -> dict[str, str]:
        """The model and pipeline version recorded on the chunk collection."""
        meta = self._chunks.metadata or {}
        return {k: str(meta[k]) for k in ("embedding_model", "pipeline") if k in meta}

    def stamp(self, *, model: str, pipeline: str) -> None:
        """Record on an empty chunk collection which model and pipeline will fill it."""
        meta = dict(self._chunks.metadata or {})
        meta |= {"embedding_model": model, "pipeline": pipeline}
        self._chunks.modify(metadata=meta)

    # --- file records
    def file_records(self) -> dict[str, FileRecord]:
        got = self._files.get(include=["metadatas"])
        return {i: FileRecord(source=i, **m) for i, m in zip(got["ids"], got["metadatas"])}

    def put_file(self, record: FileRecord) -> None:
        meta = {k: v for k, v in record.__dict__.items() if k != "source"}
        self._files.upsert(ids=[record.source], embeddings=[FILE_RECORD_VECTOR], metadatas=[meta])

    def drop_file(self, source: str) -> None:
        self._files.delete(ids=[source])

    # --- chunks
    def count(self) -> int:
        return self._chunks.count()

    def chunk_metadata(self, source: str) -> dict[str, dict]:
        """{chunk id: metadata} for every stored chunk of `source`."""
        got = self._chunks.get(where={"source": source}, include=["metadatas"])
        return dict(zip(got["ids"], got["metadatas"]))

    def write_chunks(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        """Add (or overwrite) `chunks` with their vectors."""
        self._chunks.upsert(ids=[c.id for c in chunks], embeddings=vectors,
                            documents=[c.text for c in chunks],
                            metadatas=[c.metadata() for c in chunks])

    def move_chunks(self, chunks: list[Chunk]) -> None:
        """Rewrite the metadata (offsets) of stored `chunks`; their vectors stay."""
        self._chunks.update(ids=[c.id for c in chunks], metadatas=[c.metadata() for c in chunks])

    def delete_chunks(self, ids: list[str]) -> None:
        self._chunks.delete(ids=ids)

    def chunks(self, sources: list[str] | None = None) -> list[Chunk]:
        """Every chunk in the store (or of `sources`), in a stable order, read in pages."""
        if sources == []:
            return []
        where = None if sources is None else {"source": {"$in": sources}}
        found, offset, page = [], 0, self.max_batch
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], where=where,
                                   limit=page, offset=offset)
            found += [_chunk(i, d, m) for i, d, m in
                      zip(got["ids"], got["documents"], got["metadatas"])]
            if len(got["ids"]) < page:
                break
            offset += page
        return sorted(found, key=lambda c: (c.source, c.start, c.id))

    def nearest(self, vector: list[float], n: int) -> list[tuple[Chunk, float]]:
        """The `n` chunks nearest to `vector`, with cosine similarity."""
        # Chroma returns fewer than n when it holds fewer: no count() round trip needed
        got = self._chunks.query(query_embeddings=[vector], n_results=n,
                                 include=["documents", "metadatas", "distances"])
        return [(_chunk(i, d, m), 1.0 - dist) for i, d, m, dist in
                zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                    got["distances"][0])]

    # --- sentence vectors
    def sentence_keys(self, source: str | None = None) -> set[str]:
        """The ids of every stored sentence vector (of `source`)."""
        where = None if source is None else {"source": source}
        return set(self._sentences.get(where=where, include=[])["ids"])

    def sentence_vectors(self, keys: list[str]) -> dict[str, np.ndarray]:
        """{key: vector} for those of `keys` that are stored; {} when the store cannot say
        (the caller then embeds them)."""
        if not keys:
            return {}
        try:
            got = self._sentences.get(ids=keys, include=["embeddings"])
        except ChromaError:
            # subtle: an embedded client whose in-memory index predates another process's
            # write fails on ids it finds in SQLite but not in memory ("Error finding id")
            return {}
        return {k: np.asarray(v, dtype=np.float32) for k, v in zip(got["ids"], got["embeddings"])}

    def write_sentences(self, source: str, keys: list[str], vectors: list[list[float]]) -> None:
        self._sentences.upsert(ids=keys, embeddings=vectors, metadatas=[{"source": source}] * len(keys))

    def delete_sentences(self, keys: list[str]) -> None:
        self._sentences.delete(ids=keys)

    def clear_sentences(self) -> None:
        """Drop every sentence vector, and the width the collection took from them (a
        collection emptied by deletes keeps it, so another model's vectors would not fit)."""
        name = self._sentences.name
        self._client.delete_collection(name)
        self._sentences = self._client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})

    @property
    def max_batch(self) -> int:
        """The most records Chroma takes in one add, update or delete."""
        return self._client.get_max_batch_size()


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(chunk_id, meta["source"], meta["title"], meta["section"], int(meta["start"]),
                 int(meta["end"]), text, meta.get("page"), meta.get("page_end"))


def connect(settings: Settings) -> tuple[ClientAPI, str]:
    """A Chroma client for `settings`, and a description of where it points."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        where = f"http://{settings.chroma_host}:{settings.chroma_port}"
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                         settings=chroma_settings)
            # subtle: chromadb's HTTP session has no timeout at all; give it one
            client._server._session.timeout = SERVER_TIMEOUT
            client.heartbeat()
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {where}: {exc}") from exc
        return client, where
    path = settings.chroma_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        folder = str(path.resolve())
        with _systems_lock:
            _renew_if_stale(folder, generation(settings))
            client = chromadb.PersistentClient(path=folder, settings=chroma_settings)
        return client, str(path)
    except Exception as exc:
        raise StoreError(f"cannot open the Chroma store at {path}: {exc}") from exc


def generation(settings: Settings) -> str:
    """The marker of the last ingest that changed the embedded store ("" before any)."""
    try:
        return settings.generation_path.read_text(encoding="utf-8")
    except OSError:
        return ""


def mark_generation(settings: Settings) -> str:
    """Record that this process has just changed the store, for the other processes."""
    marker = f"{uuid.uuid4().hex} {datetime.now(UTC).isoformat(timespec='seconds')}"
    path = settings.generation_path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(marker, encoding="utf-8")
    os.replace(tmp, path)  # readers see the old marker or the new one, never half of it
    with _systems_lock:
        _opened_at[str(settings.chroma_path.resolve())] = marker
    return marker


WRITE_ERRORS = (OSError, ChromaError)  # what a write that failed half-way raises (ENOSPC...)


def discard_system(settings: Settings) -> None:
    """Forget this process's chromadb system for the embedded store, so the next open
    starts a fresh one: after a write failed half-way the old system's state cannot be
    trusted (a later write in it can hang). The old one is stopped once in-flight reads
    are done."""
    if settings.chroma_host:
        return
    folder = str(settings.chroma_path.resolve())
    with _systems_lock:
        old = SharedSystemClient._identifier_to_system.pop(folder, None)
        _opened_at.pop(folder, None)
    if old is not None:
        _retire(old)


def damaged(settings: Settings) -> bool:
    """Whether the embedded store's database is damaged (not merely unopenable for now:
    a full disk or a read-only folder leaves a sound database that must be kept)."""
    db = settings.chroma_path / "chroma.sqlite3"
    if settings.chroma_host or not db.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("PRAGMA quick_check").fetchone() != ("ok",)
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"...
        return not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc)


def set_aside(settings: Settings) -> Path:
    """Move a damaged embedded store out of the way (kept for a person to look at) and
    return where it went; the next open starts empty."""
    discard_system(settings)
    path = settings.chroma_path
    target = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    os.replace(path, target)
    return target


def _renew_if_stale(folder: str, current: str) -> None:
    """Drop this process's cached chromadb system for `folder` if another process wrote
    since it was opened; the old one keeps serving its collections for a while."""
    seen = _opened_at.setdefault(folder, current)
    if seen == current:
        return
    old = SharedSystemClient._identifier_to_system.pop(folder, None)
    _opened_at[folder] = current
    if old is not None:
        _retire(old)


def _retire(system) -> None:
    """Stop a replaced chromadb system once the reads it may still be serving are done."""
    timer = threading.Timer(RETIRE_SECONDS, system.stop)
    timer.daemon = True
    timer.start()


def open_store(settings: Settings, *, model: str | None = None, pipeline: str | None = None) -> Store:
    """The store's collections, created if missing and stamped with `model` and `pipeline`."""
    client, where = connect(settings)
    try:
        chunks = client.get_collection(settings.chroma_collection, embedding_function=None)
    except Exception:  # noqa: BLE001 - NotFoundError or ValueError, by chromadb version
        stamp = {"embedding_model": model, "pipeline": pipeline,
                 "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        chunks = client.get_or_create_collection(
            settings.chroma_collection, embedding_function=None,
            metadata={k: v for k, v in stamp.items() if v},
            configuration={"hnsw": {"space": "cosine"}})
    files = client.get_or_create_collection(f"{settings.chroma_collection}-files",
                                            embedding_function=None)
    sentences = client.get_or_create_collection(
        f"{settings.chroma_collection}-sentences", embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}})
    return Store(client, chunks, files, sentences, where)


def reset_store(settings: Settings, *, model: str, pipeline: str) -> Store:
    """Delete the collections and start empty (a rebuild)."""
    client, _ = connect(settings)
    # subtle: file records go first, so a reset cut short never leaves records of lost chunks;
    # the chunks, which carry the model's stamp, go last, so a cut-short reset is redone
    for name in (f"{settings.chroma_collection}-files",
                 f"{settings.chroma_collection}-sentences", settings.chroma_collection):
        try:
            client.delete_collection(name)
        except (NotFoundError, ValueError):  # which one depends on the chromadb version
            pass
    return open_store(settings, model=model, pipeline=pipeline)
