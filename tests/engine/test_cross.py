"""Tests for app/engine/cross.py: the shipped cross-reader's loading, its absence (a clear
error), its determinism, and that it reads meaning (the real model: slow)."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.cross import CROSS_FILE, CrossReader, default_cross, pair_text, read_out
from ingest.errors import CitedQAError, ReaderError


def test_the_shipped_adapters_are_small():
    assert CROSS_FILE.stat().st_size < 5 * 1024 * 1024
    with np.load(CROSS_FILE) as data:
        assert "head.weight" in data.files and any(k.endswith(".A") for k in data.files)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ReaderError, match="missing.*train_cross.py") as err:
        CrossReader.load(tmp_path / "cross.npz")
    assert isinstance(err.value, CitedQAError)


def test_a_broken_model_is_a_clear_error(tmp_path):
    path = tmp_path / "cross.npz"
    path.write_bytes(b"not a numpy archive")
    with pytest.raises(ReaderError, match="train_cross.py"):
        CrossReader.load(path)


def test_adapters_for_another_model_are_a_clear_error(tmp_path):
    path = tmp_path / "cross.npz"
    np.savez(path, **{"lora_scale": np.array(2.0), "head.weight": np.zeros((1, 384)), "head.bias": np.zeros(1),
                      "head.cosine": np.array([1.0, 0.0]),
                      "encoder.layer.9.intermediate.dense.A": np.zeros((4, 384)),
                      "encoder.layer.9.intermediate.dense.B": np.zeros((1536, 4))})
    with pytest.raises(ReaderError, match="not a cross-reader model"):
        CrossReader.load(path)


def test_the_head_reads_the_cosine_of_the_two_segments_and_skips_padding():
    import torch

    # one pair: [CLS] q q [SEP] c c [SEP], then padding that must not count
    states = torch.tensor([[[9.0, 9.0], [1.0, 0.0], [1.0, 0.0], [9.0, 9.0],
                            [0.0, 1.0], [1.0, 1.0], [9.0, 9.0], [5.0, -5.0]]])
    attention = torch.tensor([[1, 1, 1, 1, 1, 1, 1, 0]])
    head = {"weight": torch.zeros(2), "bias": 0.0, "scale": 2.0, "shift": -1.0}
    out = read_out(torch, states, attention, torch.tensor([4]), head)
    question, candidate = torch.tensor([1.0, 0.0]), torch.tensor([0.5, 1.0])
    cosine = float(question @ candidate / candidate.norm())
    assert out.shape == (1,) and abs(float(out[0]) - (2.0 * cosine - 1.0)) < 1e-6
    head["weight"] = torch.tensor([1.0, 0.0])  # plus the mean of the seven real states' first figure
    assert abs(float(read_out(torch, states, attention, torch.tensor([4]), head)[0])
               - (2.0 * cosine - 1.0 + 30.0 / 7)) < 1e-5


def test_pair_text_puts_the_heading_first():
    assert pair_text("Effects", "It raises serotonin.") == "Effects. It raises serotonin."
    assert pair_text("", "It raises serotonin.") == "It raises serotonin."


@pytest.mark.slow
def test_it_is_deterministic_and_takes_any_input():
    cross = default_cross()
    texts = ["The treaty was signed in 1763 in Paris.", "Grain prices rose that winter.", ""]
    first = cross.logits("When was the treaty signed?", texts)
    again = CrossReader.load().logits("When was the treaty signed?", list(texts))
    assert first.shape == (3,) and np.isfinite(first).all()
    assert np.allclose(first, again, atol=1e-5)
    assert cross.logits("?", []).shape == (0,)
    long = cross.logits("why " * 500, ["word " * 500])  # cut to the model's window, not an error
    assert long.shape == (1,) and np.isfinite(long).all()


@pytest.mark.slow
@pytest.mark.parametrize("question, answer, other", [
    ("Who designed the bridge?", "The bridge was designed by the engineer Maria Keller.",
     "The bridge carries four lanes of traffic across the river."),
    ("How many people live in the town?", "About 12,000 people live in the town today.",
     "The town has a market square and a small harbour."),
    ("When did the factory close?", "The factory closed in 1987 after a long strike.",
     "The factory made bicycles and sewing machines."),
    ("What does the enzyme break down?", "The enzyme breaks down starch into simple sugars.",
     "The enzyme was first isolated from barley in a laboratory."),
])
def test_the_sentence_that_answers_scores_higher(question, answer, other):
    """Sentences about the same subject, only one of which answers (written for this test;
    none is in the training data)."""
    hit, miss = default_cross().logits(question, [answer, other])
    assert hit > miss
