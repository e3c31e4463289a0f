"""The cross-reader: the question and a candidate sentence read together by one transformer.

The bi-encoder (`score.py`) embeds the question and each sentence apart; here the bundled
MiniLM reads "question [SEP] heading. sentence" as one input, so every word of the question
attends to every word of the sentence. Low-rank adapters (LoRA) on its top layers and a
head (`read_out`) were trained by `eval/train_cross.py` on
general reading-comprehension data (SQuAD 2.0 training articles) and the project's tuning
cases, never on the corpus it serves; `cross.npz` holds only the adapters and the head
(under 1 MB), merged into the base model's weights on load. Its logit, how likely the
sentence answers the question, is one of the reader's features (`reader.py`).

Only the first `CROSS_TOP` candidates in the engine's order are read (the rest get
`UNREAD`): each costs a transformer pass. This module does not retrieve, rank or decide.

`CrossReader.load().logits(question, texts)` gives one logit per text (the real model;
tests/engine/test_cross.py). What it reads of a candidate:

    >>> pair_text("History", "It was chartered in 1650.")
    'History. It was chartered in 1650.'
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import ReaderError

CROSS_FILE = Path(__file__).with_name("cross.npz")
CROSS_TOP = 4  # candidates read per question, the engine's first
UNREAD = -20.0  # the logit feature of a candidate not read
MAX_TOKENS = 96  # question and sentence together; past it the longer of the two is cut


def pair_text(heading: str, text: str) -> str:
    """What the cross-reader sees of a candidate: its heading, then the sentence."""
    return f"{heading}. {text}" if heading else text


def question_tokens(encoding):
    """Per pair of a padded tokenizer output (tensors), its tokens of the first segment:
    [CLS] question [SEP]."""
    return ((encoding["token_type_ids"] == 0) & (encoding["attention_mask"] == 1)).sum(1)


def read_out(torch, states, attention, question_tokens, head):
    """The logit of each pair from its top-layer token states: the scaled cosine of the
    question's mean token state and the candidate's (each without its [CLS] or [SEP]), so
    an untrained head already ranks as the bi-encoder does, plus a linear map of the mean
    of all the pair's states. `question_tokens`: per pair, its tokens of the first segment
    ([CLS] question [SEP]); `head`: "weight", "bias", "scale" and "shift"."""
    dtype = states.dtype
    m = attention.unsqueeze(-1).to(dtype)
    pooled = (states * m).sum(1) / m.sum(1)
    at = torch.arange(states.shape[1]).unsqueeze(0)
    q = question_tokens.unsqueeze(1)
    end = attention.sum(1, keepdim=True)
    in_question = ((at >= 1) & (at < q - 1)).to(dtype).unsqueeze(-1)
    in_candidate = ((at >= q) & (at < end - 1)).to(dtype).unsqueeze(-1)
    question = (states * in_question).sum(1) / in_question.sum(1).clamp(min=1)
    candidate = (states * in_candidate).sum(1) / in_candidate.sum(1).clamp(min=1)
    cosine = torch.nn.functional.cosine_similarity(question, candidate, dim=-1)
    return pooled @ head["weight"] + head["bias"] + head["scale"] * cosine + head["shift"]


class CrossReader:
    """The base model with the adapters merged, and the head."""

    def __init__(self, weights: dict[str, np.ndarray], base: str | Path):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(base))
            model = AutoModel.from_pretrained(str(base))
        except OSError as exc:
            raise ReaderError(f"the cross-reader's base model could not be loaded from {base}: {exc}") from exc
        try:
            scale = float(weights["lora_scale"])
            names = sorted({k[: -len(".A")] for k in weights if k.endswith(".A")})
            with torch.no_grad():
                for name in names:
                    linear = model.get_submodule(name)
                    a = torch.from_numpy(weights[f"{name}.A"].astype(np.float32))
                    b = torch.from_numpy(weights[f"{name}.B"].astype(np.float32))
                    linear.weight += scale * (b @ a)
            scale, shift = (float(v) for v in weights["head.cosine"].reshape(-1)[:2])
            self.head = {"weight": torch.from_numpy(weights["head.weight"].astype(np.float32)).reshape(-1),
                         "bias": float(weights["head.bias"].reshape(-1)[0]), "scale": scale, "shift": shift}
        except (KeyError, AttributeError, RuntimeError, ValueError) as exc:
            raise ReaderError(f"not a cross-reader model ({type(exc).__name__}: {exc}); "
                              "run `python eval/train_cross.py` to rebuild it") from exc
        if not names:
            raise ReaderError("not a cross-reader model (no adapters); run `python eval/train_cross.py`")
        self.model = model.eval()
        self._torch = torch
        self._lock = threading.Lock()  # one pass at a time: the two cores are shared anyway

    @classmethod
    def load(cls, path: Path = CROSS_FILE, base: str | Path | None = None) -> CrossReader:
        """Read `path` and merge it into `base` (by default the bundled MiniLM)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                weights = {k: data[k] for k in data.files}
        except FileNotFoundError as exc:
            raise ReaderError(f"{path}: the cross-reader's model is missing; "
                              "run `python eval/train_cross.py` to build it") from exc
        except (OSError, ValueError) as exc:
            raise ReaderError(f"{path}: not a cross-reader model ({type(exc).__name__}: {exc}); "
                              "run `python eval/train_cross.py` to rebuild it") from exc
        if base is None:
            from ingest.embed import BUNDLED_MODEL, model_location

            base = model_location(BUNDLED_MODEL)[0]
        return cls(weights, base)

    def logits(self, question: str, texts: list[str]) -> np.ndarray:
        """One logit per text: how likely it answers `question` (higher is likelier)."""
        if not texts:
            return np.zeros(0)
        torch = self._torch
        enc = self.tokenizer([question] * len(texts), texts, truncation="longest_first",
                             max_length=MAX_TOKENS, padding=True, return_tensors="pt")
        with self._lock, torch.inference_mode():
            states = self.model(**enc).last_hidden_state
            out = read_out(torch, states, enc["attention_mask"], question_tokens(enc), self.head)
        return out.double().numpy()


@lru_cache(maxsize=1)
def default_cross() -> CrossReader:
    """The shipped cross-reader, loaded once."""
    return CrossReader.load()
