"""Tests for ingest/sentences.py: sentence spans with exact offsets, and what is not a sentence."""

from __future__ import annotations

import pytest

from ingest.chunk import SECTION_SEPARATOR, Chunk, chunk_document
from ingest.clean import BULLET
from ingest.load import load_document
from ingest.sentences import MIN_WORDS, Sentence, sentences, split_sentences, supports
from tests.conftest import DEFAULT_CORPUS

CORPUS_FILES = sorted(p.name for p in DEFAULT_CORPUS.glob("*.txt"))
OFFSET = 10  # synthetic chunks sit this far into their "file"


def cut(text: str, section: str = "Doc", title: str = "Doc") -> tuple[list[Sentence], str]:
    """The sentences of `text` as a chunk at OFFSET of a file, and that file's text."""
    file_text = " " * OFFSET + text
    chunk = Chunk("id", "a.txt", title, section, OFFSET, len(file_text), text)
    return sentences(chunk), file_text


# --- split_sentences ---------------------------------------------------------------------

@pytest.mark.parametrize("text, pieces", [
    ("Dr. Malenka spoke. It helps (e.g. PTSD).", ["Dr. Malenka spoke.", "It helps (e.g. PTSD)."]),
    ("It is legal in the U.S. for research only. Not elsewhere.",
     ["It is legal in the U.S. for research only.", "Not elsewhere."]),
    ("Effects vary, i.e. by dose. Mr. Smith and Prof. Jones agree.",
     ["Effects vary, i.e. by dose.", "Mr. Smith and Prof. Jones agree."]),
    ("A study by J. Smith found this. Really!", ["A study by J. Smith found this.", "Really!"]),
    ("Is it safe? Nobody knows… Yet.", ["Is it safe?", "Nobody knows…", "Yet."]),
    ("He said “stop.” Then left.", ["He said “stop.”", "Then left."]),
    ("No end mark here", ["No end mark here"]),
    ("   ", []),
])
def test_split_sentences(text, pieces):
    assert [text[a:b] for a, b in split_sentences(text)] == pieces


def test_split_sentences_trims_and_shifts():
    assert split_sentences("  Hello there you.  Bye now!  ", 100) == [(102, 118), (120, 128)]


# --- sentences() ---------------------------------------------------------------------------

def test_docstring_example_leaves_the_bullet_outside_the_span():
    c = Chunk("id", "a.txt", "T", "S", 10, 54, "  • Mild: Restlessness, shivering, sweating.")
    assert [(s.start, s.end, s.text) for s in sentences(c)] == [
        (14, 54, "Mild: Restlessness, shivering, sweating.")]


@pytest.mark.parametrize("bullet", ["• ", "- ", "* ", "1. ", "2) ", "  ▪ "])
def test_bullets_are_outside_the_span(bullet):
    found, _ = cut(f"{bullet}MDMA raises serotonin levels sharply.")
    assert [s.quote for s in found] == ["MDMA raises serotonin levels sharply."]


def test_heading_lines_are_skipped_and_set_the_section():
    found, _ = cut("Risks of Use\nMDMA can raise body temperature a lot.", section="Intro")
    assert [(s.section, s.text) for s in found] == [
        ("Risks of Use", "MDMA can raise body temperature a lot.")]


def test_sub_headings_inside_a_chunk_update_the_section():
    found, _ = cut("Therapeutic Potential\nMDMA shows promise in several trials.\n"
                   "  1. Depression:\nMDMA may help people with depression recover.\n"
                   "  2. Anxiety Disorders:\nIt may ease social anxiety in some adults.",
                   section="Intro")
    assert [(s.section, s.heading) for s in found] == [
        ("Therapeutic Potential", "Therapeutic Potential"),
        (f"Therapeutic Potential{SECTION_SEPARATOR}Depression", "Depression"),
        (f"Therapeutic Potential{SECTION_SEPARATOR}Anxiety Disorders", "Anxiety Disorders")]
    assert found[1].context == "Depression. MDMA may help people with depression recover."


