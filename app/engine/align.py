"""Token-level alignment of a question with candidate sentences (late interaction).

For each content token of the question (not a stop word, not punctuation), the cosine of
its contextual vector to the closest token of the sentence, from the same model that
embeds the corpus. A sentence that answers holds a close match for every part of the
question; one that only resembles it leaves some part unmatched (a changed name, date or
relation), which a whole-sentence similarity averages away. `Aligner.figures` sums that
up as `FIGURES` per sentence, for the reader (`reader.py`).

With embeddings that expose no token vectors (a LangChain fake, an API model), the
alignment falls back to exact word matches: a question word scores 1 when the sentence
has it, else 0. Token matrices are cached per text (the last `CACHE_SIZE`). This module
does not choose or judge sentences.

    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> Aligner(DeterministicFakeEmbedding(size=8)).figures("When did the war end?",
    ...     ["The war ended in 1945.", "Peace came."]).round(2).tolist()
    [[0.5, 0.0, 1.0, 0.5], [0.0, 0.0, 0.0, 1.0]]
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import numpy as np

from app.engine.terms import words

FIGURES = ("align_mean", "align_min", "align_second", "align_weak")
WEAK = 0.55  # a question token whose best match is under this cosine is unmatched
CACHE_SIZE = 20_000
STOP = frozenset("""
the a an of in on at to for and or is are was were be been being by with as from that this
these those it its what which who whom whose when where why how did do does has have had
than then there their they he she his her i you we me my your our
""".split())
WORD = re.compile(r"\w")


class Aligner:
    """`figures(question, sentences)`: the alignment figures, one row per sentence."""

    def __init__(self, embeddings, *, size: int = CACHE_SIZE):
        client = getattr(embeddings, "_client", None)  # langchain_huggingface's SentenceTransformer
        self.model = client if hasattr(client, "tokenizer") and hasattr(client, "encode") else None
        self.size = size
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def figures(self, question: str, sentences: list[str]) -> np.ndarray:
        """`FIGURES` for each of `sentences`: the mean, lowest and second lowest best-match
        cosine of the question's content tokens, and the share of them under `WEAK`."""
        if not sentences:
            return np.zeros((0, len(FIGURES)))
        if self.model is None:
            return np.array([_summary(_word_matches(question, s)) for s in sentences])
        tokens = self._tokens([question, *sentences])
        content = tokens[question][1]
        return np.array([_summary((content @ tokens[s][0].T).max(axis=1) if len(tokens[s][0])
                                  else np.zeros(len(content))) for s in sentences])

    def _tokens(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per text: (every word token's unit vector, those of its content tokens)."""
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            outputs = self.model.encode(missing, output_value=None,  # token vectors and their ids
                                        convert_to_numpy=False, show_progress_bar=False)
            for text, out in zip(missing, outputs):
                matrix = out["token_embeddings"].float().numpy()
                found[text] = self._split(out["input_ids"][:len(matrix)].tolist(), matrix)
            with self._lock:
                self._cache.update((t, found[t]) for t in missing)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return found

    def _split(self, ids: list[int], matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        names = self.model.tokenizer.convert_ids_to_tokens(ids)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms > 0, norms, 1.0)
        kept = [i for i, n in enumerate(names) if n not in self.model.tokenizer.all_special_tokens
                and WORD.search(n)]
        content = [i for i in kept if names[i].lstrip("#").casefold() not in STOP] or kept
        return matrix[kept], matrix[content]


def _word_matches(question: str, sentence: str) -> np.ndarray:
    """1.0 for each content word of `question` that `sentence` has, else 0.0."""
    asked = [w for w in words(question) if w not in STOP] or words(question)
    have = set(words(sentence))
    return np.array([float(w in have) for w in asked])


def _summary(best: np.ndarray) -> list[float]:
    if not len(best):
        return [0.0, 0.0, 0.0, 1.0]
    ordered = np.sort(best)
    return [float(best.mean()), float(ordered[0]), float(ordered[min(1, len(ordered) - 1)]),
            float((best < WEAK).mean())]
