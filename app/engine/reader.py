"""The reader: how likely each candidate sentence is to answer the question, for any corpus.

`features` describes each (question, candidate sentence) pair by figures that mean the
same on any corpus: the sentence's semantic similarity and lexical coverage (`score.py`),
coverage by its surrounding passage, the weight of the question's words it lacks (a
subject the sentence is not about), the question's kind (who, when, how many ...) against
what the sentence holds (a name, a year, a number), shared word pairs, how closely each
part of the question is matched token by token (`align.py`), and how far it sits from the
best candidate. `Reader` turns the rows into probabilities with a small
gradient-boosted tree ensemble trained on general reading-comprehension data (SQuAD 2.0
articles) and the project's tuning cases by `eval/train_reader.py`, never on the corpus
it serves; it is stored as plain arrays in `reader.json` and run with numpy.

A second, small model (`Reader.read`) turns the candidates' probabilities and the best
one's figures into the probability that the question is answered at all; the judge
(`judge.py`) compares it with `Reader.threshold`, and the answer is built from the most
probable sentences (`choose`).

This module does not retrieve, embed or write messages, and does not filter
instructions to a writer (`score.py` never makes them candidates).

    >>> ask_kind("In what year did the war end?"), ask_kind("How many people died?")
    ('when', 'count')
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from app.engine.align import FIGURES as ALIGN_FIGURES
from app.engine.align import UNALIGNED
from app.engine.cross import UNREAD
from app.engine.query import Query
from app.engine.retrieve import Passage
from app.engine.score import REDUNDANT, Scored
from app.engine.terms import normalize, terms, words
from ingest.errors import ReaderError

READER_FILE = Path(__file__).with_name("reader.json")

FEATURES = (
    "semantic", "lexical", "cover_sentence", "cover_context", "semantic_gap", "cover_gap",
    "rank", "passage_rank", "missing_sentence", "missing_context", "unknown", "pairs",
    "question_terms", "sentence_terms", "novelty", "numbers_missing", "names_missing",
    "names_missing_context", "negation_mismatch",
    "ask_who", "ask_when", "ask_where", "ask_count", "ask_why", "ask_how", "ask_what",
    "has_number", "has_year", "has_new_name", "has_month", "type_found",
    "best_semantic", "best_cover", *ALIGN_FIGURES, "align_gap", "align_min_gap",
    "cross", "cross_gap", "best_cross",
)

# Question kinds, tried in order on the question's first words; the last one is the rest.
ASKS = (
    ("count", re.compile(r"\b(how (many|much|long|far|old|large|big|often)|what (number|percentage|"
                         r"proportion|amount|size)|how much)\b")),
    ("when", re.compile(r"\b(when|what (year|date|century|decade|time|period)|which (year|century|"
                        r"decade))\b")),
    ("who", re.compile(r"\b(who|whom|whose)\b")),
    ("where", re.compile(r"\bwhere\b")),
    ("why", re.compile(r"\bwhy\b")),
    ("how", re.compile(r"\bhow\b")),
    ("what", re.compile(r"\b(what|which)\b")),
)
EXPECTS = {"count": ("has_number",), "when": ("has_year", "has_month"), "who": ("has_new_name",),
           "where": ("has_new_name",)}
NUMBER = re.compile(r"\d")
YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
MONTHS = frozenset("january february march april may june july august september october "
                   "november december".split())
NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][\w'-]+")  # a capitalized word that does not start the text
NEGATION = frozenset({"not", "no", "never", "none", "nor", "neither", "without", "cannot"})
@dataclass(frozen=True)
class Candidate:
    """A scored sentence and its probability of answering."""

    scored: Scored
    probability: float


def ask_kind(question: str) -> str:
    """The kind of answer `question` asks for: count, when, who, where, why, how, what or other.

    >>> ask_kind("Whose idea was it?")
    'who'
    """
    text = " ".join(words(question))
    for kind, pattern in ASKS:
        if pattern.search(text):
            return kind
    return "other"


def _cover(weights: dict[str, float], found: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in found) / total if total else 0.0


def _missing(weights: dict[str, float], found: set[str], top: float) -> float:
    """The largest weight of a term not in `found`, as a share of `top`."""
    return max((w for t, w in weights.items() if t not in found), default=0.0) / top if top else 0.0


def _names(text: str) -> set[str]:
    return {w.casefold() for w in NAME.findall(normalize(text))}


def _pairs(seq: list[str]) -> set[tuple[str, str]]:
    return set(zip(seq, seq[1:]))


@lru_cache(maxsize=20_000)  # candidate sentences and passages recur from question to question
def _term_list(text: str) -> tuple[str, ...]:
    return tuple(terms(text))


@lru_cache(maxsize=20_000)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(words(text))


def features(query: Query, weights: dict[str, float], scored: list[Scored],
             passages: list[Passage], unknown: float, aligned: np.ndarray,
             crossed: np.ndarray) -> np.ndarray:
    """One row of `FEATURES` per candidate in `scored` (the engine's order); `aligned` holds
    their token alignment with the question (`align.Aligner.figures`), one row each, or
    `UNALIGNED` for a sentence it did not align (then so are its gaps); `crossed` their
    cross-reader logits (`cross.py`), `UNREAD` for a sentence it did not read."""
    if not scored:
        return np.zeros((0, len(FEATURES)))
    question = query.question
    own = terms(question, aliases=True)
    top = max(weights.values(), default=0.0)
    q_pairs = _pairs(own)
    q_numbers = set(re.findall(r"\d+(?:\.\d+)?", question))
    q_names = _names(question) - {w.casefold() for w in words(question)[:1]}
    q_negated = bool(NEGATION & set(words(question))) or "n't" in question.casefold()
    kind = ask_kind(question)
    rank_of = {}
    context_terms: dict[str, set[str]] = {}
    context_words: dict[str, set[str]] = {}
    for rank, p in enumerate(passages):
        c = p.chunk
        rank_of.setdefault(c.source, []).append((c.start, c.end, rank))
        context_words[f"{c.source}:{c.start}"] = _word_set(c.embedding_text())
        context_terms[f"{c.source}:{c.start}"] = set(_term_list(c.embedding_text()))
    best_sem = max(s.semantic for s in scored)
    best_cross = float(crossed.max())
    covers = []
    rows = []
    for i, s in enumerate(scored):
        sent = s.sentence
        s_list = _term_list(sent.text)
        s_terms = set(s_list)
        around = set(_term_list(sent.heading)) | set(_term_list(sent.title))
        chunk_keys = [f"{sent.source}:{a}" for a, b, _ in rank_of.get(sent.source, [])
                      if a <= sent.start and sent.end <= b]
        ctx = s_terms | around
        ctx_all = ctx.union(*(context_terms[k] for k in chunk_keys)) if chunk_keys else ctx
        passage_rank = min((r for a, b, r in rank_of.get(sent.source, [])
                            if a <= sent.start and sent.end <= b), default=len(passages))
        cover_sentence = _cover(weights, s_terms)
        covers.append(cover_sentence)
        s_names = _names(sent.text)
        lowered = _word_set(sent.text)
        names_here = s_names | _names(sent.heading) | _names(sent.title) | lowered
        names_ctx = names_here.union(*(context_words[k] for k in chunk_keys))
        has = {"has_number": bool(NUMBER.search(sent.text)),
               "has_year": bool(YEAR.search(sent.text)),
               "has_new_name": bool(s_names - q_names - set(words(question))),
               "has_month": bool(MONTHS & lowered)}
        expected = EXPECTS.get(kind)
        row = {
            "semantic": s.semantic, "lexical": s.lexical,
            "cover_sentence": cover_sentence, "cover_context": _cover(weights, ctx_all),
            "semantic_gap": best_sem - s.semantic, "cover_gap": 0.0,
            "rank": math.log1p(i), "passage_rank": math.log1p(passage_rank),
            "missing_sentence": _missing(weights, ctx, top),
            "missing_context": _missing(weights, ctx_all, top),
            "unknown": unknown,
            "pairs": len(q_pairs & _pairs(s_list)) / len(q_pairs) if q_pairs else 0.0,
            "question_terms": math.log1p(len(own)), "sentence_terms": math.log1p(len(s_list)),
            "novelty": len(s_terms - set(own)) / len(s_terms) if s_terms else 0.0,
            "numbers_missing": (len(q_numbers - set(re.findall(r"\d+(?:\.\d+)?", sent.text)))
                                / len(q_numbers)) if q_numbers else 0.0,
            "names_missing": len(q_names - names_here) / len(q_names) if q_names else 0.0,
            "names_missing_context": len(q_names - names_ctx) / len(q_names) if q_names else 0.0,
            "negation_mismatch": float(q_negated != bool(NEGATION & lowered)),
            **{f"ask_{k}": float(kind == k) for k in ("who", "when", "where", "count", "why", "how",
                                                       "what")},
            **{k: float(v) for k, v in has.items()},
            "type_found": (float(any(has[e] for e in expected)) if expected else 0.5),
            "best_semantic": best_sem, "best_cover": 0.0,
            **dict(zip(ALIGN_FIGURES, map(float, aligned[i]))),
            "align_gap": (UNALIGNED if aligned[i, 0] == UNALIGNED
                          else float(aligned[:, 0].max() - aligned[i, 0])),
            "align_min_gap": (UNALIGNED if aligned[i, 0] == UNALIGNED
                              else float(aligned[:, 1].max() - aligned[i, 1])),
            "cross": float(crossed[i]),
            "cross_gap": UNREAD if crossed[i] == UNREAD else best_cross - float(crossed[i]),
            "best_cross": best_cross,
        }
        rows.append(row)
    best_cover = max(covers)
    for row, c in zip(rows, covers):
        row["cover_gap"] = best_cover - c
        row["best_cover"] = best_cover
    return np.array([[row[f] for f in FEATURES] for row in rows], dtype=np.float64)


def choose(candidates: list[Candidate], *, limit: int, relative: float) -> list[Candidate]:
    """The most probable sentence first, then those with at least `relative` of its
    probability, most probable first; never an overlap or a repeat.

    >>> from ingest.sentences import Sentence
    >>> def cand(start, text, p):
    ...     s = Sentence("a.txt", "T", "T", start, start + len(text), text, text)
    ...     return Candidate(Scored(s, 0.0, 0.0, 0.0, np.zeros(0)), p)
    >>> [c.probability for c in choose([cand(0, "A fact here.", 0.3), cand(40, "Best fact here.", 0.8)],
    ...                                limit=3, relative=0.5)]
    [0.8]
    """
    ranked = sorted(candidates, key=lambda c: -c.probability)
    chosen: list[Candidate] = []
    for cand in ranked:
        if len(chosen) == limit or (chosen and cand.probability < relative * chosen[0].probability):
            break
        if any(_repeats(cand.scored, c.scored) for c in chosen):
            continue
        chosen.append(cand)
    return chosen


def lead(best: Candidate | None, picked: list[Scored], *, limit: int) -> list[Scored]:
    """`picked` (a choice by first-pass score) led by the reader's most probable sentence
    `best`: moved to the front if `picked` holds it, else put there in place of what
    repeats or overlaps it, then cut to `limit`.

    >>> from ingest.sentences import Sentence
    >>> def sc(start, text):
    ...     return Scored(Sentence("a.txt", "T", "T", start, start + len(text), text, text), 0.0, 0.0, 0.0,
    ...                   np.zeros(0))
    >>> a, b, c = sc(0, "A fact."), sc(20, "Another fact."), sc(40, "The answer.")
    >>> [s.sentence.text for s in lead(Candidate(c, 0.9), [a, b], limit=2)]
    ['The answer.', 'A fact.']
    >>> [s.sentence.text for s in lead(Candidate(b, 0.9), [a, b], limit=2)]
    ['Another fact.', 'A fact.']
    """
    if best is None:
        return picked
    top = best.scored
    return [top, *(s for s in picked if s is not top and not _repeats(top, s))][:limit]


def _repeats(a: Scored, b: Scored) -> bool:
    x, y = a.sentence, b.sentence
    if x.source == y.source and x.start < y.end and y.start < x.end:
        return True
    return bool(a.vector.size and b.vector.size and float(a.vector @ b.vector) > REDUNDANT)


QUESTION_FEATURES = (
    "best", "second", "margin", "candidates", "best_semantic", "best_cover", "unknown",
    "missing_sentence", "missing_context", "names_missing", "numbers_missing", "type_found",
    "negation_mismatch", "question_terms", "ask_who", "ask_when", "ask_where", "ask_count",
    "ask_why", "ask_how", "ask_what", "align_mean", "align_min", "align_weak", "cross", "best_cross",
)


def question_features(rows: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """One row of `QUESTION_FEATURES`: the sentence probabilities, best first, and the
    best sentence's own figures (its alignment: that of the best aligned sentence)."""
    if not len(rows):
        return np.zeros((1, len(QUESTION_FEATURES)))
    order = np.argsort(-probabilities, kind="stable")
    top = dict(zip(FEATURES, rows[order[0]]))
    mean = FEATURES.index(ALIGN_FIGURES[0])
    aligned = [i for i in order if rows[i, mean] != UNALIGNED]
    if aligned:
        top.update(zip(ALIGN_FIGURES, rows[aligned[0], mean:mean + len(ALIGN_FIGURES)]))
    best = float(probabilities[order[0]])
    second = float(probabilities[order[1]]) if len(order) > 1 else 0.0
    named = {"best": best, "second": second, "margin": best - second,
             "candidates": math.log1p(len(rows)), "best_cover": float(rows[:, FEATURES.index("cover_sentence")].max())}
    return np.array([[named[f] if f in named else top[f] for f in QUESTION_FEATURES]])


class Trees:
    """A gradient-boosted tree ensemble as arrays: every tree's nodes laid end to end, so
    all trees step down together."""

    def __init__(self, spec: dict, features: tuple[str, ...]):
        if tuple(spec["features"]) != features:
            raise ReaderError("reader.json was trained on other features; "
                              "run `python eval/train_reader.py` to retrain it")
        self.baseline = float(spec["baseline"])
        nodes = spec["nodes"]
        self.feature = np.asarray(nodes["feature"], dtype=np.int64)
        self.split = np.asarray(nodes["threshold"], dtype=np.float64)
        self.left = np.asarray(nodes["left"], dtype=np.int64)
        self.right = np.asarray(nodes["right"], dtype=np.int64)
        self.leaf = np.asarray(nodes["leaf"], dtype=bool)
        self.value = np.asarray(nodes["value"], dtype=np.float64)
        self.roots = np.asarray(spec["roots"], dtype=np.int64)
        self.depth = int(spec["depth"])

    def logits(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        at = np.broadcast_to(self.roots, (len(rows), len(self.roots))).copy()
        index = np.arange(len(rows))[:, None]
        for _ in range(self.depth):
            go_left = rows[index, self.feature[at]] <= self.split[at]
            at = np.where(self.leaf[at], at, np.where(go_left, self.left[at], self.right[at]))
        return self.baseline + self.value[at].sum(axis=1)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(rows)))