def test_heading_and_context_under_the_title_alone():
    [s], _ = cut("MDMA raises serotonin levels sharply.", section="Doc", title="Doc")
    assert (s.heading, s.context) == ("", s.text)


LIST = ("MDMA affects serotonin in three ways:\n"
        "  • Release: it floods the synapse.\n"
        "  • Blocking: it blocks reuptake.\n"
        "Afterwards, stores can be depleted for days.")


def test_an_intro_ending_in_a_colon_is_joined_with_its_short_items():
    found, _ = cut(LIST)
    assert [s.text for s in found] == [
        "MDMA affects serotonin in three ways: Release: it floods the synapse. "
        "Blocking: it blocks reuptake.",
        "Release: it floods the synapse.",
        "Blocking: it blocks reuptake.",
        "Afterwards, stores can be depleted for days."]
    assert found[0].quote == LIST[:LIST.index("\nAfterwards")]


def test_an_intro_followed_by_long_items_is_not_a_sentence():
    long_item = "  • " + "This item is far too long to be joined to its intro line " * 2 + "ok."
    found, _ = cut(f"MDMA affects serotonin in three ways:\n{long_item}")
    assert all(not s.text.endswith(":") and not s.text.startswith("MDMA affects")
               for s in found)
    assert len(found) == 1


def test_table_cells_are_sentences_except_the_header_and_myth_column():
    found, _ = cut("| Myth | Fact |\n|---|---|\n"
                   "| MDMA is completely safe for everyone. | MDMA carries real risks for some people. |")
    assert [s.text for s in found] == ["MDMA carries real risks for some people."]


@pytest.mark.parametrize("text, kept", [
    ("Can MDMA cause lasting harm to memory? Studies suggest heavy use may impair memory.",
     ["Studies suggest heavy use may impair memory."]),
    ("Too short. Far too short! This sentence has enough words.",
     ["This sentence has enough words."]),
    ("Here is a list of effects:", []),
])
def test_questions_fragments_and_bare_intros_are_not_sentences(text, kept):
    found, _ = cut(text)
    assert [s.text for s in found] == kept


@pytest.mark.parametrize("text", [LIST, "Risks of Use\nMDMA can raise body temperature a lot.",
                                  "| Myth | Fact |\n|---|---|\n| A is B for sure. | MDMA carries real risks here. |",
                                  "Inline residue [02:14:18] is dropped from the shown text."])
def test_synthetic_offsets_point_into_the_file(text):
    found, file_text = cut(text)
    assert found
    for s in found:
        assert s.quote == file_text[s.start:s.end] and supports(s.quote, s.text)
        assert "[02:14:18]" not in s.text


# --- supports ------------------------------------------------------------------------------

@pytest.mark.parametrize("quote, text, expected", [
    ("  • Mild: Restlessness,\n  sweating.", "Restlessness, sweating.", True),
    ("MDMA raises serotonin [02:14:18].", "MDMA raises serotonin.", True),
    ("MDMA raises serotonin.", "MDMA   raises\nserotonin.", True),
    ("MDMA raises serotonin.", "MDMA lowers serotonin.", False),
    ("MDMA raises serotonin.", "MDMA raises serotonin and dopamine.", False),
])
def test_supports(quote, text, expected):
    assert supports(quote, text) is expected


# --- every sentence of the real corpus -----------------------------------------------------

@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_corpus_sentence_is_an_exact_supported_span(name):
    doc = load_document(DEFAULT_CORPUS / name, root=DEFAULT_CORPUS)
    total = 0
    for chunk in chunk_document(doc):
        found = sentences(chunk)
        starts = [s.start for s in found]
        assert starts == sorted(starts)
        for s in found:
            assert s.quote == doc.text[s.start:s.end], (s.start, s.end)
            assert chunk.start <= s.start < s.end <= chunk.end
            assert supports(s.quote, s.text)
            assert len(s.text.split()) >= MIN_WORDS and not s.text.endswith(("?", ":"))
            assert not BULLET.match(s.text) and s.text == s.text.strip()
            assert (s.source, s.title) == (chunk.source, chunk.title)
            assert s.section
        total += len(found)
    assert total > 20
