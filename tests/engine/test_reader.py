"""Tests for app/engine/reader.py: features, the shipped model (loading, absence,
determinism), and how an answer's sentences are chosen."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.engine.align import UNALIGNED
from app.engine.cross import UNREAD
from app.engine.query import Query
from app.engine.reader import (
    FEATURES,
    QUESTION_FEATURES,
    READER_FILE,
    Candidate,
    Reader,
    ReaderError,
    Trees,
    ask_kind,
    choose,
    default_reader,
    features,
    question_features,
)
from app.engine.retrieve import Passage
from app.engine.score import Scored
from ingest.chunk import Chunk
from ingest.errors import CitedQAError
from ingest.sentences import Sentence


def sentence(start: int, text: str = "MDMA raises serotonin levels.", source: str = "a.txt") -> Sentence:
    return Sentence(source, "T", "T", start, start + len(text), text, text)


def scored(sent: Sentence, axis: int = 0, semantic: float = 0.5) -> Scored:
    vector = np.zeros(8, dtype=np.float32)
    vector[axis] = 1.0
    return Scored(sent, semantic, semantic, 0.0, vector)


def candidate(start: int, p: float, axis: int, text: str = "MDMA raises serotonin levels.",
              source: str = "a.txt") -> Candidate:
    return Candidate(scored(sentence(start, text, source), axis), p)


# --- the shipped model -----------------------------------------------------------------------

def test_the_shipped_model_loads_and_is_small():
    reader = Reader.load()
    assert READER_FILE.stat().st_size < 5 * 1024 * 1024
    assert 0 < reader.threshold < 1 and 0 < reader.relative <= 1
    assert len(reader.sentence.roots) > 10
    assert reader.question.coef.shape == reader.question.mean.shape == (len(QUESTION_FEATURES),)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ReaderError, match="missing.*train_reader.py") as err:
        Reader.load(tmp_path / "reader.json")
    assert isinstance(err.value, CitedQAError)


@pytest.mark.parametrize("content", ["{", "[]", '{"sentence": {"features": []}}', '{"threshold": 1}'])
def test_a_broken_or_stale_model_is_a_clear_error(tmp_path, content):
    path = tmp_path / "reader.json"
    path.write_text(content)
    with pytest.raises(ReaderError, match="train_reader.py"):
        Reader.load(path)


def test_the_model_is_deterministic_and_bounded():
    rng = np.random.default_rng(0)
    rows = rng.uniform(0, 1, size=(50, len(FEATURES)))
    first, second = default_reader().read(rows), Reader.load().read(rows.copy())
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
    assert ((first[0] > 0) & (first[0] < 1)).all() and 0 < first[1] < 1
    probabilities, answered = default_reader().read(np.zeros((0, len(FEATURES))))
    assert probabilities.shape == (0,) and 0 < answered < 1


def test_the_evaluator_walks_each_tree_to_a_leaf():
    """A two-tree ensemble by hand: x0 <= 0.5 goes left (+1), else right (-1); the second
    tree is a single leaf (+0.5)."""
    spec = {"features": list(FEATURES), "baseline": -0.25, "depth": 1, "roots": [0, 3],
            "nodes": {"feature": [0, 0, 0, 0], "threshold": [0.5, 0, 0, 0], "left": [1, 1, 2, 3],
                      "right": [2, 1, 2, 3], "leaf": [False, True, True, True],
                      "value": [0, 1.0, -1.0, 0.5]}}
    rows = np.zeros((2, len(FEATURES)))
    rows[1, 0] = 0.9
    assert Trees(spec, FEATURES).logits(rows).tolist() == [1.25, -0.75]
    json.dumps(spec)  # the format is plain JSON


# --- features ------------------------------------------------------------------------------

def test_features_are_one_finite_row_per_candidate():
    q = Query("Who founded Harvard?", "Who founded Harvard?", False)
    chunk = Chunk("c", "a.txt", "Harvard", "Harvard", 0, 300, "x" * 300)
    cands = [scored(sentence(0, "Harvard was founded by John Harvard in 1636."), 0, 0.7),
             scored(sentence(60, "The college grew over the next century."), 1, 0.3)]
    aligned = np.array([[0.9, 0.8, 0.85, 0.0], [0.4, 0.1, 0.3, 0.5]])
    rows = features(q, {"harvard": 2.0, "found": 1.0}, cands, [Passage(chunk, 1.0)], 0.1, aligned,
                    np.array([3.0, -1.0]))
    assert rows.shape == (2, len(FEATURES)) and np.isfinite(rows).all()
    named = dict(zip(FEATURES, rows[0]))
    assert named["ask_who"] == 1 and named["has_year"] == 1 and named["cover_sentence"] == 1.0
    assert named["align_min"] == 0.8 and named["align_gap"] == 0.0
    second = dict(zip(FEATURES, rows[1]))
    assert second["missing_sentence"] == 1.0  # lacks "harvard"
    assert second["align_gap"] == pytest.approx(0.5) and second["align_min_gap"] == pytest.approx(0.7)
    assert second["cross"] == -1.0 and second["cross_gap"] == 4.0 and second["best_cross"] == 3.0
    assert features(q, {}, [], [], 0.0, np.zeros((0, 4)), np.zeros(0)).shape == (0, len(FEATURES))


def test_an_unaligned_or_unread_sentence_keeps_the_marker_and_the_question_reads_the_best_aligned():
    q = Query("Who founded Harvard?", "Who founded Harvard?", False)
    chunk = Chunk("c", "a.txt", "Harvard", "Harvard", 0, 300, "x" * 300)
    cands = [scored(sentence(0, "Harvard was founded by John Harvard in 1636."), 0, 0.7),
             scored(sentence(60, "The college grew over the next century."), 1, 0.3)]
    aligned = np.array([[0.9, 0.8, 0.85, 0.0], [UNALIGNED] * 4])
    rows = features(q, {"harvard": 2.0}, cands, [Passage(chunk, 1.0)], 0.1, aligned, np.array([2.0, UNREAD]))
    second = dict(zip(FEATURES, rows[1]))
    assert second["align_mean"] == second["align_gap"] == second["align_min_gap"] == UNALIGNED
    assert second["cross"] == second["cross_gap"] == UNREAD and second["best_cross"] == 2.0
    # the unaligned sentence is the more probable: the question's alignment is the first's
    named = dict(zip(QUESTION_FEATURES, question_features(rows, np.array([0.2, 0.6]))[0]))
    assert named["best"] == 0.6 and named["align_mean"] == 0.9 and named["align_min"] == 0.8


@pytest.mark.parametrize("question, kind", [
    ("How many students attend?", "count"), ("In which year was it founded?", "when"),
    ("Whose idea was it?", "who"), ("Where is the campus?", "where"), ("Why did it fail?", "why"),
    ("How does MDMA work?", "how"), ("What is SERT?", "what"), ("Is it legal?", "other"),
])
def test_ask_kind(question, kind):
    assert ask_kind(question) == kind


# --- choose ----------------------------------------------------------------------------------

def test_choose_puts_the_most_probable_first_and_respects_the_limit():
    cands = [candidate(i * 100, 0.5 + i * 0.05, i) for i in range(6)]
    assert [c.scored.sentence.start for c in choose(cands, limit=3, relative=0.5)] == [500, 400, 300]
    assert len(choose(cands, limit=10, relative=0.5)) == 6
    assert choose([], limit=3, relative=0.5) == []


def test_choose_drops_sentences_far_below_the_best():
    cands = [candidate(0, 0.8, 0), candidate(100, 0.4, 1), candidate(200, 0.39, 2)]
    assert [c.probability for c in choose(cands, limit=5, relative=0.5)] == [0.8, 0.4]


@pytest.mark.parametrize("other, kept", [
    (candidate(10, 0.7, 1), False),  # overlaps the best one's span
    (candidate(100, 0.7, 1), True),
    (candidate(10, 0.7, 1, source="b.txt"), True),  # same offsets in another file
    (candidate(100, 0.7, 0), False),  # the same vector: a repeat
])
def test_choose_drops_overlaps_and_repeats(other, kept):
    assert (len(choose([candidate(0, 0.9, 0), other], limit=5, relative=0.5)) == 2) is kept
