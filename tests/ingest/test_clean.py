"""Tests for ingest/clean.py: residue marking on small strings and on the real corpus files."""

from __future__ import annotations

import re

import pytest

from ingest.clean import (
    INLINE_KINDS,
    LINE_KINDS,
    Line,
    Residue,
    find_residue,
    inline_residue,
    split_lines,
    strip_bullet,
    strip_inline,
)
from tests.conftest import DEFAULT_CORPUS

SEROTONIN = "mdma-and-the-serotonin-system.txt"
REWIRING = "mdma-brain-rewiring-study.txt"
HUBERMAN = "mdma-therapeutic-potential-hubermanlab.txt"


def corpus_text(name: str) -> str:
    return (DEFAULT_CORPUS / name).read_bytes().decode("utf-8")


def marked(text: str, kinds=LINE_KINDS | INLINE_KINDS) -> list[tuple[str, str]]:
    """(kind, marked text) for each residue span of the given kinds."""
    return [(r.kind, text[r.start:r.end]) for r in find_residue(text) if r.kind in kinds]


def kind_of_line(text: str, line: str) -> str | None:
    """The line-residue kind covering the whole (stripped) line `line`, or None."""
    found = {text[r.start:r.end].strip(): r.kind for r in find_residue(text) if r.kind in LINE_KINDS}
    return found.get(line)


# --- docstring examples ------------------------------------------------------------------------

def test_module_docstring_example():
    assert [r.kind for r in find_residue("Text.\n\nPrevious\nLSD: A Resource\nNext\n")] == [
        "nav", "nav", "nav"]


def test_split_lines_docstring_example():
    assert split_lines("ab\r\ncd") == [Line(start=0, end=2, text="ab"), Line(start=4, end=6, text="cd")]


def test_inline_residue_docstring_example():
    assert inline_residue("behavior role_of_x_y [02:14:18].") == [
        Residue(start=9, end=20, kind="slug"), Residue(start=21, end=31, kind="timestamp")]


def test_strip_inline_docstring_example():
    assert strip_inline("mental health disorders understanding_and_improving_mental_health.") == (
        "mental health disorders.")


@pytest.mark.parametrize("line, expected", [
    ("  • Mild: x", "Mild: x"),
    ("- Genetics: variations", "Genetics: variations"),
    ("  1. Post-Traumatic Stress Disorder (PTSD):", "Post-Traumatic Stress Disorder (PTSD):"),
    ("12) Twelfth", "Twelfth"),
    ("No bullet here", "No bullet here"),
    ("5-HT levels", "5-HT levels"),
])
def test_strip_bullet(line, expected):
    assert strip_bullet(line) == expected


# --- split_lines -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["a\nb\r\nc\rd", "one\n\ntwo\n", "\u2028x\x0cy", "no break"])
def test_split_lines_offsets_point_into_text(text):
    for line in split_lines(text):
        assert text[line.start:line.end] == line.text
        assert "\n" not in line.text and "\r" not in line.text


# --- corpus: navigation ------------------------------------------------------------------------

def test_serotonin_nav_block_is_all_nav_and_nothing_else_is_marked():
    text = corpus_text(SEROTONIN)
    nav_start = text.index("\nPrevious\n") + 1
    found = find_residue(text)
    assert [(r.kind, text[r.start:r.end]) for r in found] == [
        ("nav", "Previous"), ("nav", "Previous"), ("nav", "LSD: A Comprehensive Resource"),
        ("nav", "Next"), ("nav", "Next"), ("nav", "How MDMA Affects the Brain")]
    assert all(r.start >= nav_start for r in found)
    assert not text[found[-1].end:].strip()


# --- corpus: the rewiring study ----------------------------------------------------------------

@pytest.mark.parametrize("line, kind", [
    ("\u201c`html", "fence"),
    (".", "stray"),
    ("Table of Contents", "toc"),
])
def test_rewiring_whole_line_residue(line, kind):
    assert kind_of_line(corpus_text(REWIRING), line) == kind


def test_rewiring_reference_marks():
    assert [t for k, t in marked(corpus_text(REWIRING)) if k == "ref"] == ["[[1]]", "[[1]]"]


def test_rewiring_every_toc_item_is_toc():
    text = corpus_text(REWIRING)
    lines = text[text.index("Table of Contents"):].splitlines()
    items = lines[1:]
    assert len(items) == 12 and all(item.startswith("- ") for item in items)
    toc = [t for k, t in marked(text) if k == "toc"]
    assert toc == lines


def test_rewiring_truncated_tail_only():
    text = corpus_text(REWIRING)
    tail = "This causes a flood of serotonin in the"
    before = "MDMA increases serotonin levels in the brain by inhibiting the serotonin transporter (SERT)."
    assert [t for k, t in marked(text) if k == "truncated"] == [tail]
    assert text.index(before) + len(before) + 1 == text.index(tail)
    b_start = text.index(before)
    assert not any(r.start < b_start + len(before) and r.end > b_start for r in find_residue(text))


def test_rewiring_headings_and_prose_are_not_line_residue():
    text = corpus_text(REWIRING)
    toc_start = text.index("Table of Contents")
    before_toc = [(r.kind, text[r.start:r.end]) for r in find_residue(text)
                  if r.kind in LINE_KINDS and r.start < toc_start]
    assert before_toc == [("stray", "."), ("fence", "\u201c`html"),
                          ("truncated", "This causes a flood of serotonin in the")]