class Linear:
    """A logistic regression over standardized features, as arrays."""

    def __init__(self, spec: dict, features: tuple[str, ...]):
        if tuple(spec["features"]) != features:
            raise ReaderError("reader.json was trained on other features; "
                              "run `python eval/train_reader.py` to retrain it")
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.bias = float(spec["bias"])

    def logits(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.coef + self.bias

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(rows)))


class Reader:
    """Two models: a tree ensemble scores each candidate sentence (`FEATURES`), and a
    logistic regression says from those scores whether the question is answered at all
    (`QUESTION_FEATURES`)."""

    def __init__(self, spec: dict):
        try:
            self.sentence = Trees(spec["sentence"], FEATURES)
            self.question = Linear(spec["question"], QUESTION_FEATURES)
            self.threshold = float(spec["threshold"])
            self.relative = float(spec.get("relative", 0.5))
        except (KeyError, TypeError, ValueError) as exc:
            raise ReaderError(f"not a reader model ({type(exc).__name__}: {exc}); "
                              "run `python eval/train_reader.py` to rebuild it") from exc

    @classmethod
    def load(cls, path: Path = READER_FILE) -> Reader:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise ReaderError(f"{path}: the reader's model is missing; "
                              "run `python eval/train_reader.py` to build it") from exc
        except ReaderError as exc:
            raise ReaderError(f"{path}: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise ReaderError(f"{path}: not a reader model ({type(exc).__name__}: {exc}); "
                              "run `python eval/train_reader.py` to rebuild it") from exc

    def read(self, rows: np.ndarray) -> tuple[np.ndarray, float]:
        """Each candidate's probability of answering, and the probability that any does."""
        probabilities = self.sentence.probabilities(rows)
        answered = float(self.question.probabilities(question_features(rows, probabilities))[0])
        return probabilities, answered


@lru_cache(maxsize=1)
def default_reader() -> Reader:
    """The shipped reader, loaded once."""
    return Reader.load()
