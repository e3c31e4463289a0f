"""Incremental ingest against a real Chroma store in tmp_path.

The mechanics (what is embedded, written, moved, deleted, kept or rebuilt) run on the fake
model, `fake_embeddings`: they count texts and compare stores, which no meaning enters. A
deleted or added chunk is looked up by its own vector, which the fake gives back exactly.
Only the crash test runs `python -m ingest` in subprocesses, with the real model.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from ingest.chunk import chunk_document
from ingest.embed import load_embeddings
from ingest.errors import EmbeddingModelError, IngestBusy
from ingest.index import ingest, ingest_lock
from ingest.load import load_document, read_text
from ingest.sentences import sentences
from ingest.settings import Settings
from ingest.store import DONE, PENDING, Store, connect, open_store
from tests.conftest import DEFAULT_CORPUS, FAKE_SIZE, PROJECT, make_pdf

HUBERMAN = "mdma-therapeutic-potential-hubermanlab.txt"
SEROTONIN = "mdma-and-the-serotonin-system.txt"
REWIRING = "mdma-brain-rewiring-study.txt"


def stored(settings) -> dict[str, dict]:
    """{id: metadata + document} of every chunk in the store."""
    return {c.id: c.metadata() | {"document": c.text} for c in open_store(settings).chunks()}


def expected_chunks(corpus: Path) -> dict[str, tuple]:
    """{id: (source, start, end)} as a clean chunking of the folder gives them."""
    out = {}
    for path in sorted(corpus.rglob("*.txt")):
        for c in chunk_document(load_document(path, root=corpus)):
            out[c.id] = (c.source, c.start, c.end)
    return out


def expected_sentences(corpus: Path) -> dict[str, str]:
    """{key: text to embed} of every sentence of a clean chunking of the folder."""
    return {s.key: s.context for path in sorted(corpus.rglob("*.txt"))
            for c in chunk_document(load_document(path, root=corpus)) for s in sentences(c)}


def assert_matches_corpus(settings) -> None:
    """The store holds exactly the chunks of the folder, each an exact span of its file,
    and exactly the vectors of their sentences."""
    stored_keys = open_store(settings).sentence_keys()
    assert sorted(stored_keys) == sorted(expected_sentences(settings.corpus_dir))
    chunks = stored(settings)
    want = expected_chunks(settings.corpus_dir)
    assert {i: (m["source"], m["start"], m["end"]) for i, m in chunks.items()} == want
    for meta in chunks.values():
        text = read_text(settings.corpus_dir / meta["source"])
        assert text[meta["start"]:meta["end"]] == meta["document"]


def nearest_sources(settings, vector: list[float], k: int) -> list[str]:
    return [c.source for c, _ in open_store(settings).nearest(vector, k)]


def own_vectors(settings, fake, source: str) -> list[list[float]]:
    """The vectors the fake model gave the stored chunks of `source`."""
    chunks = open_store(settings).chunks([source])
    assert chunks
    return fake.embed_documents([c.embedding_text() for c in chunks])


def test_first_ingest_stores_every_chunk_exactly(settings, fake_embeddings):
    report = ingest(settings, embeddings=fake_embeddings)
    total = len(expected_chunks(settings.corpus_dir))
    assert (report.files_seen, report.files_added, report.chunks_added) == (3, 3, total)
    assert report.chunks_embedded == total and report.ok
    assert report.sentences_embedded == len(expected_sentences(settings.corpus_dir))
    assert_matches_corpus(settings)
    meta = next(iter(stored(settings).values()))
    assert {"source", "title", "section", "start", "end"} <= set(meta)


def test_unchanged_corpus_embeds_nothing(settings, fake_embeddings):
    first = ingest(settings, embeddings=fake_embeddings)
    marker = settings.generation_path.read_text()
    again = ingest(settings, embeddings=fake_embeddings)
    assert again.chunks_embedded == again.sentences_embedded == again.chunks_added == 0
    assert (again.files_unchanged, again.chunks_unchanged) == (3, first.chunks_added)
    assert_matches_corpus(settings)
    assert settings.generation_path.read_text() == marker  # nothing written: readers keep theirs


def test_progress_counts_embedded_texts_and_changes_move_the_marker(settings, fake_embeddings):
    calls: list[tuple[int, int]] = []
    report = ingest(settings, embeddings=fake_embeddings, progress=lambda done, total: calls.append((done, total)))
    total = report.chunks_embedded + report.sentences_embedded
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    marker = settings.generation_path.read_text()
    (settings.corpus_dir / "mdma-brain-rewiring-study.txt").unlink()
    ingest(settings, embeddings=fake_embeddings)
    assert settings.generation_path.read_text() != marker


def test_edited_file_replaces_only_its_changed_chunks(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    before = stored(settings)
    path = settings.corpus_dir / REWIRING
    path.write_text(read_text(path) + "\nCoda\nA new closing paragraph about SERT and mood.\n",
                    encoding="utf-8")
    report = ingest(settings, embeddings=fake_embeddings)
    assert (report.files_updated, report.files_unchanged) == (1, 2)
    assert 1 <= report.chunks_embedded <= 2
    assert report.sentences_embedded == 1  # the new paragraph; "Coda" is its heading
    after = stored(settings)
    for cid, meta in before.items():
        if meta["source"] != REWIRING:
            assert after[cid] == meta
    assert_matches_corpus(settings)


def test_shifted_chunks_are_updated_not_reembedded(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    path = settings.corpus_dir / HUBERMAN
    text = read_text(path)
    path.write_text(text.replace("Here is the article:\n", "Here is the article:\nHello.\n"),
                    encoding="utf-8")
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.chunks_embedded == 1  # the intro chunk now holds "Hello."
    assert report.chunks_updated == 7  # every later chunk moved by 7 characters
    assert report.sentences_embedded == 0  # "Hello." is too short to be a sentence
    assert_matches_corpus(settings)


def test_deleted_file_is_never_returned_again(settings, fake_embeddings):
    first = ingest(settings, embeddings=fake_embeddings)
    count = len(open_store(settings).chunk_metadata(HUBERMAN))
    vectors = own_vectors(settings, fake_embeddings, HUBERMAN)
    assert all(nearest_sources(settings, v, 1) == [HUBERMAN] for v in vectors)
    (settings.corpus_dir / HUBERMAN).unlink()
    report = ingest(settings, embeddings=fake_embeddings)
    assert (report.files_deleted, report.chunks_deleted) == (1, count)
    assert open_store(settings).count() == first.chunks_added - count
    assert not any(HUBERMAN in nearest_sources(settings, v, 50) for v in vectors)
    assert HUBERMAN not in open_store(settings).file_records()
    assert_matches_corpus(settings)


def test_new_file_is_added(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    (settings.corpus_dir / "notes").mkdir()
    (settings.corpus_dir / "notes" / "extra.txt").write_text(
        "Hydration\n\nSip water in moderation to avoid hyponatremia during long events.\n")
    report = ingest(settings, embeddings=fake_embeddings)
    assert (report.files_added, report.files_unchanged, report.chunks_added) == (1, 3, 1)
    [vector] = own_vectors(settings, fake_embeddings, "notes/extra.txt")
    assert nearest_sources(settings, vector, 1) == ["notes/extra.txt"]
    assert_matches_corpus(settings)


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"\x00\x01\x02binary\x00" * 50, "binary content, not text"),
    (b"caf\xe9 au lait", "invalid UTF-8 at byte 3"),
])
def test_failed_file_keeps_its_chunks_and_others_proceed(settings, fake_embeddings, content, reason):
    ingest(settings, embeddings=fake_embeddings)
    kept = open_store(settings).chunk_metadata(SEROTONIN)
    (settings.corpus_dir / SEROTONIN).write_bytes(content)
    (settings.corpus_dir / REWIRING).unlink()
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.failed == [(SEROTONIN, reason)] and not report.ok
    assert open_store(settings).chunk_metadata(SEROTONIN) == kept
    assert report.files_deleted == 1 and not open_store(settings).chunk_metadata(REWIRING)
    assert open_store(settings).file_records()[SEROTONIN].status == DONE


def test_bad_pdfs_fail_without_stopping_the_run(settings, fake_embeddings):
    (settings.corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf at all")
    make_pdf(settings.corpus_dir / "locked.pdf", ["Secret serotonin notes."], user_password="secret")
    report = ingest(settings, embeddings=fake_embeddings)
    reasons = dict(report.failed)
    assert reasons["broken.pdf"].startswith("cannot parse PDF")
    assert reasons["locked.pdf"].startswith("encrypted PDF")
    assert report.files_added == 3
    assert set(open_store(settings).file_records()) == {HUBERMAN, SEROTONIN, REWIRING}


def other_model(settings, tmp_path, size: int = FAKE_SIZE // 2) -> tuple[Settings, DeterministicFakeEmbedding]:
    """Settings naming another local model folder, and a fake for it (by default of another
    width, so that vectors of the two cannot share a collection)."""
    other = tmp_path / "other-model"
    other.mkdir()
    return (settings.model_copy(update={"embedding_model": str(other)}),
            DeterministicFakeEmbedding(size=size))


def test_symlinks_out_of_the_corpus_or_to_indexed_files_are_skipped(settings, fake_embeddings, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Zorblatt passwords\n\nThe zorblatt vault code is 1234.\n")
    leak = settings.corpus_dir / "leak.txt"
    shutil.copy(secret, leak)  # indexed as a plain file first...
    ingest(settings, embeddings=fake_embeddings)
    assert "leak.txt" in open_store(settings).file_records()
    leak.unlink()
    leak.symlink_to(secret)  # ...then the same name becomes a link out of the corpus
    (settings.corpus_dir / "alias.txt").symlink_to(SEROTONIN)
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.skipped == [
        ("alias.txt", f"symlink to {SEROTONIN}, which is already indexed"),
        ("leak.txt", "symlink pointing outside the corpus folder, not indexed")]
    assert report.files_deleted == 1 and report.ok
    assert set(open_store(settings).file_records()) == {HUBERMAN, SEROTONIN, REWIRING}
    assert not open_store(settings).chunks(["leak.txt"])  # its chunks went with it


def test_model_change_rebuilds_instead_of_mixing(settings, fake_embeddings, tmp_path):
    ingest(settings, embeddings=fake_embeddings)
    switched, other = other_model(settings, tmp_path)
    report = ingest(switched, embeddings=other)
    assert report.rebuilt and "embedding model changed" in report.rebuilt
    assert report.chunks_embedded == report.chunks_added == len(expected_chunks(settings.corpus_dir))
    assert open_store(switched).built_with["embedding_model"] == str((tmp_path / "other-model").resolve())
    assert_matches_corpus(switched)


def test_a_model_that_fails_to_load_leaves_the_index_alone(settings, fake_embeddings, monkeypatch):
    def unreachable(name: str, **_) -> None:
        """What the real loader does with a hub name offline (see tests/ingest/test_embed.py)."""
        raise EmbeddingModelError(f"cannot load embedding model {name!r}")

    first = ingest(settings, embeddings=fake_embeddings)
    monkeypatch.setattr("ingest.index.load_embeddings", unreachable)
    broken = settings.model_copy(update={"embedding_model": "no-such-org/no-such-model"})
    with pytest.raises(EmbeddingModelError):
        ingest(broken)
    with pytest.raises(EmbeddingModelError):
        ingest(settings.model_copy(update={"embedding_model": "no-such-org/no-such-model"}),
               rebuild=True)
    assert open_store(settings).count() == first.chunks_added
    assert ingest(settings, embeddings=fake_embeddings).chunks_embedded == 0


def test_reset_cut_short_is_repaired(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    connect(settings)[0].delete_collection(settings.chroma_collection)  # records survive
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.chunks_embedded == len(expected_chunks(settings.corpus_dir))
    assert_matches_corpus(settings)


@pytest.mark.parametrize("size", [FAKE_SIZE, FAKE_SIZE // 2], ids=["same width", "another width"])
def test_reset_cut_short_before_the_sentences_went_reembeds_them(settings, fake_embeddings, tmp_path, size):
    """A model change whose reset was killed after the chunks went but before the sentence
    vectors did: the new model must embed every sentence, not trust the old vectors."""
    ingest(settings, embeddings=fake_embeddings)
    client = connect(settings)[0]
    for name in (f"{settings.chroma_collection}-files", settings.chroma_collection):
        client.delete_collection(name)  # the reset's first steps; the sentences survive
    switched, other = other_model(settings, tmp_path, size)
    open_store(switched)  # the app opening the store first leaves it unstamped
    report = ingest(switched, embeddings=other)
    want = expected_sentences(settings.corpus_dir)
    assert report.sentences_embedded == len(want)
    assert_matches_corpus(switched)
    vectors = open_store(switched).sentence_vectors(sorted(want))
    assert {v.shape for v in vectors.values()} == {(other.size,)}


def test_half_written_file_that_now_fails_is_cleared(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    store = open_store(settings)
    store.put_file(replace(store.file_records()[SEROTONIN], status=PENDING))  # as if killed
    (settings.corpus_dir / SEROTONIN).write_bytes(b"caf\xe9")
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.failed[0][0] == SEROTONIN and "half-written" in report.failed[0][1]
    assert not open_store(settings).chunk_metadata(SEROTONIN)
    assert not open_store(settings).sentence_keys(SEROTONIN)
    assert SEROTONIN not in open_store(settings).file_records()


def test_writes_respect_chromas_batch_limit(settings, fake_embeddings, monkeypatch):
    monkeypatch.setattr(Store, "max_batch", property(lambda self: 3))
    ingest(settings, embeddings=fake_embeddings)
    path = settings.corpus_dir / SEROTONIN
    path.write_text("Preface.\n\n" + read_text(path), encoding="utf-8")
    report = ingest(settings, embeddings=fake_embeddings)
    assert report.chunks_updated > 3  # more moved chunks than one batch holds
    (settings.corpus_dir / REWIRING).unlink()
    assert ingest(settings, embeddings=fake_embeddings).chunks_deleted > 3
    assert_matches_corpus(settings)


def test_rebuild_starts_over(settings, fake_embeddings):
    first = ingest(settings, embeddings=fake_embeddings)
    report = ingest(settings, embeddings=fake_embeddings, rebuild=True)
    assert report.rebuilt == "--rebuild"
    assert report.chunks_embedded == first.chunks_added
    assert_matches_corpus(settings)


def test_second_ingest_is_refused_while_one_runs(settings, fake_embeddings):
    with ingest_lock(settings.lock_path):
        with pytest.raises(IngestBusy, match=f"another ingest is running \\(pid {os.getpid()}"):
            ingest(settings, embeddings=fake_embeddings, wait=0.3)
    assert ingest(settings, embeddings=fake_embeddings).ok  # the lock is free again


def test_lock_waits_for_the_holder(settings, fake_embeddings):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path;"
         "from ingest.index import ingest_lock\n"
         "with ingest_lock(Path(sys.argv[1])):\n print('locked', flush=True); time.sleep(1.5)",
         str(settings.lock_path)], cwd=PROJECT, stdout=subprocess.PIPE, text=True,
        env=os.environ | {"PYTHONPATH": str(PROJECT)})
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    report = ingest(settings, embeddings=fake_embeddings, wait=30)
    assert report.ok and time.monotonic() - started > 0.5
    holder.wait(10)


@pytest.mark.slow  # two `python -m ingest` runs, each loading the real model
def test_sigkill_midway_then_rerun_ends_like_a_clean_ingest(tmp_path):
    corpus = tmp_path / "big"
    for n in range(8):
        for src in DEFAULT_CORPUS.glob("*.txt"):
            target = corpus / f"part{n}" / src.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, target)
    # run from tmp_path so that a developer's .env in the project is not read
    env = os.environ | {"DATA_DIR": str(tmp_path / "data"), "CORPUS_DIR": str(corpus),
                        "EMBED_BATCH_SIZE": "8", "PYTHONPATH": str(PROJECT)}
    cmd = [sys.executable, "-m", "ingest", "--verbose"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("indexed "), line
    time.sleep(0.3)  # inside the next file's writes
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    # subtle: the store is first opened in this process only after the rerun, because an
    # embedded Chroma client keeps its vector index in memory and misses other writers
    rerun = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    clean = expected_chunks(corpus)  # what a clean ingest stores (see the first test)
    embedded = int(re.search(r"\((\d+) embedded\)", rerun.stdout).group(1))
    assert 0 < embedded < len(clean)  # the killed run had written part of the index
    files = re.search(r"files:  24 seen, (\d+) added, 0 updated, (\d+) unchanged", rerun.stdout)
    assert files and int(files.group(2)) >= 1 and sum(map(int, files.groups())) == 24
    killed = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    assert_matches_corpus(killed)
    spans = [(m["source"], m["start"], m["end"]) for m in stored(killed).values()]
    assert len(spans) == len(set(spans)) == open_store(killed).count() == len(clean)
    assert all(r.status == DONE for r in open_store(killed).file_records().values())
    query = load_embeddings(killed.embedding_model).embed_query("oxytocin bonding hormone")
    assert "part3/" + REWIRING in nearest_sources(killed, query, 10)


def test_stored_sentence_vectors_are_the_models_vectors_of_their_text(settings, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    want = expected_sentences(settings.corpus_dir)
    keys = sorted(want)[:20]
    got = open_store(settings).sentence_vectors(keys + ["no-such-key"])
    assert sorted(got) == keys
    fresh = np.asarray(fake_embeddings.embed_documents([want[k] for k in keys]))
    for key, vector in zip(keys, fresh):
        assert got[key].dtype == np.float32 and np.allclose(got[key], vector, atol=1e-5)
