"""Uploads into the corpus folder: types, sizes, counts, safe and distinct names, atomic replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.web.uploads import MAX_NAME_BYTES, safe_name, save_to_corpus, save_uploads
from ingest.errors import UploadError


@pytest.mark.parametrize("name,expected", [
    ("../../etc/My Notes (v2).md", "My-Notes-v2.md"),
    ("C:\\Users\\x\\report.PDF", "report.pdf"),
    (".bashrc", ""),
    ("café notes.txt", "café-notes.txt"),
    ("Отчёт о сне.md", "Отчёт-о-сне.md"),
    ("血清素　笔记.TXT", "血清素-笔记.txt"),  # an ideographic space; NFKC makes it a space
    ("\ufb01le\u202egpj.txt", "file-gpj.txt"),  # a ligature unfolded, a right-to-left override dropped
    ("....", ""),
    ("<script>.html", "script.html"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_long_names_are_cut_to_whole_characters_within_the_byte_limit():
    name = safe_name("名" * 200 + ".md")
    assert name.endswith("名.md") and set(name[:-3]) == {"名"}
    assert MAX_NAME_BYTES - 3 <= len(name.encode()) <= MAX_NAME_BYTES


def test_saves_supported_files_and_replaces_same_name(tmp_path):
    corpus, upload = tmp_path / "corpus", tmp_path / "in.md"
    corpus.mkdir()
    upload.write_text("# One\n\nfirst")
    first = save_to_corpus(upload, corpus, max_bytes=1000, original_name="../x-y.md")
    assert (first.name, first.replaced, str(first)) == ("x-y.md", False,
                                                         "Added x-y.md to the corpus folder.")
    upload.write_text("# One\n\nsecond")
    again = save_to_corpus(upload, corpus, max_bytes=1000, original_name="x-y.md")
    assert str(again) == "Replaced x-y.md in the corpus folder."
    assert (corpus / "x-y.md").read_text().endswith("second")
    assert [p.name for p in corpus.iterdir()] == ["x-y.md"]  # no temporary file left


def named(tmp_path, name: str, text: str) -> Path:
    """A file called `name` in a folder of its own, as Gradio hands uploads over."""
    (tmp_path / "in").mkdir(exist_ok=True)
    folder = tmp_path / "in" / str(len(list((tmp_path / "in").iterdir())))
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_names_that_clean_alike_never_overwrite_another_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-b.txt").write_text("kept")
    uploads = [named(tmp_path, "a b.txt", "one"), named(tmp_path, "a?b.txt", "two"),
               named(tmp_path, "a-b.txt", "three")]
    saved, problems = save_uploads(uploads, corpus, max_bytes=1000)
    assert problems == [] and [s.name for s in saved] == ["a-b-2.txt", "a-b-3.txt", "a-b.txt"]
    assert [(corpus / s.name).read_text() for s in saved] == ["one", "two", "three"]
    assert "a-b-2.txt to the corpus folder (a-b.txt is another file" in str(saved[0])
    assert saved[2].replaced  # only an upload of exactly that name replaces a file


def test_too_many_files_or_a_full_corpus_are_refused_with_a_message(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "old.txt").write_text("x" * 900)
    many = [named(tmp_path, f"n{i}.txt", "x") for i in range(3)]
    assert save_uploads(many, corpus, max_bytes=1000, max_files=2) == (
        [], ["3 files at once is more than the 2 one upload may add; add them in smaller groups"])
    big, small = named(tmp_path, "big.txt", "y" * 200), named(tmp_path, "small.txt", "z" * 50)
    saved, problems = save_uploads([big, small], corpus, max_bytes=1000, max_corpus_bytes=1000)
    assert [s.name for s in saved] == ["small.txt"]
    assert problems == ["big.txt: the corpus folder would grow past its size limit of 0.001 MB; "
                        "remove documents first"]
    replace = named(tmp_path, "old.txt", "w" * 940)  # replacing frees the old file's room
    assert save_uploads([replace], corpus, max_bytes=1000, max_corpus_bytes=1000)[1] == []


@pytest.mark.parametrize("name,data,message", [
    ("tool.exe", b"MZ", "unsupported file type"),
    ("big.txt", b"x" * 2001, "over the 0.002 MB limit"),
    ("empty.txt", b"", "empty file"),
])
def test_refuses_with_a_message_naming_the_file(tmp_path, name, data, message):
    upload = tmp_path / name
    upload.write_bytes(data)
    (tmp_path / "corpus").mkdir()
    with pytest.raises(UploadError, match=message) as info:
        save_to_corpus(upload, tmp_path / "corpus", max_bytes=2000)
    assert str(info.value).startswith(name)
    assert not any((tmp_path / "corpus").iterdir())


@pytest.mark.parametrize("name,data,reason", [
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40, "binary content, not text"),
    ("blank.md", b" \n\n\t\n", "empty file"),
    ("latin1.txt", "café au lait".encode("latin-1"), "invalid UTF-8 at byte 3"),
    ("scan.pdf", b"%PDF-1.4 this is no PDF at all", "PDF"),
])
def test_content_ingest_cannot_read_is_refused_before_anything_is_written(tmp_path, name, data,
                                                                          reason):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kept.md").write_text("# Kept\n\nAlready here.")
    upload = tmp_path / name
    upload.write_bytes(data)
    saved, problems = save_uploads([upload], corpus, max_bytes=10_000)
    assert saved == [] and len(problems) == 1
    assert problems[0].startswith(f"{name}: ") and reason in problems[0]
    assert sorted(p.name for p in corpus.iterdir()) == ["kept.md"]  # no temporary file either


def test_one_bad_file_among_good_ones_is_refused_alone(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    uploads = [named(tmp_path, "one.md", "# One\n\nFirst note."),
               named(tmp_path, "junk.txt", "\x00\x01\x02" * 50),
               named(tmp_path, "two.txt", "Second note.")]
    saved, problems = save_uploads(uploads, corpus, max_bytes=10_000)
    assert [s.name for s in saved] == ["one.md", "two.txt"]
    assert problems == ["junk.txt: binary content, not text"]
    assert sorted(p.name for p in corpus.iterdir()) == ["one.md", "two.txt"]


def test_the_check_ingest_runs_refuses_a_page_with_nothing_but_navigation(tmp_path):
    from ingest.index import read_chunks
    from ingest.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    menu = named(tmp_path, "menu.html", "<html><body><nav><p>Home</p><p>About</p></nav></body></html>")
    check = lambda path, data: read_chunks(path, corpus, settings, data)
    saved, problems = save_uploads([menu], corpus, max_bytes=10_000, check=check)
    assert saved == [] and problems[0].startswith("menu.html: no text")
    assert not any(corpus.iterdir())
