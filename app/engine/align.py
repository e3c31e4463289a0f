"""Token-level alignment of a question with candidate sentences (late interaction).

For each content token of the question (not a stop word, not punctuation), the cosine of
its contextual vector to the closest token of the sentence, from the same model that
embeds the corpus. A sentence that answers holds a close match for every part of the
question; one that only resembles it leaves some part unmatched (a changed name, date or
relation), which a whole-sentence similarity averages away. `Aligner.figures` sums that
up as `FIGURES` per sentence, for the reader (`reader.py`).

Only the first `TOP` sentences (the engine passes them best first) are aligned; the rest
get `UNALIGNED` in every figure. Encoding is the cost: a sentence takes about as long as
the question's own embedding, and on a large corpus few of them are cached, so aligning
all twenty-odd candidates would multiply the answer's latency (BENCHMARKS.md).

With embeddings that expose no token vectors (a LangChain fake, an API model), the
alignment falls back to exact word matches: a question word scores 1 when the sentence
has it, else 0. Token matrices are cached per text (the last `CACHE_SIZE`). This module
does not choose or judge sentences.

`Aligner.embed_query` gives a question's vector, as the embeddings' own `embed_query`
would, from the same forward pass as its token vectors, so the engine runs the model
once per question for the policy, retrieval and alignment together.

    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> Aligner(DeterministicFakeEmbedding(size=8)).figures("When did the war end?",
    ...     ["The war ended in 1945.", "Peace came."]).round(2).tolist()
    [[0.5, 0.0, 1.0, 0.5], [0.0, 0.0, 0.0, 1.0]]
    >>> Aligner(DeterministicFakeEmbedding(size=8)).figures("When did the war end?",
    ...     ["The war ended in 1945.", "Peace came."], top=1)[1].tolist()
    [-1.0, -1.0, -1.0, -1.0]
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import numpy as np

from app.engine.terms import words

FIGURES = ("align_mean", "align_min", "align_second", "align_weak")
WEAK = 0.55  # a question token whose best match is under this cosine is unmatched
TOP = 3  # sentences aligned per question: the first-pass top 3 hold 91% of training answers
UNALIGNED = -1.0  # every figure of a sentence past `TOP`: below any real one, so a tree splits it off
CACHE_SIZE = 20_000
VECTORS = 256  # question vectors kept: the policy and retrieval ask for the same one
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
        self.embeddings = embeddings
        self.size = size
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        kwargs = getattr(embeddings, "query_encode_kwargs", None) or getattr(embeddings, "encode_kwargs", {})
        # one pass gives what embed_query would only for plain settings (no prompt, no pool)
        self._normalize = bool(kwargs.get("normalize_embeddings"))
        self._one_pass = self.model is not None and not getattr(embeddings, "multi_process", False) and set(
            kwargs) <= {"normalize_embeddings", "batch_size"}

    def embed_query(self, text: str) -> np.ndarray:
        """`text`'s vector as `embeddings.embed_query(text)` gives it (float32); its token
        vectors are kept for `figures`. The last `VECTORS` texts' vectors are cached."""
        with self._lock:
            if (found := self._vectors.get(text)) is not None:
                return found.copy()
        if not self._one_pass:
            vector = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
        else:
            flat = text.replace("\n", " ")  # as langchain_huggingface embeds it
            out = self.model.encode([flat], output_value=None, convert_to_numpy=False,
                                    show_progress_bar=False)[0]
            vector = out["sentence_embedding"].float().numpy()
            if self._normalize:
                vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
            vector = vector.astype(np.float32)
            if flat == text:
                tokens = self._split(out, len(out["token_embeddings"]))
                with self._lock:
                    self._remember(self._cache, text, tokens, self.size)
        with self._lock:
            self._remember(self._vectors, text, vector, VECTORS)
        return vector.copy()

    def figures(self, question: str, sentences: list[str], *, top: int = TOP) -> np.ndarray:
        """`FIGURES` for each of `sentences`: the mean, lowest and second lowest best-match
        cosine of the question's content tokens, and the share of them under `WEAK`; for
        the sentences past the first `top`, `UNALIGNED`."""
        out = np.full((len(sentences), len(FIGURES)), UNALIGNED)
        first = sentences[:top]
        if not first:
            return out
        if self.model is None:
            out[:len(first)] = [_summary(_word_matches(question, s)) for s in first]
            return out
        tokens = self._tokens([question, *first])
        content = tokens[question][1]
        out[:len(first)] = [_summary((content @ tokens[s][0].T).max(axis=1) if len(tokens[s][0])
                                     else np.zeros(len(content))) for s in first]
        return out

    def _tokens(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per text: (every word token's unit vector, those of its content tokens)."""
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            outputs = self.model.encode(missing, output_value=None,  # token vectors and their ids
                                        convert_to_numpy=False, show_progress_bar=False)
            for text, out in zip(missing, outputs):
                found[text] = self._split(out, len(out["token_embeddings"]))
            with self._lock:
                for t in missing:
                    self._remember(self._cache, t, found[t], self.size)
        return found

    @staticmethod
    def _remember(cache: OrderedDict, key: str, value, size: int) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > size:
            cache.popitem(last=False)

    def _split(self, out: dict, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(every word token's unit vector, those of its content tokens) of one encode output."""
        matrix = out["token_embeddings"].float().numpy()
        names = self.model.tokenizer.convert_ids_to_tokens(out["input_ids"][:length].tolist())
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms > 0, norms, 1.0)
        special = set(self.model.tokenizer.all_special_tokens)
        kept = [i for i, n in enumerate(names) if n not in special and WORD.search(n)]
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
