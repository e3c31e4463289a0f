"""Store access: embedded and server clients, collection stamps, file records."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from ingest.chunk import Chunk
from ingest.errors import StoreError
from ingest.settings import Settings
from ingest.store import DONE, FileRecord, connect, open_store, reset_store


def test_embedded_store_lives_in_the_data_dir_with_telemetry_off(tmp_path):
    settings = Settings(data_dir=tmp_path / "state")
    client, where = connect(settings)
    assert where == str(tmp_path / "state" / "chroma")
    assert (tmp_path / "state" / "chroma").is_dir()
    assert client.get_settings().anonymized_telemetry is False


def test_collections_use_cosine_and_record_their_builder(tmp_path):
    store = open_store(Settings(data_dir=tmp_path), model="m1", pipeline="7")
    client, _ = connect(Settings(data_dir=tmp_path))
    assert {c.name for c in client.list_collections()} == {
        "corpus", "corpus-files", "corpus-sentences"}
    assert client.get_collection("corpus").configuration["hnsw"]["space"] == "cosine"
    assert store.built_with == {"embedding_model": "m1", "pipeline": "7"}
    # reopening with another model does not overwrite the stamp: index.py decides
    assert open_store(Settings(data_dir=tmp_path), model="m2", pipeline="7").built_with["embedding_model"] == "m1"


def test_stamp_and_reset(tmp_path):
    settings = Settings(data_dir=tmp_path, chroma_collection="docs")
    store = open_store(settings)
    assert store.built_with == {}
    store.stamp(model="m", pipeline="1")
    assert open_store(settings).built_with == {"embedding_model": "m", "pipeline": "1"}
    store.write_chunks([Chunk("x", "a", "A", "A", 0, 1, "x")], [[0.1, 0.2]])
    assert store.count() == 1 and [c.id for c in store.chunks(["a"])] == ["x"]
    assert store.nearest([0.2, 0.4], 1)[0][1] == pytest.approx(1.0)  # cosine: same direction
    store.put_file(FileRecord("a", "h", "f", DONE, "A", 1, "2026-01-01T00:00:00+00:00"))
    fresh = reset_store(settings, model="n", pipeline="2")
    assert fresh.count() == 0 and fresh.file_records() == {}
    assert fresh.built_with == {"embedding_model": "n", "pipeline": "2"}


def test_file_records_round_trip(tmp_path):
    store = open_store(Settings(data_dir=tmp_path))
    record = FileRecord("sub/a.txt", "abc", "v1:1000:150", DONE, "Title", 4, "2026-11-21T00:00:00+00:00")
    store.put_file(record)
    assert store.file_records() == {"sub/a.txt": record}
    store.drop_file("sub/a.txt")
    assert store.file_records() == {}


def test_unreachable_server_is_a_clear_error_within_seconds():
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(chroma_host="127.0.0.1", chroma_port=port)
    assert settings.chroma_mode == "http"
    started = time.monotonic()
    with pytest.raises(StoreError, match=f"cannot reach the Chroma server at http://127.0.0.1:{port}"):
        open_store(settings)
    assert time.monotonic() - started < 10


def test_another_process_write_renews_the_embedded_system(tmp_path):
    """chromadb caches one system per folder; after another process's ingest (the marker
    moved) `connect` starts a fresh one, so vector queries see the new chunks."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from ingest.store import generation, mark_generation

    settings = Settings(data_dir=tmp_path)
    folder = str(settings.chroma_path.resolve())
    connect(settings)
    assert generation(settings) == ""
    system = SharedSystemClient._identifier_to_system[folder]
    connect(settings)
    assert SharedSystemClient._identifier_to_system[folder] is system  # nothing moved: reused
    marker = mark_generation(settings)  # this process wrote: its own system stays current
    connect(settings)
    assert SharedSystemClient._identifier_to_system[folder] is system
    assert generation(settings) == marker and len(marker.split()) == 2
    settings.generation_path.write_text("written by another process")
    connect(settings)
    assert SharedSystemClient._identifier_to_system[folder] is not system


def test_sentence_vectors_another_process_wrote_meanwhile_are_missing_not_an_error(tmp_path):
    """An embedded client's in-memory index misses another process's new ids; asking for
    them must give {} (the answerer embeds those sentences) rather than raise."""
    import os
    import subprocess
    import sys

    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)
    store.write_sentences("a.txt", ["old"], [[1.0, 0.0]])
    assert set(store.sentence_vectors(["old"])) == {"old"}
    writer = ("import sys; from pathlib import Path; from ingest.settings import Settings\n"
              "from ingest.store import open_store\n"
              "s = open_store(Settings(data_dir=Path(sys.argv[1])))\n"
              "s.write_sentences('a.txt', ['new'], [[0.0, 1.0]])\n"
              "s.delete_sentences(['old'])")
    subprocess.run([sys.executable, "-c", writer, str(tmp_path)], check=True, timeout=60,
                   env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert store.sentence_keys("a.txt") == {"new"}  # SQLite already says so
    assert store.sentence_vectors(["new", "old"]) in ({}, {"new": pytest.approx([0.0, 1.0])})
