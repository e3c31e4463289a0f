"""Deleting one document (`remove_document`) against a real Chroma store in tmp_path, on the
fake model: the file, its chunks, sentence vectors, record and remembered failure go, and
nothing else; a re-ingest afterwards finds nothing to do, and re-adding the file restores
exactly what a clean ingest would hold."""

from __future__ import annotations

import pytest

from ingest.errors import IngestBusy
from ingest.index import failures, ingest, ingest_lock, read_chunks, remove_document
from ingest.store import open_store
from tests.ingest.test_index import (
    HUBERMAN,
    REWIRING,
    SEROTONIN,
    assert_matches_corpus,
    nearest_sources,
    own_vectors,
)


def snapshot(settings) -> tuple[dict, set, dict]:
    """(chunk metadata by id, sentence keys, file records) of the whole store."""
    store = open_store(settings)
    return ({c.id: c.metadata() for c in store.chunks()}, store.sentence_keys(),
            {s: (r.sha256, r.chunks) for s, r in store.file_records().items()})


def test_delete_removes_the_file_and_all_it_had_in_the_index_and_nothing_else(
        settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    vectors = own_vectors(settings, fake_embeddings, HUBERMAN)
    count = len(open_store(settings).chunk_metadata(HUBERMAN))
    chunks_before, sentences_before, records_before = snapshot(settings)
    others = {i: m for i, m in chunks_before.items() if m["source"] != HUBERMAN}

    removal = remove_document(settings, HUBERMAN)

    assert (removal.found, removal.file_removed, removal.chunks_removed) == (True, True, count)
    assert not (settings.corpus_dir / HUBERMAN).exists()
    chunks, sentences, records = snapshot(settings)
    assert chunks == others  # every other chunk kept, unchanged
    assert HUBERMAN not in records and len(records) == len(records_before) - 1
    assert sentences < sentences_before and not open_store(settings).sentence_keys(HUBERMAN)
    assert not any(HUBERMAN in nearest_sources(settings, v, 50) for v in vectors)
    assert_matches_corpus(settings)
    again = ingest(settings, embeddings=fake_embeddings)  # nothing stale for it to clean up
    assert (again.files_deleted, again.chunks_deleted, again.chunks_embedded) == (0, 0, 0)


def test_a_deleted_file_added_back_is_indexed_as_before(settings, fake_embeddings, tmp_path):
    ingest(settings, embeddings=fake_embeddings)
    before = snapshot(settings)
    kept = tmp_path / "kept.txt"
    kept.write_bytes((settings.corpus_dir / SEROTONIN).read_bytes())
    remove_document(settings, SEROTONIN)
    (settings.corpus_dir / SEROTONIN).write_bytes(kept.read_bytes())
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.files_added == 1 and report.chunks_deleted == 0
    chunks, sentences, records = snapshot(settings)
    assert (chunks, sentences) == before[:2] and records.keys() == before[2].keys()
    assert_matches_corpus(settings)


def test_a_record_whose_file_is_gone_and_a_remembered_failure_are_removed(settings,
                                                                          fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    (settings.corpus_dir / REWIRING).unlink()  # gone from the folder, still in the index
    (settings.corpus_dir / "bad.txt").write_bytes(b"\x00\x01binary\x00" * 20)
    records = open_store(settings).file_records()
    assert REWIRING in records
    removal = remove_document(settings, REWIRING)
    assert (removal.file_removed, removal.indexed) == (False, True) and removal.chunks_removed
    assert REWIRING not in open_store(settings).file_records()
    ingest(settings, embeddings=fake_embeddings)
    assert failures(settings) == {"bad.txt": "binary content, not text"}
    assert remove_document(settings, "bad.txt").file_removed
    assert failures(settings) == {} and not (settings.corpus_dir / "bad.txt").exists()
    assert_matches_corpus(settings)


@pytest.mark.parametrize("source", ["../outside.txt", "/etc/passwd", ".hidden.txt",
                                    "notes/../../outside.txt", "tool.sh", "", "no-such.txt",
                                    "link.txt"])
def test_anything_but_a_corpus_document_changes_nothing(settings, fake_embeddings, tmp_path,
                                                        source):
    outside = tmp_path / "outside.txt"
    outside.write_text("kept outside")
    (settings.corpus_dir / ".hidden.txt").write_text("hidden")
    (settings.corpus_dir / "tool.sh").write_text("echo hi")
    (settings.corpus_dir / "link.txt").symlink_to(outside)  # ingest skips it: leads outside
    ingest(settings, embeddings=fake_embeddings)
    files = sorted(p.name for p in settings.corpus_dir.iterdir())
    before = snapshot(settings)
    removal = remove_document(settings, source)
    assert not removal.found
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == files
    assert outside.read_text() == "kept outside" and snapshot(settings) == before


def test_a_link_is_removed_never_its_target(settings, fake_embeddings, tmp_path):
    target = settings.corpus_dir / "notes.keep"  # a type ingest reads only through the link
    target.write_text("Okapis groom their calves at dawn.\n")
    (settings.corpus_dir / "alias.txt").symlink_to(target)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("outside")
    (settings.corpus_dir / "folder").symlink_to(tmp_path / "elsewhere")
    ingest(settings, embeddings=fake_embeddings)
    assert "alias.txt" in open_store(settings).file_records()
    assert remove_document(settings, "alias.txt").file_removed
    assert target.read_text().startswith("Okapis") and not (settings.corpus_dir / "alias.txt").exists()
    assert "alias.txt" not in open_store(settings).file_records()
    assert not remove_document(settings, "folder/x.txt").found  # a linked folder leads out
    assert (tmp_path / "elsewhere" / "x.txt").exists()


def test_delete_waits_for_no_one_while_another_ingest_runs(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    before = snapshot(settings)
    with ingest_lock(settings.lock_path), pytest.raises(IngestBusy):
        remove_document(settings, HUBERMAN)
    assert (settings.corpus_dir / HUBERMAN).exists() and snapshot(settings) == before


@pytest.mark.parametrize("name, data, reason", [
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 30, "binary content, not text"),
    ("blank.md", b"  \n\n ", "empty file"),
    ("menu.html", b"<html><body><nav><p>Home</p></nav></body></html>", "no text"),
])
def test_read_chunks_gives_ingests_reason_for_a_file_it_cannot_index(settings, name, data, reason):
    from ingest.errors import LoadError

    with pytest.raises(LoadError, match=reason):
        read_chunks(settings.corpus_dir / name, settings.corpus_dir, settings, data)
    good = read_chunks(settings.corpus_dir / "a.md", settings.corpus_dir, settings,
                       b"# Okapis\n\nOkapis groom their calves at dawn.\n")
    assert [c.source for c in good] == ["a.md"] and good[0].title == "Okapis"
