"""Token alignment (`app/engine/align.py`): exact-word fallback on a fake model, real token
vectors on the bundled one."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.align import FIGURES, UNALIGNED, Aligner


def test_without_token_vectors_question_words_match_exactly(fake_embeddings):
    figures = Aligner(fake_embeddings).figures(
        "Which river flows through Paris?", ["The Seine flows through Paris.", "Lyon is big."])
    named = [dict(zip(FIGURES, row)) for row in figures]
    # content words: river, flows, through, paris; "river" is missing from the first
    assert named[0] == {"align_mean": 0.75, "align_min": 0.0, "align_second": 1.0, "align_weak": 0.25}
    assert named[1]["align_mean"] == 0.0 and named[1]["align_weak"] == 1.0


def test_no_sentences_gives_no_rows(fake_embeddings):
    assert Aligner(fake_embeddings).figures("Anything?", []).shape == (0, len(FIGURES))


@pytest.mark.slow
def test_a_changed_detail_leaves_a_question_token_unmatched(embeddings):
    aligner = Aligner(embeddings)
    assert aligner.model is not None  # the bundled model exposes its token vectors
    question = "In what year did the Normans conquer England?"
    figures = aligner.figures(question, [
        "The Normans conquered England in 1066 under William.",
        "The Vikings raided Ireland in 795 and founded Dublin.",
    ])
    assert np.isfinite(figures).all() and ((0 <= figures) & (figures <= 1.0001)).all()
    answer, other = (dict(zip(FIGURES, row)) for row in figures)
    assert answer["align_mean"] > other["align_mean"] + 0.1
    assert answer["align_min"] > other["align_min"]
    assert answer["align_weak"] < other["align_weak"]
    again = aligner.figures(question, ["The Normans conquered England in 1066 under William."])
    assert np.allclose(again[0], figures[0], atol=1e-5)  # from the cache, the same figures


def test_only_the_first_top_sentences_are_aligned(fake_embeddings):
    sentences = ["The Seine flows through Paris.", "Paris has a river.", "Lyon is big."]
    aligner = Aligner(fake_embeddings)
    some = aligner.figures("Which river flows through Paris?", sentences, top=2)
    every = aligner.figures("Which river flows through Paris?", sentences, top=len(sentences))
    assert np.array_equal(some[:2], every[:2])
    assert (some[2] == UNALIGNED).all() and (every[2] != UNALIGNED).any()
    assert (Aligner(fake_embeddings).figures("Why?", sentences, top=0) == UNALIGNED).all()


def test_embed_query_without_token_vectors_is_the_embeddings_own(fake_embeddings):
    aligner = Aligner(fake_embeddings)
    vector = aligner.embed_query("What is SERT?")
    assert vector.dtype == np.float32
    assert np.array_equal(vector, np.asarray(fake_embeddings.embed_query("What is SERT?"), dtype=np.float32))


@pytest.mark.slow
def test_embed_query_is_embed_query_from_the_pass_that_gives_the_tokens(embeddings, monkeypatch):
    aligner = Aligner(embeddings)
    for question in ("What is SERT?", "How does MDMA\nhelp with PTSD?"):
        own = np.asarray(embeddings.embed_query(question), dtype=np.float32)
        assert np.allclose(aligner.embed_query(question), own, atol=1e-6)
    calls = []
    encode = aligner.model.encode
    monkeypatch.setattr(aligner.model, "encode", lambda *a, **k: calls.append(a[0]) or encode(*a, **k))
    question = "Which receptor does MDMA bind?"
    aligner.embed_query(question)
    aligner.embed_query(question)  # the policy, then retrieval: one pass
    figures = aligner.figures(question, ["MDMA binds the serotonin transporter."])
    assert calls == [[question], ["MDMA binds the serotonin transporter."]]
    assert np.allclose(figures, Aligner(embeddings).figures(question, ["MDMA binds the serotonin transporter."]),
                       atol=1e-5)
