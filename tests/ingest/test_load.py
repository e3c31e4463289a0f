"""Tests for ingest/load.py: every format's text, title, headings and pages, and every refusal."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.errors import LoadError
from ingest.load import decode_text, load_document, read_text, scan_corpus
from tests.conftest import make_pdf


def load(path: Path):
    return load_document(path, root=path.parent)


# --- module and helper docstrings -------------------------------------------------------------

def test_module_docstring_example():
    Path("corpus").mkdir()
    Path("corpus/notes.md").write_text("# Notes on serotonin\n\nSerotonin is a neurotransmitter.\n")
    doc = load_document(Path("corpus/notes.md"), root=Path("corpus"))
    assert (doc.source, doc.title) == ("notes.md", "Notes on serotonin")


def test_decode_text_docstring_example():
    assert decode_text("caf\u00e9".encode()) == "café"


# --- .txt --------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"Line one\r\nLine two\r\n",
    b"Mixed\r\nbreaks\nand\rold mac\n",
    "Caf\u00e9 \u2018quotes\u2019 \u2013 dash\n\nEnd".encode(),
    b"\xef\xbb\xbfBOM first line\nsecond\n",
])
def test_txt_text_is_the_exact_utf8_decoding(tmp_path, data):
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    doc = load(path)
    assert doc.text == data.decode("utf-8")
    assert (doc.kind, doc.title, doc.headings, doc.pages) == ("text", None, [], [])


# --- .md ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, title", [
    ('---\ntitle: "Front Title"\nauthor: me\n---\n# Heading One\n\nBody.\n', "Front Title"),
    ("---\nauthor: me\n---\n# Heading One\n\nBody.\n", "Heading One"),
    ("Intro line.\n\n## Sub first\n\n# Real Title\n\nBody.\n", "Real Title"),
    ("No headings at all.\n", None),
])
def test_markdown_title(tmp_path, text, title):
    path = tmp_path / "notes.md"
    path.write_text(text)
    doc = load(path)
    assert doc.title == title
    assert doc.kind == "markdown"
    assert doc.text == text


def test_markdown_headings_have_levels_and_offsets(tmp_path):
    text = "# One\n\nText.\n\n## Two ##\n\nMore.\n   ### Three\n#not-a-heading\n"
    path = tmp_path / "a.markdown"
    path.write_text(text)
    doc = load(path)
    assert [h.level for h in doc.headings] == [1, 2, 3]
    assert [doc.text[h.start:h.end] for h in doc.headings] == ["# One", "## Two ##", "   ### Three"]
    for h in doc.headings:
        line_start = doc.text.rfind("\n", 0, h.start) + 1
        assert doc.text[line_start:h.end].lstrip().startswith("#")


def test_markdown_heading_span_excludes_crlf(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes(b"# Title\r\n\r\nBody.\r\n\r\n## Part\r\n\r\nMore.\r\n")
    doc = load(path)
    assert [doc.text[h.start:h.end] for h in doc.headings] == ["# Title", "## Part"]


def test_markdown_hash_lines_inside_code_fence_are_not_headings(tmp_path):
    path = tmp_path / "code.md"
    path.write_text("Run this:\n\n```bash\n# install the package\npip install x\n```\n\nDone.\n")
    doc = load(path)
    assert doc.headings == []
    assert doc.title is None


# --- .html -------------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head><title>  Serotonin
   Guide </title><style>.secret-style { color: red }</style>
<script>var secretScript = 1;</script></head><body>
<nav><a href="/">Nav link</a></nav><header>Site header</header>
<h1>Main Heading</h1><p>First   paragraph
 of text.</p><h2>Sub &amp; part</h2>
<ul><li>Item <b>one</b></li><li><p>Item two</p></li></ul>
<aside>Aside text</aside><footer>Footer text</footer></body></html>"""


@pytest.mark.parametrize("name", ["page.html", "page.htm", "PAGE.HTML"])
def test_html_visible_blocks_separated_by_blank_lines(tmp_path, name):
    path = tmp_path / name
    path.write_text(PAGE)
    doc = load(path)
    assert doc.kind == "html"
    assert doc.title == "Serotonin Guide"
    assert doc.text == "Main Heading\n\nFirst paragraph of text.\n\nSub & part\n\nItem one\n\nItem two"


@pytest.mark.parametrize("dropped", ["secret-style", "secretScript", "Nav link", "Site header",
                                     "Aside text", "Footer text"])
def test_html_drops_script_style_and_navigation(tmp_path, dropped):
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    assert dropped not in load(path).text


def test_html_heading_offsets_point_at_heading_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE)
    doc = load(path)
    assert [(doc.text[h.start:h.end], h.level) for h in doc.headings] == [
        ("Main Heading", 1), ("Sub & part", 2)]


def test_html_without_title_uses_first_h1(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><h2>Second level</h2><h1>First H1</h1><p>x y</p>"
                    "<h1>Later H1</h1></body></html>")
    assert load(path).title == "First H1"


