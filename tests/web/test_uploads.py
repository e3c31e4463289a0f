"""Uploads into the corpus folder: types, sizes, safe names, atomic replace."""

from __future__ import annotations

import pytest

from app.web.uploads import safe_name, save_to_corpus
from ingest.errors import UploadError


@pytest.mark.parametrize("name,expected", [
    ("../../etc/My Notes (v2).md", "My-Notes-v2.md"),
    ("C:\\Users\\x\\report.PDF", "report.pdf"),
    (".bashrc", ""),
    ("café notes.txt", "cafe-notes.txt"),
    ("....", ""),
    ("<script>.html", "script.html"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_saves_supported_files_and_replaces_same_name(tmp_path):
    corpus, upload = tmp_path / "corpus", tmp_path / "in.md"
    corpus.mkdir()
    upload.write_text("# One\n\nfirst")
    assert save_to_corpus(upload, corpus, max_bytes=1000, original_name="../x y.md") == "x-y.md"
    upload.write_text("# One\n\nsecond")
    save_to_corpus(upload, corpus, max_bytes=1000, original_name="x y.md")
    assert (corpus / "x-y.md").read_text().endswith("second")
    assert [p.name for p in corpus.iterdir()] == ["x-y.md"]  # no temporary file left


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
