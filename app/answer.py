"""The answer engine: question (and conversation) in, `Answer` with exact citations out.

Steps: check the question against the safety policy (`policy.py`), which
refuses personal dosing before anything is retrieved; clean the question, make
a follow-up standalone (`query.py`), retrieve
passages (`retrieve.py`), score their sentences (`extract.py`), then either
compose an answer from the best sentences, each ending in its citation marker,
or decline. It declines when `ANSWERABILITY`, a weighted sum of the best
sentence's semantic similarity and lexical coverage and of the share of the
question's term weight found in no document at all (a half-life, a street
price), is below 0, or, on the corpus it was fitted for, when the question prior
(`prior.py`) says so. Both were fitted on `eval/tuning.jsonl` by
`eval/calibrate.py`, never on the test questions.

Every answer sentence is a document sentence with bullets and residue removed,
and its citation quote is that sentence's exact span of the file, so the
answer says nothing the documents do not say.

This module keeps no state between questions other than caches.

    >>> answer("What are the symptoms of serotonin syndrome?").decision  # doctest: +SKIP
    <Decision.ANSWER: 'answer'>
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from functools import lru_cache
from dataclasses import asdict, dataclass, field
from enum import Enum

import httpx
import numpy as np

from app import policy
from app.decline import SUGGESTIONS, Topics, decline_text, nearest_headings, suggestion, topics
from app.extract import Scored, SentenceEncoder, score_sentences, select
from app.prior import PRIOR_FILE, QuestionPrior
from app.query import Query, clean_question, contextualize
from app.retrieve import LexicalIndex, Passage, Retriever
from app.terms import expand_aliases, terms, words
from ingest.embed import load_embeddings
from ingest.sentences import Sentence, sentences
from ingest.settings import Settings, get_settings
from ingest.store import StoreError, generation, open_store

# Answer when this weighted sum of the best sentence's figures is >= 0. Fitted by
# `python eval/calibrate.py` on eval/tuning.jsonl (logistic regression).
ANSWERABILITY = {"semantic": 2.01, "lexical": 1.34, "unknown": -1.38, "bias": -1.42}
SUGGESTION_TRIES = 10  # nearest headings tried for the 3 suggested questions
VOCAB_MAX = 20_000  # document words, most frequent first, an unknown word is compared with
HISTORY_WEIGHT = 0.5  # a carried-over topic term counts half as much as the question's own


class Decision(str, Enum):
    ANSWER = "answer"
    DECLINE = "decline"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    section: str
    start: int
    end: int
    quote: str  # == the file's text[start:end]
    page: int | None = None


@dataclass
class Answer:
    question: str
    decision: Decision
    text: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    reason: str = ""  # which rule decided: supported, not_covered, empty, personal_use, ...
    scores: dict[str, float] = field(default_factory=dict)  # the figures the rule looked at
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per step
    query: str = ""  # what was searched; differs from the question for a follow-up
    trigger: str = ""  # for a refusal: the words the policy rule matched

    def to_dict(self) -> dict:
        return {"question": self.question, "decision": self.decision.value, "text": self.text,
                "reason": self.reason, "query": self.query, "trigger": self.trigger,
                "citations": [asdict(c) for c in self.citations],
                "passages": [p.to_dict() for p in self.passages],
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "timings": {k: round(v, 2) for k, v in self.timings.items()}}


class Engine:
    """Answers questions from one store; load once, ask many times."""

    def __init__(self, settings: Settings, *, embeddings=None):
        self.settings = settings
        self.embeddings = embeddings or load_embeddings(
            settings.embedding_model, device=settings.embedding_device,
            batch_size=settings.embed_batch_size)
        self._generation = generation(settings)
        self._sync_lock = threading.Lock()
        self.retriever = Retriever(open_store(settings), self.embeddings)
        self.encoder = SentenceEncoder(
            self.embeddings, stored=lambda keys: self.retriever.store.sentence_vectors(keys))
        self.question_prior = QuestionPrior.load(PRIOR_FILE)
        self._facts: _IndexFacts | None = None
        self._kept: dict[str, dict[str, np.ndarray]] = {}  # see _kept_vectors

    def answer(self, question: str, history: list[dict] | None = None) -> Answer:
        clock = _Clock()
        problem = self._check(question)
        if problem:
            return Answer(question, Decision.DECLINE, problem[1], reason=problem[0],
                          timings=clock.lap("check"))
        verdict = policy.check(question, history)
        if verdict.refuse:
            return Answer(question, Decision.REFUSE, policy.REFUSAL, reason=verdict.rule,
                          timings=clock.lap("policy"), trigger=verdict.trigger)
        clock.lap("policy")
        try:
            return self._answer_from_store(question, history, clock)
        except httpx.TransportError as exc:  # a Chroma server that is down or does not answer
            raise StoreError(f"cannot reach the Chroma server at {self.retriever.store.location}"
                             f" ({type(exc).__name__}); try again when it is back") from exc

    def _answer_from_store(self, question: str, history: list[dict] | None,
                           clock: _Clock) -> Answer:
        self.sync()
        query = contextualize(clean_question(question), history)
        vector, passages, scored, scores = self._evaluate(query, clock)
        reason = _reason(scores, bool(passages))
        if reason != "supported":
            text = self._decline_text(vector)
            return Answer(question, Decision.DECLINE, text, passages=passages, reason=reason,
                          scores=scores, timings=clock.lap("compose"), query=query.text)
        chosen = select(scored, limit=self.settings.max_answer_sentences)
        text, citations = compose([c.sentence for c in chosen])
        return Answer(question, Decision.ANSWER, text, citations, passages, reason, scores,
                      clock.lap("compose"), query.text)

    def sync(self) -> None:
        """Reopen the embedded store after another process's ingest changed it (see
        `ingest.store`); a server store is always current."""
        if self.settings.chroma_mode != "embedded":
            return
        now = generation(self.settings)
        if now == self._generation:
            return
        with self._sync_lock:
            if now != self._generation:  # not done by a parallel question meanwhile
                self.retriever.replace_store(open_store(self.settings))
                self._generation = now  # only once the new store serves

    def _evaluate(self, query: Query, clock: _Clock):
        """Embed, retrieve and score: (vector, passages, scored sentences, judge's figures)."""
        vector = self.retriever.embed(expand_aliases(query.text))
        clock.lap("embed")
        passages = self.retriever.search(query.text, k=self.settings.top_k, vector=vector)
        clock.lap("retrieve")
        scored = score_sentences(self.encoder, vector, self._weights(query),
                                 _candidates(passages))
        clock.lap("score")
        return vector, passages, scored, self._judge(query, scored, vector)

    def _check(self, question: str) -> tuple[str, str] | None:
        """(reason, message) for input that cannot be a question, else None."""
        if not isinstance(question, str) or not clean_question(question):
            return "empty", "Please type a question about the documents."
        limit = self.settings.max_question_chars
        if len(question.strip()) > limit:
            return "too_long", (f"That question is {len(question.strip()):,} characters long; "
                                f"the limit is {limit:,}. Please shorten it.")
        return None

    def _weights(self, query: Query) -> dict[str, float]:
        """IDF weight of each query term; carried-over topic terms count less."""
        own = set(terms(query.question, aliases=True))
        weights = {}
        for t in terms(query.text, aliases=True):
            weights[t] = self.retriever.lexical.idf(t) * (1.0 if t in own else HISTORY_WEIGHT)
        return weights

    def _judge(self, query: Query, scored: list[Scored], vector: np.ndarray) -> dict[str, float]:
        """The figures the answer-or-decline rule looks at; `answerability` decides.

        It comes from the question prior fitted for this corpus when that applies
        (`prior` 1), else from the corpus-agnostic `ANSWERABILITY` weights (`prior` 0).
        """
        lexical = self.retriever.lexical
        own = {t: lexical.idf(t) for t in terms(query.question, aliases=True)}
        total = sum(own.values()) or 1.0
        missing = {t: w for w in words(query.question) for t in terms(w, aliases=True)
                   if not lexical.df.get(t)}  # stem -> the word as asked
        near = self._nearest_words(list(missing.values()))
        unknown = sum(own[t] * (1 - near.get(w, 0.0)) for t, w in missing.items())

        best = scored[0] if scored else None
        scores = {"best": best.score if best else 0.0,
                  "semantic": best.semantic if best else 0.0,
                  "lexical": best.lexical if best else 0.0,
                  "unknown": unknown / total}
        scores["agnostic"] = ANSWERABILITY["bias"] + sum(
            w * scores[k] for k, w in ANSWERABILITY.items() if k != "bias")
        prior = self._index_facts().prior(self)
        scores["prior"] = 1.0 if prior else 0.0
        scores["answerability"] = prior.logit(scores, vector) if prior else scores["agnostic"]
        return scores

    def _nearest_words(self, missing: list[str]) -> dict[str, float]:
        """For words no document has, the cosine to the closest word the documents do have."""
        if not missing:
            return {}
        facts = self._index_facts()
        if facts.vocab is None:
            counts = Counter(w for c in facts.index.chunks for w in set(words(c.embedding_text())))
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # reproducible
            vocab = sorted([w for w, _ in ranked if terms(w)][:VOCAB_MAX])
            facts.vocab = self._kept_vectors("words", vocab)
        if not len(facts.vocab):
            return {}
        vectors = self.encoder.encode_texts(missing)
        return {t: max(0.0, float(v.max())) for t, v in zip(missing, vectors @ facts.vocab.T)}

    def _decline_text(self, vector: np.ndarray) -> str:
        """The decline message, suggesting only questions this engine does answer."""
        facts = self._index_facts(topics_too=True)  # once: a refresh may replace the index
        return decline_text(facts.topics, self._answerable_headings(facts, vector, SUGGESTIONS))

    def example_questions(self, limit: int = 4) -> list[str]:
        """Questions this engine answers, one per document as far as they go: for a first
        visit. Empty when the store holds no documents."""
        self.sync()
        self.retriever.refresh()
        facts = self._index_facts(topics_too=True)
        picked: list[str] = []
        for vector in self._kept_vectors("titles", facts.topics.titles[:limit]):
            for heading in self._answerable_headings(facts, vector, len(picked) + 1):
                if suggestion(heading) not in picked:
                    picked.append(suggestion(heading))
        return picked[:limit]

    def _answerable_headings(self, facts: _IndexFacts, vector: np.ndarray, n: int) -> list[str]:
        """Up to `n` headings near `vector` whose suggested question this engine answers."""
        picked = []
        for heading in nearest_headings(facts.topics, facts.heading_vectors, vector,
                                        n=SUGGESTION_TRIES):
            if len(picked) == n:
                break
            if heading not in facts.answerable:
                question = suggestion(heading)
                _, passages, _, scores = self._evaluate(contextualize(question), _Clock())
                facts.answerable[heading] = (_reason(scores, bool(passages)) == "supported"
                                             and not policy.check(question).refuse)
            if facts.answerable[heading]:
                picked.append(heading)
        return picked

    def _kept_vectors(self, kind: str, texts: list[str]) -> np.ndarray:
        """Rows for `texts`, embedding only those the last call of this `kind` did not have
        (after a re-ingest the document words, headings and titles are mostly the same), and
        keeping only these."""
        old = self._kept.get(kind, {})
        new = [t for t in dict.fromkeys(texts) if t not in old]
        kept = {t: old[t] for t in texts if t in old} | dict(zip(new, _embed(self.embeddings, new)))
        self._kept[kind] = kept  # a new dict: a parallel caller keeps reading its own
        return np.stack([kept[t] for t in texts]) if texts else _embed(self.embeddings, [])

    def _index_facts(self, *, topics_too: bool = False) -> _IndexFacts:
        """What is derived from the current lexical index, started afresh when it is rebuilt."""
        if self._facts is None or self._facts.index is not self.retriever.lexical:
            self._facts = _IndexFacts(self.retriever.lexical)
        facts = self._facts
        if topics_too and facts.topics is None:
            found = topics(facts.index.chunks)
            facts.heading_vectors = self._kept_vectors("headings", found.headings)
            facts.topics = found  # last: a parallel question never sees topics without vectors
        return facts


@dataclass
class _IndexFacts:
    """Derived from one lexical index, each part built on first need."""

    index: LexicalIndex
    vocab: np.ndarray | None = None  # one row per distinct document word
    topics: Topics | None = None
    heading_vectors: np.ndarray | None = None
    answerable: dict[str, bool] = field(default_factory=dict)  # heading -> suggestion answered
    _prior: QuestionPrior | None | bool = None  # False: checked, does not apply

    def prior(self, engine: Engine) -> QuestionPrior | None:
        """The engine's fitted question prior, if it was fitted on this index's corpus."""
        if self._prior is None:
            ids = {c.id for c in self.index.chunks}
            fitted = engine.question_prior
            self._prior = fitted if fitted and fitted.applies(
                ids, engine.settings.embedding_model) else False
        return self._prior or None


def _embed(embeddings, texts: list[str]) -> np.ndarray:
    """Normalized rows for `texts`, bypassing the sentence cache (these are kept elsewhere)."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.asarray(embeddings.embed_documents(texts), dtype=np.float32)


def compose(chosen: list[Sentence]) -> tuple[str, list[Citation]]:
    """Answer text, each sentence ending in its marker, and the citations, numbered by first use.

    >>> s = Sentence("a.txt", "T", "S", 5, 30, "• MDMA raises serotonin.", "MDMA raises serotonin.")
    >>> compose([s])
    ('MDMA raises serotonin. [1]', [Citation(n=1, source='a.txt', title='T', section='S', start=5, end=30, quote='• MDMA raises serotonin.', page=None)])
    """
    citations: dict[tuple[str, int, int], Citation] = {}
    parts = []
    for s in chosen:
        key = (s.source, s.start, s.end)
        if key not in citations:
            citations[key] = Citation(len(citations) + 1, s.source, s.title, s.section,
                                      s.start, s.end, s.quote, s.page)
        parts.append(f"{s.text} [{citations[key].n}]")
    return " ".join(parts), list(citations.values())


MARKED = re.compile(r"(.+?) ((?:\[\d+\])+)(?: |$)", re.S)
MARKER = re.compile(r"\[(\d+)\]")


def marked_sentences(text: str) -> tuple[list[tuple[str, list[int]]], str]:
    """An answer's (sentence, marker numbers) pairs, and any text outside them (none for an
    answer `compose` wrote): the inverse of `compose`.

    >>> marked_sentences("MDMA raises serotonin. [1] It depletes it. [1][2]")
    ([('MDMA raises serotonin.', [1]), ('It depletes it.', [1, 2])], '')
    """
    pieces, unmarked, pos = [], [], 0
    for m in MARKED.finditer(text):
        unmarked.append(text[pos:m.start()])
        pieces.append((m.group(1), [int(n) for n in MARKER.findall(m.group(2))]))
        pos = m.end()
    unmarked.append(text[pos:])
    return pieces, "".join(unmarked).strip()


def _candidates(passages: list[Passage]) -> list[Sentence]:
    """The sentences of the passages, each span once."""
    seen: dict[tuple[str, int, int], Sentence] = {}
    for p in passages:
        for s in sentences(p.chunk):
            seen.setdefault((s.source, s.start, s.end), s)
    return list(seen.values())


def _reason(scores: dict[str, float], retrieved: bool) -> str:
    if not retrieved:
        return "empty_index"
    return "supported" if scores["answerability"] >= 0 else "not_covered"


class _Clock:
    """Milliseconds per step, for `Answer.timings`."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._start = self._last = time.perf_counter()

    def lap(self, name: str) -> dict[str, float]:
        now = time.perf_counter()
        self.laps[name] = (now - self._last) * 1000
        self.laps["total"] = (now - self._start) * 1000
        self._last = now
        return self.laps


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The process-wide engine for `get_settings()`, built on first use."""
    return Engine(get_settings())


def answer(question: str, history: list[dict] | None = None) -> Answer:
    """Answer `question` from the configured store; see `Engine.answer`."""
    return default_engine().answer(question, history)