def test_html_entities_are_decoded_once(tmp_path):
    # the browser shows "Write &lt;p&gt; tags." for this markup
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>Write &amp;lt;p&amp;gt; tags.</p></body></html>")
    assert load(path).text == "Write &lt;p&gt; tags."


# --- .pdf --------------------------------------------------------------------------------------

def test_pdf_pages_map_into_text(tmp_path):
    path = make_pdf(tmp_path / "two.pdf", ["Page one says hello.", "Page two says goodbye."])
    doc = load(path)
    assert doc.kind == "pdf"
    assert [p.number for p in doc.pages] == [1, 2]
    assert [doc.text[p.start:p.end] for p in doc.pages] == [
        "Page one says hello.", "Page two says goodbye."]
    assert doc.text == "Page one says hello.\n\nPage two says goodbye."


@pytest.mark.parametrize("title, expected", [("Dosing Notes", "Dosing Notes"), (None, None)])
def test_pdf_metadata_title(tmp_path, title, expected):
    path = make_pdf(tmp_path / "t.pdf", ["Some text."], title=title)
    assert load(path).title == expected


def test_pdf_with_owner_password_only_loads(tmp_path):
    path = make_pdf(tmp_path / "owner.pdf", ["Readable text."], user_password="")
    assert load(path).text == "Readable text."


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty"),
    ("blank.md", b"  \n\t\r\n  ", "empty"),
    ("nbsp.txt", "\u00a0\u2003\n".encode(), "no text"),
    ("nuls.txt", b"text\x00with\x00nuls", "binary"),
    ("random.txt", random.Random(0).randbytes(4096), "binary"),
    ("controls.md", b"ab\x01\x02\x03\x04cdefghij", "binary"),
    ("latin1.txt", b"caf\xe9 au lait", "invalid UTF-8 at byte 3"),
    ("latin1.html", b"<p>caf\xe9</p>", "invalid UTF-8 at byte 6"),
    ("garbage.pdf", b"this is not a PDF at all\n", "cannot parse PDF"),
    ("random.pdf", random.Random(1).randbytes(2048), "cannot parse PDF"),
    ("scripts.html", b"<html><body><script>x = 1</script></body></html>", "no text"),
])
def test_unreadable_files_raise_load_error(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=message):
        load(path)


def test_encrypted_pdf_from_fpdf2(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", ["Top secret."], user_password="secret")
    with pytest.raises(LoadError, match="encrypted"):
        load(path)


def test_encrypted_pdf_from_pypdf(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Top secret."])
    writer = PdfWriter(clone_from=plain)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    with pytest.raises(LoadError, match="encrypted"):
        load(locked)


def test_pdf_without_text_says_scanned(tmp_path):
    path = make_pdf(tmp_path / "blank.pdf", [""])
    with pytest.raises(LoadError, match=r"no text in file \(scanned PDF\?\)"):
        load(path)


@pytest.mark.parametrize("make", [lambda p: None, lambda p: p.mkdir()], ids=["missing", "folder"])
def test_unreadable_path_raises_load_error(tmp_path, make):
    path = tmp_path / "x.txt"
    make(path)
    with pytest.raises(LoadError, match="cannot read file"):
        load(path)


# --- scan_corpus -------------------------------------------------------------------------------

def test_scan_corpus_splits_supported_and_skipped(tmp_path):
    files = ["b.txt", "a.md", "c.markdown", "d.htm", "e.HTML", "f.pdf", "sub/a.txt",
             "sub/deeper/z.md", "x.docx", "y.csv", "sub/noext",
             ".DS_Store", ".hidden.txt", ".git/config.txt", "sub/.cache/k.md"]
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("hi")
    supported, skipped = scan_corpus(tmp_path)
    rel = lambda paths: sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert rel(supported) == ["a.md", "b.txt", "c.markdown", "d.htm", "e.HTML", "f.pdf",
                              "sub/a.txt", "sub/deeper/z.md"]
    assert rel(skipped) == ["sub/noext", "x.docx", "y.csv"]
    assert supported == sorted(supported) and skipped == sorted(skipped)


def test_source_is_posix_path_relative_to_root(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    path.parent.mkdir()
    path.write_text("Some text.")
    assert load_document(path, root=tmp_path).source == "sub/a.txt"


# --- read_text ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, expected", [
    ("a.txt", b"Plain\r\ntext.\r\n", "Plain\r\ntext.\r\n"),
    ("a.md", b"# Title\n\nBody.\n", "# Title\n\nBody.\n"),
    ("a.html", b"<html><head><title>T</title></head><body><h1>H</h1><p>Body.</p></body></html>",
     "H\n\nBody."),
    ("a.pdf", None, "Page one.\n\nPage two."),
])
def test_read_text_matches_document_text(tmp_path, name, data, expected):
    path = tmp_path / "sub" / name
    path.parent.mkdir()
    if data is None:
        make_pdf(path, ["Page one.", "Page two."])
    else:
        path.write_bytes(data)
    assert read_text(path) == expected == load_document(path, root=tmp_path).text
