"""Tests for app/decline.py: the topics of the store, suggested questions, the decline message."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.suggest import (
    GENERIC_HEADINGS,
    MAX_TITLES,
    Topics,
    decline_text,
    nearest_headings,
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


def test_decline_text_names_the_documents_and_suggests_questions():
    found = Topics(["Alpha", "Beta"], ["Risks", "Is it legal?"])
    text = decline_text(found, ["Risks", "Is it legal?"])
    assert text.startswith("The documents don't answer this question.")
    assert "They cover: “Alpha”; “Beta”." in text
    assert text.splitlines()[-2:] == ["- What do the documents say about Risks?", "- Is it legal?"]


def test_decline_text_without_headings_has_no_suggestions():
    text = decline_text(Topics(["Alpha"], []), [])
    assert "“Alpha”" in text and "- " not in text and "ask" not in text


@pytest.mark.parametrize("count, more", [(MAX_TITLES, None), (MAX_TITLES + 1, 1), (9, 4)])
def test_decline_text_lists_at_most_five_titles(count, more):
    titles = [f"Doc {i}" for i in range(count)]
    text = decline_text(Topics(titles, []), [])
    shown = [t for t in titles if f"“{t}”" in text]
    assert shown == titles[:MAX_TITLES]
    assert (f"and {more} more" in text) if more else ("more" not in text)


def test_decline_text_for_an_empty_corpus():
    text = decline_text(Topics([], []), [])
    assert "no documents" in text and "ingest" in text