# --- corpus: the hubermanlab transcript --------------------------------------------------------

@pytest.mark.parametrize("line", ["From: hubermanlab", "Here is the article:"])
def test_huberman_boilerplate(line):
    assert kind_of_line(corpus_text(HUBERMAN), line) == "boilerplate"


@pytest.mark.parametrize("kind, pattern", [
    ("slug", r"\b[a-z]+(?:_[a-z]+){2,}\b"),
    ("timestamp", r"\[[0-9]{2}:[0-9]{2}:[0-9]{2}\]"),
])
def test_huberman_inline_residue_matches_independent_count(kind, pattern):
    text = corpus_text(HUBERMAN)
    expected = [(m.start(), m.group()) for m in re.finditer(pattern, text)]
    found = [(r.start, text[r.start:r.end]) for r in find_residue(text) if r.kind == kind]
    assert len(expected) == {"slug": 13, "timestamp": 6}[kind]
    assert found == expected


def test_huberman_prose_is_not_inline_residue():
    text = corpus_text(HUBERMAN)
    spans = [text[r.start:r.end] for r in find_residue(text) if r.kind in INLINE_KINDS]
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+){2,}|\[\d\d:\d\d:\d\d\]", s) for s in spans)
    for word in ["3,4-methylenedioxymethamphetamine", "post-traumatic", "Schedule I"]:
        assert word in text
        w = text.index(word)
        assert not any(r.start < w + len(word) and r.end > w for r in find_residue(text))


# --- negative cases ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Previous\n\nMechanisms of Action\n\nMDMA acts on serotonin.\n", [("nav", "Previous")]),
    ("MDMA acts on serotonin.\n\nKey Takeaways\n\nNext\n", [("nav", "Next")]),
    ("Next, we discuss serotonin.\n", []),
    ("Back pain is a common complaint after long sessions.\n", []),
    ("Share your experience with a therapist before dosing.\n", []),
])
def test_prose_and_headings_beside_prose_are_not_nav(text, expected):
    assert marked(text) == expected


@pytest.mark.parametrize("word", ["Previous", "NEXT", "« Back", "Skip to content", "Read more →"])
def test_navigation_words_are_nav(word):
    assert marked(f"Some prose.\n\n{word}\n") == [("nav", word)]


def test_list_after_contents_that_repeats_nothing_is_not_toc():
    text = "Intro.\n\nContents\n- Alpha beta\n- Gamma delta\n\nText here about alpha.\n"
    assert marked(text) == [("toc", "Contents")]


def test_toc_stops_at_first_item_not_found_elsewhere():
    text = ("Contents\n- Risks\n- Something new\n- Benefits\n\nRisks\n\nHarm.\n\nBenefits\n\nHelp.\n")
    assert marked(text) == [("toc", "Contents"), ("toc", "- Risks")]


@pytest.mark.parametrize("line", [
    "This causes a flood of serotonin in the.",
    "MDMA increases serotonin levels in the brain by inhibiting the transporter.",
    "Serotonin is released into the synapse and then taken back up by the cell!",
    "What is the role of the?",
])
def test_sentence_with_terminal_punctuation_is_never_truncated(line):
    assert marked(f"Heading\n{line}\nMore prose follows here.\n") == []


@pytest.mark.parametrize("before, tail", [
    ("Serotonin rises. Mood lifts! ", "Stores are then depleted over the"),
    ("", "MDMA releases serotonin into the synapse and blocks the"),
    ("It works (mostly). ", "Levels rise sharply in most parts of the"),
])
def test_truncated_marks_only_the_cut_off_sentence(before, tail):
    assert marked(f"{before}{tail}\n\nNext Section\n") == [("truncated", tail)]


def test_short_line_ending_on_dangling_word_is_not_truncated():
    assert marked("Risk of the\n") == []


def test_line_wrapped_mid_sentence_is_not_truncated():
    # hard-wrapped prose (and every PDF) continues a sentence on the next line
    text = ("The brain releases a large amount of serotonin into the\n"
            "synaptic cleft, which lifts mood for several hours.\n")
    assert marked(text) == []


@pytest.mark.parametrize("text", [
    "we use snake_case here",
    "a file named read_me.txt",
    "path/to/some_long_file_name here",
    "Upper_Case_Words_Here stay",
    "the 2_3 ratio",
])
def test_not_slugs(text):
    assert [r for r in inline_residue(text) if r.kind == "slug"] == []


@pytest.mark.parametrize("text, expected", [
    ("at [1:02] and [01:02:03]", ["[1:02]", "[01:02:03]"]),
    ("see [[12]] and [3]", ["[[12]]"]),
    ("roles role_of_empathy_in_communication.", ["role_of_empathy_in_communication"]),
])
def test_inline_residue_spans(text, expected):
    assert [text[r.start:r.end] for r in inline_residue(text)] == expected


def test_strip_inline_removes_every_kind():
    assert strip_inline("Bonds grow role_of_x_y [02:24:03] and trust [[1]] rises.") == (
        "Bonds grow and trust rises.")
