"""Tests for ingest/chunk.py: offsets, sections, titles, residue exclusion and ids."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from ingest.chunk import chunk_document, heading_level, outline
from ingest.clean import LINE_KINDS, find_residue
from ingest.load import Document, load_document
from tests.conftest import DEFAULT_CORPUS, make_pdf

CORPUS_FILES = sorted(p.name for p in DEFAULT_CORPUS.iterdir() if p.suffix == ".txt")
SEROTONIN = "mdma-and-the-serotonin-system.txt"
HUBERMAN = "mdma-therapeutic-potential-hubermanlab.txt"


def corpus_doc(name: str) -> Document:
    return load_document(DEFAULT_CORPUS / name, root=DEFAULT_CORPUS)


def corpus_chunks(name: str):
    return chunk_document(corpus_doc(name))


def chunk_with(name: str, phrase: str):
    [chunk] = [c for c in corpus_chunks(name) if phrase in c.text]
    return chunk


def uncovered(doc: Document, chunks, *, residue: bool = True) -> list[str]:
    """Non-blank stretches of `doc.text` in no chunk (nor in line residue, if `residue`)."""
    covered = [False] * len(doc.text)
    spans = [(c.start, c.end) for c in chunks]
    if residue:
        spans += [(r.start, r.end) for r in find_residue(doc.text) if r.kind in LINE_KINDS]
    for start, end in spans:
        covered[start:end] = [True] * (end - start)
    gaps = "".join("\0" if cov else ch for ch, cov in zip(doc.text, covered))
    return [gap for gap in gaps.split("\0") if gap.strip()]


def test_corpus_is_present():
    assert len(CORPUS_FILES) == 3


# --- every chunk of every corpus file ----------------------------------------------------------

@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunk_offsets_are_exact(name):
    doc = corpus_doc(name)
    chunks = chunk_document(doc)
    assert chunks
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.source == name


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunks_are_stripped_bounded_and_in_order(name):
    chunks = corpus_chunks(name)
    for c in chunks:
        assert c.text and c.text == c.text.strip()
        assert len(c.text) <= 1000
        assert c.page is None and c.page_end is None
    assert all(a.start < b.start and a.end < b.end for a, b in zip(chunks, chunks[1:]))


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunks_contain_no_line_residue(name):
    doc = corpus_doc(name)
    residue = [r for r in find_residue(doc.text) if r.kind in LINE_KINDS]
    assert residue
    for c in chunk_document(doc):
        assert not any(r.start < c.end and r.end > c.start for r in residue)


@pytest.mark.parametrize("phrase", ["Previous", "LSD: A Comprehensive Resource", "Table of Contents",
                                    "\u201c`html", "Here is the article:", "From: hubermanlab",
                                    "This causes a flood of serotonin in the", "\n.\n"])
def test_corpus_chunks_never_show_residue_phrases(phrase):
    for name in CORPUS_FILES:
        assert not any(phrase in c.text for c in corpus_chunks(name))


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_text_outside_residue_is_all_chunked(name):
    doc = corpus_doc(name)
    assert uncovered(doc, chunk_document(doc)) == []


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunk_ids_are_unique_hex_and_deterministic(name):
    ids = [c.id for c in corpus_chunks(name)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert ids == [c.id for c in corpus_chunks(name)]


def test_corpus_chunk_ids_are_the_same_in_another_process():
    script = ("from ingest.chunk import chunk_document; from ingest.load import load_document; "
              f"from pathlib import Path; root = Path({str(DEFAULT_CORPUS)!r}); "
              f"print(*[c.id for c in chunk_document(load_document(root / {HUBERMAN!r}, root=root))])")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(DEFAULT_CORPUS.parent)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [c.id for c in corpus_chunks(HUBERMAN)]


def test_corpus_chunk_ids_are_unique_across_files():
    ids = [c.id for name in CORPUS_FILES for c in corpus_chunks(name)]
    assert len(set(ids)) == len(ids)


def test_most_corpus_chunks_are_well_sized():
    sizes = [len(c.text) for name in CORPUS_FILES for c in corpus_chunks(name)]
    assert sum(300 <= s <= 1000 for s in sizes) >= 0.75 * len(sizes)


@pytest.mark.parametrize("name, title", [
    (SEROTONIN, "MDMA and the Serotonin System"),
    ("mdma-brain-rewiring-study.txt",
     "MDMA\u2018s Profound Impact: New Study Details Brain Rewiring of \u2018Love Drug\u2019"),
    (HUBERMAN, "MDMA Therapeutic Potential (hubermanlab)"),
])
def test_corpus_titles(name, title):
    assert {c.title for c in corpus_chunks(name)} == {title}


# --- headings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("line, level", [
    ("Mechanisms of Action", 1),
    ("  1. Post-Traumatic Stress Disorder (PTSD):", 2),
    ("  1. Depression:", 2),
    ("Symptoms of Serotonin Syndrome:", 2),
    ("1. Neurotransmitter Interactions Beyond Serotonin", 1),
    ("  • Dopamine and Norepinephrine:", 2),
    ("Can MDMA cause long-term cognitive damage?", 2),
    ("MDMA primarily affects serotonin (5-HT) by:", None),
    ("Here is a quick guide to help you separate fact from fiction:", None),
    ("MDMA increases serotonin levels in the brain by inhibiting the serotonin transporter.", None),
    ("| Myth | Fact |", None),
    ("  • Mild: Restlessness, shivering, sweating, diarrhea.", None),
    ("Why?", None),
    ("", None),
])
def test_heading_level(line, level):
    assert heading_level(line) == level


# --- sections ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, phrase, section", [
    (SEROTONIN, "Therapeutic doses (75\u2013125 mg)", "MDMA\u2019s Therapeutic Safety Profile"),
    (HUBERMAN, "A significant area of research is the use of MDMA in conjunction therapy for PTSD",
     "Therapeutic Potential \u203a PTSD and Anxiety"),
    (HUBERMAN, "MDMA, known chemically as 3,4-methylenedioxymethamphetamine",
     "MDMA Therapeutic Potential (hubermanlab)"),
    (HUBERMAN, "stands apart from classic psychedelics", "Mechanisms of Action"),
])
def test_corpus_chunk_sections(name, phrase, section):
    assert chunk_with(name, phrase).section == section


def test_huberman_intro_chunk_ends_before_first_heading():
    intro = chunk_with(HUBERMAN, "MDMA, known chemically as")
    assert "Mechanisms of Action" not in intro.text
    assert intro.section == intro.title


def test_booster_dose_chunk_is_under_science_of_dosing():
    assert chunk_with(SEROTONIN, "smaller \u201cbooster\u201d dose").section.startswith(
        "The Science of Dosing")


def test_docstring_example():
    doc = Document("a.txt", "Risks\n\nMDMA can cause harm.", None, "text")
    assert [(c.section, c.text) for c in chunk_document(doc)] == [
        ("Risks", "Risks\n\nMDMA can cause harm.")]


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_chunks_never_end_on_an_empty_heading(name):
    doc = corpus_doc(name)
    sections = outline(doc)
    for c in chunk_document(doc):
        assert not any(c.start <= s.start < c.end and not c.text[s.end - c.start:].strip()
                       for s in sections)


LONG_PARAGRAPH = " ".join(f"Sentence {i} explains one more detail about serotonin and mood."
                          for i in range(30))


@pytest.mark.parametrize("text, chunk_size", [
    ("Intro paragraph here.\n\nKey Points\n\nPrevious\nNext\n", 1000),
    ("Intro paragraph here.\n\nKey Points\n\nSub Points:\n\nFrom: example\n", 1000),
    (f"Intro paragraph here.\n\nKey Points\n\n{LONG_PARAGRAPH}", 1000),
    (f"Intro paragraph here.\n\nKey Points\n\n{LONG_PARAGRAPH[:500]}", 300),
], ids=["heading-then-nav", "headings-then-boilerplate", "heading-then-long-paragraph",
        "heading-then-paragraph-over-chunk-size"])
def test_no_chunk_is_only_headings(text, chunk_size):
    doc = Document("a.txt", text, None, "text")
    heading_lines = {doc.text[s.start:s.end] for s in outline(doc)}
    assert "Key Points" in heading_lines
    chunks = chunk_document(doc, chunk_size=chunk_size)
    only_headings = [c.text for c in chunks
                     if not {ln for ln in c.text.splitlines() if ln.strip()} - heading_lines]
    assert only_headings == []


def test_trailing_sub_heading_with_nothing_under_it_is_dropped():
    text = "Risks\n\nMDMA can cause harm.\n\nSome Sub Heading:\n\n.\n\nBenefits\n\nIt may help."
    chunks = chunk_document(Document("a.txt", text, None, "text"))
    assert [(c.section, c.text) for c in chunks] == [
        ("Risks", "Risks\n\nMDMA can cause harm."), ("Benefits", "Benefits\n\nIt may help.")]


# --- markdown, PDF and metadata ----------------------------------------------------------------

def paragraph(topic: str, n: int = 4) -> str:
    return " ".join(f"{topic} sentence {i} adds one more detail to this part." for i in range(n))


MARKDOWN = (f"# Serotonin Guide\n\n{paragraph('Intro')}\n\n## Release\n\n{paragraph('Release')}\n\n"
            f"{paragraph('Release more')}\n\n## Reuptake\n\n{paragraph('Reuptake')}\n\n"
            f"### Detail\n\n{paragraph('Detail')}\n\n# Appendix\n\n{paragraph('Appendix')}\n")


def markdown_chunks(tmp_path, chunk_size=400):
    path = tmp_path / "guide.md"
    path.write_text(MARKDOWN)
    doc = load_document(path, root=tmp_path)
    return doc, chunk_document(doc, chunk_size=chunk_size)


def test_markdown_chunks_never_cross_a_heading(tmp_path):
    doc, chunks = markdown_chunks(tmp_path)
    assert len(chunks) >= 5
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert "\n#" not in c.text


@pytest.mark.parametrize("phrase, section", [
    ("Intro sentence 0", "Serotonin Guide"),
    ("Release sentence 3", "Release"),
    ("Release more sentence 2", "Release"),
    ("Reuptake sentence 1", "Reuptake"),
    ("Detail sentence 2", "Reuptake \u203a Detail"),
    ("Appendix sentence 0", "Appendix"),
])
def test_markdown_sections_come_from_hash_headings(tmp_path, phrase, section):
    _, chunks = markdown_chunks(tmp_path)
    [chunk] = [c for c in chunks if phrase in c.text]
    assert chunk.section == section
    assert chunk.title == "Serotonin Guide"


def pdf_lines(page: int, n: int = 14) -> list[str]:
    return [f"Page {page} note {i}: serotonin levels shift in a measured way in trial {i}."
            for i in range(n)]


@pytest.mark.parametrize("lines_per_page, chunk_size, pages", [
    (14, 300, [(1, 1), (2, 2)]),
    (2, 1000, [(1, 2)]),
])
def test_pdf_chunks_carry_pages(tmp_path, lines_per_page, chunk_size, pages):
    texts = ["\n".join(pdf_lines(n, lines_per_page)) for n in (1, 2)]
    path = make_pdf(tmp_path / "notes.pdf", texts, title="Dosing Notes")
    doc = load_document(path, root=tmp_path)
    chunks = chunk_document(doc, chunk_size=chunk_size, chunk_overlap=0)
    assert sorted({(c.page, c.page_end) for c in chunks}) == pages
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text
        assert c.page_end >= c.page
        assert c.metadata()["page"] == c.page and c.metadata()["page_end"] == c.page_end
        assert c.title == "Dosing Notes"
        expected = {int(m) for m in re.findall(r"Page (\d) note", c.text)}
        assert expected == set(range(c.page, c.page_end + 1))
    assert uncovered(doc, chunks, residue=False) == []


def test_pdf_paragraph_wrapped_across_lines_is_fully_chunked(tmp_path):
    # a PDF's visual lines end wherever the line was full, often on "the" or "of"
    lines = ["Serotonin release rises sharply after a dose, and mood lifts within the",
             "first hour. Stores of serotonin are then depleted over the course of",
             "several days, which explains the low mood that many users report in",
             "the week after. Repeated doses deepen this effect."]
    path = make_pdf(tmp_path / "wrapped.pdf", ["\n".join(lines)])
    doc = load_document(path, root=tmp_path)
    assert doc.text == "\n".join(lines)
    assert uncovered(doc, chunk_document(doc), residue=False) == []


def test_metadata_of_text_chunk_has_no_page_and_no_none():
    [chunk] = chunk_document(Document("a.txt", "Risks\n\nMDMA can cause harm.", None, "text"))
    meta = chunk.metadata()
    assert meta == {"source": "a.txt", "title": "Risks", "section": "Risks",
                    "start": 0, "end": len(chunk.text)}
    assert None not in meta.values()


# --- ids and sizes -----------------------------------------------------------------------------

BEFORE = "Risks\n\nMDMA can cause harm.\n\nBenefits\n\nIt may help some patients."


def test_chunk_id_depends_on_content_not_offsets():
    after = BEFORE.replace("cause harm.", "cause serious harm to the heart.")
    old = chunk_document(Document("a.txt", BEFORE, None, "text"))
    new = chunk_document(Document("a.txt", after, None, "text"))
    shift = len(after) - len(BEFORE)
    assert old[0].id != new[0].id
    assert (old[1].id, old[1].text) == (new[1].id, new[1].text)
    assert (new[1].start, new[1].end) == (old[1].start + shift, old[1].end + shift)


@pytest.mark.parametrize("edit", [
    lambda t: t.replace("some patients", "many patients"),
    lambda t: t.replace("Benefits", "Possible Benefits"),
])
def test_chunk_id_changes_when_its_text_changes(edit):
    old = chunk_document(Document("a.txt", BEFORE, None, "text"))
    new = chunk_document(Document("a.txt", edit(BEFORE), None, "text"))
    assert old[0].id == new[0].id
    assert old[1].id != new[1].id


def test_chunk_id_depends_on_source():
    a = chunk_document(Document("a.txt", BEFORE, "T", "text"))
    b = chunk_document(Document("b.txt", BEFORE, "T", "text"))
    assert [c.id for c in a] != [c.id for c in b]


@pytest.mark.parametrize("chunk_size, overlap", [(400, 150), (400, 0), (250, 50)])
def test_long_paragraph_chunks_respect_size_and_end_sentences(chunk_size, overlap):
    doc = Document("p.txt", LONG_PARAGRAPH, None, "text")
    chunks = chunk_document(doc, chunk_size=chunk_size, chunk_overlap=overlap)
    assert len(chunks) >= len(LONG_PARAGRAPH) // chunk_size
    for c in chunks:
        assert len(c.text) <= chunk_size
        assert c.text.endswith(".")
        assert doc.text[c.start:c.end] == c.text
    assert uncovered(doc, chunks, residue=False) == []


def test_repeated_lines_are_located_in_order():
    text = "\n".join(["Serotonin rises after a dose.", "Mood lifts for a few hours.",
                      "Stores are then depleted."] * 6)
    chunks = chunk_document(Document("r.txt", text, None, "text"), chunk_size=200, chunk_overlap=0)
    spans = [(c.start, c.end) for c in chunks]
    assert spans == sorted(spans)
    assert [a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])] == [True] * (
        len(spans) - 1)
    assert spans[-1][1] == len(text)
