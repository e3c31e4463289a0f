"""Tests for app/engine/prior.py: the fitted question prior applies to the corpus it was
fitted on, and anywhere else the corpus-agnostic rule and the reader decide together."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.engine import Decision, Engine
from app.engine.judge import PRIOR_FLOOR
from app.engine.prior import PRIOR_FILE, QuestionPrior
from app.settings import Settings
from ingest.index import ingest
from ingest.settings import DEFAULT_EMBEDDING_MODEL


@pytest.fixture(scope="module")
def prior() -> QuestionPrior:
    loaded = QuestionPrior.load(PRIOR_FILE)
    assert loaded is not None, "app/answerability.json is missing: run eval/calibrate.py --write"
    return loaded


def test_the_saved_prior_was_fitted_on_the_default_corpus(prior, engine):
    ids = engine.chunk_ids()
    assert prior.model == DEFAULT_EMBEDDING_MODEL
    assert prior.chunks == ids, "the corpus changed: refit with eval/calibrate.py --write"
    assert prior.weights.shape == prior.mean.shape == prior.scale.shape == (3 + 384,)


def test_it_applies_only_to_nearly_the_same_chunks_and_model(prior):
    ids = set(prior.chunks)
    assert prior.applies(ids, prior.model)
    assert not prior.applies(ids, "some/other-model")
    few = set(sorted(ids)[: int(len(ids) * 0.8)])
    assert not prior.applies(few, prior.model)  # a fifth of the corpus gone
    assert not prior.applies(ids | {f"new{i}" for i in range(len(ids) // 5)}, prior.model)
    assert not prior.applies(set(), prior.model)


def test_a_missing_or_broken_file_means_no_prior(tmp_path):
    assert QuestionPrior.load(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert QuestionPrior.load(tmp_path / "bad.json") is None
    raw = json.loads(PRIOR_FILE.read_text(encoding="utf-8"))
    raw["weights"] = raw["weights"][:-5]  # truncated: would fail on every question
    (tmp_path / "short.json").write_text(json.dumps(raw), encoding="utf-8")
    assert QuestionPrior.load(tmp_path / "short.json") is None


def test_save_and_load_round_trip(prior, tmp_path):
    prior.save(tmp_path / "p.json")
    again = QuestionPrior.load(tmp_path / "p.json")
    assert again.chunks == prior.chunks and again.model == prior.model
    for name in ("weights", "mean", "scale"):
        assert np.allclose(getattr(again, name), getattr(prior, name), atol=1e-6)
    assert again.bias == pytest.approx(prior.bias, abs=1e-6)


def test_the_engine_uses_it_on_the_default_corpus(engine):
    result = engine.answer("What are the symptoms of serotonin syndrome?")
    assert result.scores["prior"] == 1.0
    assert result.decision == Decision.ANSWER


@pytest.mark.parametrize("question", ["how does electroconvulsive therapy work these days",
                                      "Is it bad to keep medicine in the bathroom cabinet?"])
def test_where_no_sentence_comes_near_the_agnostic_rule_vetoes_it(engine, question):
    # training questions (eval/policy_train_h4, _h6) the prior alone would answer
    found = engine.assess(question)
    assert found.scores["prior"] == 1.0 and found.scores["agnostic"] < -PRIOR_FLOOR
    assert found.scores["prior_margin"] >= 0 > found.scores["answerability"]
    assert engine.answer(question).decision == Decision.DECLINE


def test_where_it_decides_the_readers_most_probable_sentence_leads(engine):
    question = "How does MDMA help with PTSD?"
    found = engine.assess(question)
    result = engine.answer(question)
    assert found.scores["prior"] == 1.0 and result.decision == Decision.ANSWER
    assert found.candidates[0].probability > found.candidates[-1].probability
    best = found.candidates[0].scored.sentence
    assert (result.citations[0].start, result.citations[0].end) == (best.start, best.end)


def test_another_corpus_is_judged_by_the_agnostic_rule_and_the_reader(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tea.md").write_text(
        "# Green tea\n\nGreen tea is made from unoxidized leaves of Camellia sinensis. "
        "It contains caffeine and L-theanine.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    ingest(settings)
    result = Engine(settings, embeddings=embeddings).answer("What does green tea contain?")
    assert result.scores["prior"] == 0.0
    assert result.scores["answerability"] == min(result.scores["agnostic"], result.scores["reader"])
    assert result.decision == Decision.ANSWER


def test_switched_off_the_default_corpus_gets_the_rules_any_corpus_gets(answer_settings, embeddings):
    off = Engine(answer_settings.model_copy(update={"question_prior": False}), embeddings=embeddings)
    found = off.assess("What are the symptoms of serotonin syndrome?")
    assert found.scores["prior"] == 0.0
    assert found.scores["answerability"] == min(found.scores["agnostic"], found.scores["reader"])
    assert found.scores["answerability"] >= 0  # a question the documents answer is still answered
