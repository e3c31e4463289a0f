"""Tests for app/extract.py: coverage, sentence scoring and selection, the sentence cache."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.score import (
    HEADING_MATCH,
    LEXICAL_WEIGHT,
    RELATIVE_KEEP,
    Scored,
    SentenceEncoder,
    coverage,
    is_instruction,
    score_sentences,
    select,
)
from ingest.chunk import chunk_document
from ingest.load import load_document
from ingest.sentences import Sentence, sentences
from tests.conftest import DEFAULT_CORPUS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class CountingEmbeddings:
    """A model (real or fake), counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[list[str]] = []

    def embed_documents(self, texts):
        self.calls.append(list(texts))
        return self.inner.embed_documents(texts)


def sentence(start: int, end: int, text: str = "MDMA raises serotonin levels.",
             source: str = "a.txt") -> Sentence:
    return Sentence(source, "T", "T", start, end, text, text)


def scored(sent: Sentence, score: float, axis: int) -> Scored:
    """A scored sentence with a unit vector along `axis` (distinct axes: not redundant)."""
    vector = np.zeros(8, dtype=np.float32)
    vector[axis] = 1.0
    return Scored(sent, score, score, 0.0, vector)


# --- coverage ------------------------------------------------------------------------------

@pytest.mark.parametrize("weights, found, heading, expected", [
    ({"serotonin": 1.0, "syndrom": 3.0}, {"serotonin"}, {"syndrom"}, 0.8125),
    ({"serotonin": 1.0, "syndrom": 3.0}, {"serotonin", "syndrom"}, set(), 1.0),
    ({"serotonin": 1.0, "syndrom": 3.0}, set(), {"syndrom", "serotonin"}, HEADING_MATCH),
    ({"serotonin": 1.0, "syndrom": 3.0}, {"serotonin"}, {"serotonin"}, 0.25),  # no double count
    ({"serotonin": 2.0}, {"dopamin"}, set(), 0.0),
    ({}, {"serotonin"}, set(), 0.0),
])
def test_coverage(weights, found, heading, expected):
    assert coverage(weights, found, heading) == pytest.approx(expected)


# --- select ----------------------------------------------------------------------------------

def test_select_keeps_the_best_first_and_respects_the_limit():
    ranked = [scored(sentence(i * 100, i * 100 + 50), 1.0 - i * 0.01, i) for i in range(6)]
    assert [c.sentence.start for c in select(ranked, limit=3)] == [0, 100, 200]
    assert len(select(ranked, limit=10)) == 6
    assert select([], limit=3) == []


def test_select_drops_sentences_far_below_the_best():
    ranked = [scored(sentence(0, 50), 1.0, 0), scored(sentence(100, 150), RELATIVE_KEEP, 1),
              scored(sentence(200, 250), RELATIVE_KEEP - 0.01, 2)]
    assert [c.score for c in select(ranked, limit=5)] == [1.0, RELATIVE_KEEP]


@pytest.mark.parametrize("other, kept", [
    (sentence(40, 120), False),  # overlaps the best one's span
    (sentence(0, 200), False),  # contains it
    (sentence(100, 150), True),  # touches it: no overlap
    (sentence(40, 120, source="b.txt"), True),  # same offsets in another file
])
def test_select_drops_overlapping_spans(other, kept):
    ranked = [scored(sentence(0, 100), 1.0, 0), scored(other, 0.95, 1)]
    assert (len(select(ranked, limit=5)) == 2) is kept


def test_select_drops_a_repeat_of_a_kept_sentence():
    best = scored(sentence(0, 50), 1.0, 0)
    repeat = Scored(sentence(500, 550), 0.99, 0.99, 0.0, best.vector.copy())
    third = scored(sentence(900, 950), 0.98, 2)
    assert [c.sentence.start for c in select([best, repeat, third], limit=5)] == [0, 900]


# --- SentenceEncoder --------------------------------------------------------------------------

def test_encoder_embeds_each_text_once(embeddings):  # real: its rows are normalized
    counting = CountingEmbeddings(embeddings)
    encoder = SentenceEncoder(counting)
    first = encoder.encode_texts(["MDMA raises serotonin.", "SSRIs block SERT.",
                                  "MDMA raises serotonin."])
    assert counting.calls == [["MDMA raises serotonin.", "SSRIs block SERT."]]
    assert first.shape == (3, 384) and np.allclose(first[0], first[2])
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)

    again = encoder.encode_texts(["SSRIs block SERT.", "MDMA raises serotonin."])
    assert len(counting.calls) == 1 and np.allclose(again, first[[1, 0]])
    encoder.encode_texts(["MDMA raises serotonin.", "Oxytocin builds trust."])
    assert counting.calls[1:] == [["Oxytocin builds trust."]]
    assert encoder.encode_texts([]).shape[0] == 0 and len(counting.calls) == 2


