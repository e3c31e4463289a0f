"""Tests for bench/synthetic.py: the generated corpus the scale benchmark ingests."""

from __future__ import annotations

from bench.synthetic import edit_lines, make_corpus
from ingest.chunk import chunk_document
from ingest.load import load_document, read_text


def chunk_count(folder) -> int:
    return sum(len(chunk_document(load_document(p, root=folder), chunk_size=300, chunk_overlap=50))
               for p in folder.iterdir())


def test_corpus_reaches_the_chunk_target_and_is_reproducible(tmp_path):
    files, chunks = make_corpus(tmp_path / "a", chunks=400, chunk_size=300, chunk_overlap=50)
    assert chunks >= 400 and chunks == chunk_count(tmp_path / "a")
    assert files == len(list((tmp_path / "a").iterdir())) >= 2
    make_corpus(tmp_path / "b", chunks=400, chunk_size=300, chunk_overlap=50)
    for path in (tmp_path / "a").iterdir():
        assert read_text(path) == read_text(tmp_path / "b" / path.name)
    text = read_text(tmp_path / "a" / "report-00000.md")
    assert text.startswith("# Report 0:") and "\n## " in text


def test_edit_changes_exactly_the_asked_number_of_paragraphs(tmp_path):
    make_corpus(tmp_path, chunks=100, chunk_size=300, chunk_overlap=50)
    path = tmp_path / "report-00000.md"
    before = read_text(path).split("\n")
    edit_lines(path, 5)
    after = read_text(path).split("\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(before) == len(after) and len(changed) == 5
    assert all(before[i] and not before[i].startswith("#") for i in changed)
