"""Tests for ingest/load.py's bounds: PDF bombs, the PDF worker's failures, big HTML, symlinks."""

from __future__ import annotations

import resource
import zlib
from pathlib import Path

import pytest

import ingest.load as load_module
from ingest.load import LoadError, load_document, scan_corpus, skip_reason
from tests.conftest import make_pdf

MB = 1_000_000


def pdf_bomb(path: Path, pages: int, content: bytes) -> Path:
    """A PDF whose every page has its own FlateDecode copy of `content`.

    Hand-written (catalog, page tree, one font, a page and a stream per page, xref),
    so a page of 60 MB of spaces costs 60 kB on disk and one compression.
    """
    stream = zlib.compress(content, 9)
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids = []
    for i in range(pages):
        page, body = 4 + 2 * i, 5 + 2 * i
        kids.append(b"%d 0 R" % page)
        objects[page] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                         b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % body)
        objects[body] = (b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                         + stream + b"\nendstream")
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    out, offsets = bytearray(b"%PDF-1.4\n"), {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def load(path: Path):
    return load_document(path, root=path.parent)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# --- PDF budgets -------------------------------------------------------------------------------

def test_pdf_bomb_is_refused_without_growing_this_process(tmp_path):
    # 1.2 MB on disk, 1.2 GB decompressed: pypdf's 75 MB cap per stream does not stop it
    path = pdf_bomb(tmp_path / "bomb.pdf", 20, b" " * (60 * MB))
    assert path.stat().st_size < 2 * MB
    before = peak_rss_mb()
    with pytest.raises(LoadError, match=r"PDF page 1 expands past 32 MB of content; not indexed"):
        load(path)
    assert peak_rss_mb() - before < 200


def test_pdf_past_the_whole_file_budget_is_refused(tmp_path, monkeypatch):
    # every page is under the page budget, together they are not
    monkeypatch.setattr(load_module, "PDF_MAX_PAGE_CONTENT", 1 * MB)
    monkeypatch.setattr(load_module, "PDF_MAX_CONTENT", 2 * MB)
    path = pdf_bomb(tmp_path / "bomb.pdf", 3, b" " * (MB - 1))
    with pytest.raises(LoadError, match=r"PDF expands past 2 MB of page content; not indexed"):
        load(path)


def test_pdf_past_the_text_budget_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PDF_MAX_TEXT_CHARS", 30)
    path = make_pdf(tmp_path / "long.pdf", ["Twenty characters...", "Twenty characters..."])
    with pytest.raises(LoadError, match=r"PDF has more than 30 characters of text; not indexed"):
        load(path)


def test_pdf_under_the_budgets_reads_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PDF_MAX_TEXT_CHARS", 40)
    path = make_pdf(tmp_path / "ok.pdf", ["Twenty characters...", "Twenty characters..."],
                    title="Fine")
    doc = load(path)
    assert (doc.text, doc.title) == ("Twenty characters...\n\nTwenty characters...", "Fine")
    assert [(p.start, p.end, p.number) for p in doc.pages] == [(0, 20, 1), (22, 42, 2)]


# --- the PDF worker's failures -----------------------------------------------------------------

def test_pdf_worker_out_of_memory_is_a_load_error(tmp_path, monkeypatch):
    # pypdf imported, the child has ~35 MB left: decoding a 30 MB page does not fit
    monkeypatch.setattr(load_module, "PDF_WORKER_MEMORY", 80 * MB)
    path = pdf_bomb(tmp_path / "big.pdf", 1, b" " * (30 * MB))
    with pytest.raises(LoadError, match=r"PDF needs more than 80 MB of memory to read; not indexed"):
        load(path)


def test_pdf_worker_timeout_is_a_load_error(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PDF_WORKER_SECONDS", 0.01)
    path = make_pdf(tmp_path / "slow.pdf", ["Some text."])
    with pytest.raises(LoadError, match=r"PDF took longer than 0.01 s to read; not indexed"):
        load(path)


@pytest.mark.parametrize("script, message", [
    ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", r"PDF reader crashed \(SIGSEGV\)"),
    ("raise RuntimeError('boom')\n", r"PDF reader failed: RuntimeError: boom"),
    ("print('not json')\n", r"PDF reader failed: exit status 0"),
], ids=["signal", "exception", "garbage"])
def test_pdf_worker_crash_is_a_load_error(tmp_path, monkeypatch, script, message):
    worker = tmp_path / "worker.py"
    worker.write_text(script)
    monkeypatch.setattr(load_module, "_PDF_WORKER", worker)
    path = make_pdf(tmp_path / "a.pdf", ["Some text."])
    with pytest.raises(LoadError, match=message):
        load(path)


# --- HTML size ---------------------------------------------------------------------------------

def test_html_past_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.html"
    path.write_text("<html><body><p>" + "x" * (10 * MB) + "</p></body></html>")
    with pytest.raises(LoadError, match=r"HTML file larger than 10 MB; not indexed"):
        load(path)


# --- symlinks ----------------------------------------------------------------------------------

@pytest.fixture
def linked(tmp_path):
    """A corpus with a plain file, a hidden one, and an outside folder with a secret."""
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (corpus / "sub").mkdir(parents=True)
    (corpus / ".drafts").mkdir()
    outside.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nInside.\n")
    (corpus / ".drafts" / "draft.md").write_text("# Draft\n\nHidden but linked.\n")
    (outside / "secret.txt").write_text("Outside the corpus.\n")
    return corpus, outside


def rel(paths, root):
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_symlink_leaving_the_corpus_is_skipped_with_a_notice(linked):
    corpus, outside = linked
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "sub" / "relative.txt").symlink_to("../../outside/secret.txt")
    (corpus / "folder").symlink_to(outside, target_is_directory=True)
    (corpus / "gone.md").symlink_to(outside / "missing.md")
    (corpus / "hop.txt").symlink_to(corpus / "leak.txt")  # inside, then out
    supported, skipped = scan_corpus(corpus)
    assert rel(supported, corpus) == ["notes.md"]
    assert rel(skipped, corpus) == ["folder", "gone.md", "hop.txt", "leak.txt", "sub/relative.txt"]
    for path in skipped:
        assert skip_reason(path, corpus) == "symlink pointing outside the corpus folder, not indexed"


def test_symlink_to_an_indexed_file_is_skipped_so_nothing_is_indexed_twice(linked):
    corpus, _ = linked
    (corpus / "alias.md").symlink_to("notes.md")
    (corpus / "sub" / "again.md").symlink_to(corpus / "alias.md")  # a chain to the same file
    supported, skipped = scan_corpus(corpus)
    assert rel(supported, corpus) == ["notes.md"]
    assert rel(skipped, corpus) == ["alias.md", "sub/again.md"]
    assert {skip_reason(p, corpus) for p in skipped} == {
        "symlink to notes.md, which is already indexed"}


def test_symlink_to_an_unindexed_file_inside_is_read_once_under_its_name(linked):
    corpus, _ = linked
    (corpus / "b-draft.md").symlink_to(".drafts/draft.md")
    (corpus / "a-draft.md").symlink_to(".drafts/draft.md")  # same file: first name wins
    (corpus / "draft.docx").symlink_to(".drafts/draft.md")
    (corpus / "broken.md").symlink_to("nowhere.md")  # nothing to read: ignored, as before
    (corpus / "inner").symlink_to(corpus / "sub", target_is_directory=True)  # not followed
    supported, skipped = scan_corpus(corpus)
    assert rel(supported, corpus) == ["a-draft.md", "notes.md"]
    assert rel(skipped, corpus) == ["b-draft.md", "draft.docx"]
    assert skip_reason(corpus / "b-draft.md", corpus) == (
        "symlink to .drafts/draft.md, which is already indexed")
    assert skip_reason(corpus / "draft.docx", corpus) == "unsupported file type"
    doc = load_document(corpus / "a-draft.md", root=corpus)
    assert (doc.source, doc.title) == ("a-draft.md", "Draft")


def test_corpus_reached_through_a_symlink_scans_as_usual(linked, tmp_path):
    corpus, outside = linked
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "alias.md").symlink_to("notes.md")
    via = tmp_path / "via"
    via.symlink_to(corpus, target_is_directory=True)
    supported, skipped = scan_corpus(via)
    assert rel(supported, via) == ["notes.md"]
    assert rel(skipped, via) == ["alias.md", "leak.txt"]
    assert [skip_reason(p, via) for p in sorted(skipped)] == [
        "symlink to notes.md, which is already indexed",
        "symlink pointing outside the corpus folder, not indexed"]

