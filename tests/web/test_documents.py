"""The Documents tab's handlers, called directly over a real Chroma store in tmp_path and the
fake model: uploads checked, added and indexed in one step, per-file results, statuses in
words, delete, and an ingest already running. Meaning (is a document answerable?) is left
to the browser tests, which use the real model."""

from __future__ import annotations

import re
from functools import partial

import gradio as gr
import pytest

import app.web.documents
from app.web.documents import Documents
from ingest.index import ingest, ingest_lock
from ingest.store import open_store
from tests.ingest.test_remove import snapshot

OKAPI = "# Okapi notes\n\nOkapis in the Ituri forest groom their calves with long blue tongues.\n"
NO_PROGRESS = lambda *args, **kwargs: None


class StoreEngine:
    """The engine's part the Documents tab uses: the store's file records, and `sync`."""

    def __init__(self, settings):
        self.settings, self.synced = settings, 0

    def documents(self):
        records = open_store(self.settings).file_records()
        return [records[s] for s in sorted(records)]

    def sync(self):
        self.synced += 1


@pytest.fixture
def docs(settings, fake_embeddings, monkeypatch) -> Documents:
    """The handlers over an ingested copy of the default corpus; their ingests use the fake."""
    monkeypatch.setattr(app.web.documents, "ingest", partial(ingest, embeddings=fake_embeddings))
    ingest(settings, embeddings=fake_embeddings)
    return Documents(StoreEngine(settings), settings)


def upload(tmp_path, name: str, data: bytes) -> str:
    """A file called `name` in a folder of its own, as Gradio hands uploads over."""
    folder = tmp_path / "uploads" / str(len(list(tmp_path.glob("uploads/*"))))
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return str(folder / name)


def items(html: str) -> list[tuple[str, str]]:
    """(kind, text) of each result line."""
    return [(kind, re.sub("<[^>]+>", "", text).strip())
            for kind, text in re.findall(r'<li class="qa-item qa-item-(\w+)">(.*?)</li>', html)]


def status(docs: Documents, source: str) -> str:
    return {r.source: r.status for r in docs.rows()}[source]


def test_good_files_are_added_and_indexed_bad_ones_refused_each_on_its_own_line(docs, tmp_path):
    corpus = docs.settings.corpus_dir
    paths = [upload(tmp_path, "okapi notes.md", OKAPI.encode()),
             upload(tmp_path, "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00" * 40),
             upload(tmp_path, "empty.txt", b""),
             upload(tmp_path, "tool.exe", b"MZ\x90\x00")]
    result, listing, widget = docs.add_and_index(paths, progress=NO_PROGRESS)
    assert widget is None  # the upload widget is emptied
    assert items(result) == [
        ("ok", "Added okapi-notes.md: indexed, 1 passage; ask about it in the Chat tab."),
        ("bad", "Refused photo.txt: binary content, not text"),
        ("bad", "Refused empty.txt: empty file"),
        ("bad", "Refused tool.exe: unsupported file type (use .htm, .html, .markdown, .md, .pdf, .txt)")]
    assert "1 added and indexed, 3 refused" in result
    assert not {"photo.txt", "empty.txt", "tool.exe"} & {p.name for p in corpus.iterdir()}
    assert "okapi-notes.md" in open_store(docs.settings).file_records()
    assert status(docs, "okapi-notes.md") == "indexed" and "okapi-notes.md" in listing
    assert docs.engine.synced  # the engine serves the new index from the next question


def test_only_bad_files_leave_the_folder_and_the_index_as_they_were(docs, tmp_path):
    corpus = docs.settings.corpus_dir
    files, store = sorted(p.name for p in corpus.iterdir()), snapshot(docs.settings)
    result, _, widget = docs.add_and_index([upload(tmp_path, "a.txt", b"\x00\x01" * 99)],
                                           progress=NO_PROGRESS)
    assert widget is None and "1 refused" in result and "qa-item-ok" not in result
    assert sorted(p.name for p in corpus.iterdir()) == files and snapshot(docs.settings) == store


def test_statuses_say_in_words_what_became_of_each_file(docs, fake_embeddings):
    corpus = docs.settings.corpus_dir
    (corpus / "bad.txt").write_bytes(b"\x00\x01binary\x00" * 20)
    (corpus / "mdma-brain-rewiring-study.txt").unlink()
    ingest(docs.settings, embeddings=fake_embeddings)
    (corpus / "new.md").write_text(OKAPI)
    (corpus / "mdma-and-the-serotonin-system.txt").unlink()  # after the ingest: still indexed
    rows = {r.source: r for r in docs.rows()}
    assert rows["bad.txt"].status == "failed: binary content, not text"
    assert rows["new.md"].status == "not indexed yet" and rows["new.md"].passages == 0
    assert rows["mdma-and-the-serotonin-system.txt"].status == "missing from the folder"
    assert "mdma-brain-rewiring-study.txt" not in rows
    assert rows["mdma-therapeutic-potential-hubermanlab.txt"].state == "indexed"
    listing = docs.listing()
    assert "failed: binary content, not text" in listing and 'data-delete="bad.txt"' in listing


def test_delete_from_the_page_removes_the_file_and_its_passages(docs):
    source = "mdma-therapeutic-potential-hubermanlab.txt"
    result, listing, viewer = docs.delete(gr.EventData(None, {"source": source}))
    assert items(result)[0][0] == "ok" and "questions are no longer answered from it" in result
    assert viewer == "" and f'data-delete="{source}"' not in listing
    assert source not in open_store(docs.settings).file_records()
    assert not (docs.settings.corpus_dir / source).exists() and docs.engine.synced
    before = snapshot(docs.settings)
    for bad in (source, "../data/chroma/chroma.sqlite3", "/etc/passwd", ""):
        assert "nothing was deleted" in docs.delete_source(bad)
    assert "nothing was deleted" in docs.delete(gr.EventData(None, {"source": 42}))[0]
    assert snapshot(docs.settings) == before


def test_while_another_ingest_runs_uploads_wait_and_deletes_are_refused(docs, tmp_path):
    with ingest_lock(docs.settings.lock_path):
        result, _, _ = docs.add_and_index([upload(tmp_path, "okapi.md", OKAPI.encode())],
                                          progress=NO_PROGRESS)
        deleted = docs.delete_source("okapi.md")
    assert items(result)[0][0] == "wait" and "Another ingest is running" in result
    assert "1 added but not indexed" in result
    assert "Another ingest is running" in deleted and (docs.settings.corpus_dir / "okapi.md").exists()
    assert status(docs, "okapi.md") == "not indexed yet"
    docs.reingest(progress=NO_PROGRESS)
    assert status(docs, "okapi.md") == "indexed"
