"""Tests for app/engine/suggest.py and phrasing.py: the topics of the store, suggested
questions written from the documents' sentences, the decline message."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.phrasing import MAX_QUESTION_CHARS, from_heading, question_from
from app.engine.suggest import (
    GENERIC_HEADINGS,
    MAX_TITLES,
    Topics,
    decline_text,
    nearest_headings,
    section_questions,
    suggestion,
    topics,
)
from ingest.chunk import SECTION_SEPARATOR, Chunk, chunk_document
from ingest.load import load_document
from tests.conftest import DEFAULT_CORPUS


def chunk(source: str, title: str, section: str) -> Chunk:
    return Chunk(f"{source}:{section}", source, title, section, 0, 10, "text")


def test_topics_deduplicate_titles_and_headings_and_skip_generic_ones():
    found = topics([
        chunk("b.txt", "Beta", "Beta"),
        chunk("a.txt", "Alpha", f"Risks{SECTION_SEPARATOR}Serotonin Syndrome"),
        chunk("a.txt", "Alpha", "Risks"),
        chunk("a.txt", "Alpha", "Key Takeaways"),
        chunk("b.txt", "Beta", "Frequently Asked Questions"),
        chunk("b.txt", "Beta", f"Conclusion{SECTION_SEPARATOR}Dosing"),
        chunk("b.txt", "Beta", "Serotonin Syndrome"),
        chunk("c.txt", "Gamma", "Can MDMA cause long-term damage?"),
    ])
    assert found.titles == ["Alpha", "Beta", "Gamma"]  # by source, one each
    assert found.headings == ["Risks", "Serotonin Syndrome", "Dosing",
                              "Can MDMA cause long-term damage?"]


def test_topics_of_nothing():
    assert topics([]) == Topics([], [])


def test_topics_of_the_corpus():
    chunks = [c for p in sorted(DEFAULT_CORPUS.glob("*.txt"))
              for c in chunk_document(load_document(p, root=DEFAULT_CORPUS))]
    found = topics(chunks)
    assert len(found.titles) == 3 and len(found.headings) == len(set(found.headings))
    assert not {h.casefold() for h in found.headings} & GENERIC_HEADINGS
    assert not set(found.headings) & set(found.titles)
    assert "Mechanisms of Action" in found.headings


@pytest.mark.parametrize("heading, question", [
    ("MDMA and Serotonin Syndrome", "What do the documents say about MDMA and Serotonin Syndrome?"),
    ("Can MDMA cause long-term cognitive damage?", "Can MDMA cause long-term cognitive damage?"),
])
def test_suggestion(heading, question):
    assert suggestion(heading) == question


def test_nearest_headings_orders_by_similarity():
    found = Topics(["T"], ["Dosing", "Risks", "Oxytocin", "History"])
    vectors = np.eye(4, dtype=np.float32)
    query = np.array([0.1, 0.9, 0.0, 0.5], dtype=np.float32)
    assert nearest_headings(found, vectors, query) == ["Risks", "History", "Dosing"]
    assert nearest_headings(found, vectors, query, n=1) == ["Risks"]
    assert nearest_headings(Topics(["T"], []), np.zeros((0, 4)), query) == []


def test_decline_text_names_the_documents():
    text = decline_text(Topics(["Alpha", "Beta"], ["Risks", "Is it legal?"]))
    assert text == "The documents don't answer this question. They cover: “Alpha”; “Beta”."


def test_a_decline_lists_its_suggestions_from_the_answer_s_structure():
    from app.engine import Answer, Decision

    reply = Answer("q", Decision.DECLINE, decline_text(Topics(["Alpha"], [])),
                   suggestions=["What is SERT?", "Is it legal?"])
    assert reply.text.splitlines()[-3:] == ["You could ask, for example:", "- What is SERT?",
                                            "- Is it legal?"]
    assert "ask" not in Answer("q", Decision.DECLINE, "No.").text


@pytest.mark.parametrize("count, more", [(MAX_TITLES, None), (MAX_TITLES + 1, 1), (9, 4)])
def test_decline_text_lists_at_most_five_titles(count, more):
    titles = [f"Doc {i}" for i in range(count)]
    text = decline_text(Topics(titles, []))
    shown = [t for t in titles if f"“{t}”" in text]
    assert shown == titles[:MAX_TITLES]
    assert (f"and {more} more" in text) if more else ("more" not in text)


def test_decline_text_for_an_empty_corpus():
    text = decline_text(Topics([], []))
    assert "no documents" in text and "ingest" in text


# --- questions written from the documents' own sentences ---------------------------------

@pytest.mark.parametrize("sentence, question", [
    ("Lithium carbonate is a salt used to treat bipolar disorder.", "What is lithium carbonate?"),
    ("Zebrafish are a model organism for sleep research.", "What are zebrafish?"),
    ("The hippocampus is the part of the brain that forms new memories.", "What is the hippocampus?"),
    ("GABA inhibits neurons in the cortex.", "What does GABA inhibit?"),
    ("Melatonin also regulates the timing of sleep.", "What does melatonin regulate?"),
    ("Caffeine can block adenosine receptors for hours.", "What can caffeine block?"),
    ("Circadian Rhythm is a cycle of roughly 24 hours.", "What is Circadian Rhythm?"),
])
def test_question_from_a_sentence_asks_about_its_subject(sentence, question):
    context = "… lithium carbonate, zebrafish, melatonin and caffeine …"
    assert question_from(sentence, context=context) == question


@pytest.mark.parametrize("sentence", [
    "It is a salt used to treat bipolar disorder.",  # a pronoun names nothing alone
    "These are the main findings of the study.",
    "A recent study is the first to show this.",  # an indefinite subject
    "Researchers believe that caffeine blocks adenosine receptors.",
    "Sleep matters.",  # no known shape
    "Is caffeine a stimulant?",
    "The long list of substances that the liver breaks down with this single enzyme is a "
    "remarkable finding.",
    "",
])
def test_question_from_other_sentences_is_none(sentence):
    assert question_from(sentence) is None


def test_questions_are_short_enough_to_read_whole():
    long = "Caffeine " + "and theobromine " * 20 + "are a class of stimulants."
    assert question_from(long) is None
    assert all(len(question_from(s) or "") <= MAX_QUESTION_CHARS for s in [long])


@pytest.mark.parametrize("heading, question", [
    ("Is caffeine safe?", "Is caffeine safe?"),
    ("How sleep is measured", "How sleep is measured?"),
    ("The Role of Adenosine", "What is the role of adenosine?"),
    ("Melatonin's Effects", "What are melatonin's effects?"),
    ("Effects of Caffeine", "What are the effects of caffeine?"),
    ("Sleep Debt", "What is sleep debt?"),
    ("Shift Workers", "What are shift workers?"),
    ("Caffeine and Sleep", "What do the documents say about Caffeine and Sleep?"),
    ("Case Study: Night Shifts", "What do the documents say about Case Study: Night Shifts?"),
    ("Measuring Sleep", "What do the documents say about Measuring Sleep?"),
])
def test_from_heading_varies_with_the_heading_s_shape(heading, question):
    assert from_heading(heading) == question


def test_from_heading_keeps_a_name_the_text_capitalizes():
    assert from_heading("Effects of Kaffee", context="the effects of Kaffee on sleep") \
        == "What are the effects of Kaffee?"


def test_section_questions_put_the_section_s_own_sentence_first():
    text = ("Sleep Debt\n\nSleep debt is the difference between the sleep you need and the "
            "sleep you get. It builds up over a week.")
    c = Chunk("s:0", "s.md", "Sleep", f"Sleep{SECTION_SEPARATOR}Sleep Debt", 0, len(text), text)
    assert section_questions("Sleep Debt", [c]) == [
        "What is sleep debt?", "What do the documents say about Sleep Debt?"]


def test_suggested_questions_of_the_corpus_are_mostly_not_the_template():
    chunks = [c for p in sorted(DEFAULT_CORPUS.glob("*.txt"))
              for c in chunk_document(load_document(p, root=DEFAULT_CORPUS))]
    found = topics(chunks)
    firsts = [section_questions(h, [c for c in chunks if h in c.section])[0] for h in found.headings]
    templated = [q for q in firsts if q.startswith("What do the documents say about")]
    assert len(templated) < len(firsts) / 2, templated
    assert all(q.endswith("?") and "…" not in q for q in firsts)