def test_encoder_evicts_the_least_recently_used_beyond_its_size(fake_embeddings):
    counting = CountingEmbeddings(fake_embeddings)
    encoder = SentenceEncoder(counting, size=2)
    encoder.encode_texts(["one thing", "two things"])
    encoder.encode_texts(["one thing"])  # used again: now the most recent
    encoder.encode_texts(["three things"])  # evicts "two things"
    assert len(encoder._cache) == 2
    encoder.encode_texts(["one thing"])
    assert len(counting.calls) == 2
    encoder.encode_texts(["two things"])
    assert counting.calls[-1] == ["two things"] and len(counting.calls) == 3


def test_encode_embeds_sentences_under_their_heading(fake_embeddings):
    counting = CountingEmbeddings(fake_embeddings)
    s = Sentence("a.txt", "T", "T › Risks", 0, 30, "MDMA raises heat.", "MDMA raises heat.")
    SentenceEncoder(counting).encode([s])
    assert counting.calls == [["Risks. MDMA raises heat."]]


def test_encode_reads_stored_vectors_and_embeds_only_the_rest(fake_embeddings):
    counting = CountingEmbeddings(fake_embeddings)
    kept, new = (Sentence("a.txt", "T", "T", 0, 30, t, t)
                 for t in ("MDMA raises heat.", "SSRIs block SERT."))
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)  # clearly not the model's (nor the fake's)
    asked: list[list[str]] = []

    def stored(keys):
        asked.append(keys)
        return {kept.key: vector}

    encoder = SentenceEncoder(counting, stored=stored)
    rows = encoder.encode([kept, new])
    assert asked == [[kept.key, new.key]] and counting.calls == [["SSRIs block SERT."]]
    assert np.array_equal(rows[0], vector)
    encoder.encode([kept, new])  # both cached now
    assert len(asked) == 1 and len(counting.calls) == 1


# --- score_sentences -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_sentences() -> list[Sentence]:
    path = DEFAULT_CORPUS / "mdma-and-the-serotonin-system.txt"
    return [s for c in chunk_document(load_document(path, root=DEFAULT_CORPUS))
            for s in sentences(c)]


def test_score_sentences_ranks_the_answer_first(embeddings, corpus_sentences):
    encoder = SentenceEncoder(embeddings)
    query = np.asarray(embeddings.embed_query("What are the symptoms of serotonin syndrome?"))
    weights = {"symptom": 2.0, "serotonin": 0.5, "syndrom": 1.5}
    ranked = score_sentences(encoder, query, weights, corpus_sentences)
    statements = [s for s in corpus_sentences if not is_instruction(s.text)]
    assert len(statements) < len(corpus_sentences)  # the serotonin article's outline prompts
    assert len(ranked) == len(statements)
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    for r in ranked:
        assert r.score == pytest.approx(r.semantic + LEXICAL_WEIGHT * r.lexical)
        assert 0 <= r.lexical <= 1
    assert any("Restlessness" in r.sentence.text for r in ranked[:5])
    assert score_sentences(encoder, query, weights, []) == []


# --- instructions to a writer -----------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Discuss the rationale behind MDMA therapy.", True),
    ("Highlight how serotonin shapes mood.", True),
    ("Explore future research directions.", True),
    ("Researchers explore future directions.", False),
    ("discussion of the rationale follows.", False),
    ("MDMA releases serotonin.", False),
    ("Note how the clinical range differs.", True),
    ("Review the evidence for each claim.", True),
    ("Stress hormones such as cortisol rise after use.", False),  # a noun, not the verb
    ("State laws on MDMA vary.", False),
    ("Focus groups described the comedown.", False),
    ("", False),
])
def test_is_instruction(text, expected):
    assert is_instruction(text) is expected


def test_an_instruction_is_never_a_candidate(fake_embeddings):
    encoder = SentenceEncoder(fake_embeddings)
    prompt = sentence(0, 40, "Discuss how MDMA raises serotonin levels.")
    fact = sentence(50, 80, "MDMA raises serotonin levels.")
    query = np.asarray(fake_embeddings.embed_query("MDMA serotonin"), dtype=np.float32)
    ranked = score_sentences(encoder, query, {"mdma": 1.0, "serotonin": 1.0}, [prompt, fact])
    assert [r.sentence.start for r in ranked] == [50]
