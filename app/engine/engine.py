"""The answer engine: question (and conversation) in, `Answer` with exact citations out.

`Engine` is thin; each phase is its own collaborator:
1. check the input (empty, no words, too long) and ask the safety policy (`app.policy`):
   a crisis reply, a language the policy does not read, or a personal-dosing refusal
   (followed by cited risk facts, retrieved for it) end here;
2. clean the question and make a follow-up standalone (`query.py`);
3. retrieve passages, dense and BM25 fused (`retrieve.py`);
4. score their sentences (`score.py`) and read them (`reader.py`: how likely each is to
   answer);
5. judge answer or decline (`judge.py`);
6. compose the answer from the reader's most probable sentences, or, where the corpus's
   own prior decided, by score with the reader's most probable first (`answer.py`), or
   decline with suggested
   questions the engine checked it answers (`suggest.py`).

Every answer sentence is a document sentence with bullets and residue removed, and its
citation quote is that sentence's exact span of the file, so the answer says nothing
the documents do not say. The engine keeps no state between questions but caches.

    >>> from langchain_core.embeddings import DeterministicFakeEmbedding
    >>> import tempfile
    >>> from pathlib import Path
    >>> engine = Engine(Settings(data_dir=Path(tempfile.mkdtemp())),
    ...                 embeddings=DeterministicFakeEmbedding(size=8))
    >>> engine.answer("What is SERT?").reason  # nothing ingested yet
    'empty_index'
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache

import httpx
import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_huggingface import HuggingFaceEmbeddings

from app import policy
from app.engine.align import Aligner
from app.engine.answer import Answer, Decision, compose
from app.engine.cross import CrossReader, default_cross
from app.engine.judge import Judge, reason
from app.engine.prior import PRIOR_FILE, QuestionPrior
from app.engine.query import Query, clean_question, contextualize
from app.engine.reader import Candidate, Reader, choose, default_reader, lead
from app.engine.retrieve import Mode, Passage, Retriever
from app.engine.score import Scored, SentenceEncoder, is_instruction, score_sentences, select
from app.engine.suggest import Suggester
from app.engine.terms import expand_aliases, terms, words
from app.engine.vectors import KeptVectors
from app.schemas import bounded_history
from app.settings import Settings, get_settings
from ingest.embed import load_embeddings, model_id
from ingest.errors import CitedQAError, StoreError
from ingest.sentences import Sentence, sentences
from ingest.store import FileRecord, generation, open_store

HISTORY_WEIGHT = 0.5  # a carried-over topic term counts half as much as the question's own
RISK_FACTS = 2  # cited risk sentences after a dosing refusal
RISK_FACT_CHARS = 400  # a longer sentence is not a fact for a refusal


@dataclass
class Assessment:
    """What the engine found for a question before deciding: for calibration and tests."""

    query: Query
    vector: np.ndarray
    passages: list[Passage]
    scored: list[Scored]
    scores: dict[str, float]  # the judge's figures
    weights: dict[str, float] = field(default_factory=dict)  # IDF weight of each query term
    candidates: list[Candidate] = field(default_factory=list)  # the reader's, most probable first

    @property
    def reason(self) -> str:
        return reason(self.scores, bool(self.passages))


class Engine:
    """Answers questions from one store; load once, ask many times."""

    def __init__(self, settings: Settings, *, embeddings: Embeddings | None = None,
                 reader: Reader | None = None, cross: CrossReader | None = None):
        self.settings = settings
        self.embeddings = embeddings or load_embeddings(
            settings.embedding_model, device=settings.embedding_device,
            batch_size=settings.embed_batch_size)
        self._generation = generation(settings)
        self._sync_lock = threading.Lock()
        self._policy_lock = threading.Lock()
        self._retriever = Retriever(open_store(settings), self.embeddings)
        self._encoder = SentenceEncoder(
            self.embeddings, stored=lambda keys: self._retriever.store.sentence_vectors(keys))
        kept = KeptVectors(self.embeddings)
        self._reader = reader or default_reader()
        self._aligner = Aligner(self.embeddings)  # the question's one pass through the model
        self._judge = Judge(self._encoder, kept, self._reader, lambda: cross or default_cross(),
                            QuestionPrior.load(PRIOR_FILE) if settings.question_prior else None,
                            settings.embedding_model, aligner=self._aligner)
        self._suggester = Suggester(kept, self._answers)

    # --- the public surface
    def answer(self, question: str, history: list[dict] | None = None) -> Answer:
        """The reply to `question`, after the turns of `history` (the most recent ones,
        bounded: `app.schemas.bounded_history`). Any input gets a decision; only a store
        that cannot be reached raises (`StoreError`)."""
        clock = _Clock()
        history = bounded_history(history, max_chars=self.settings.max_question_chars)
        problem = self._check(question)
        # the policy's rules read even a question of no words (Morse hides one); its learned
        # reader, which reads meaning into anything, only a question of words
        if not problem or problem[0] == "no_words":
            verdict = policy.check(question, history, **({} if problem else self._policy_reader(question)))
            if verdict.refuse:
                return self._refusal(question, verdict, clock)
        if problem:
            return Answer(question, Decision.DECLINE, problem[1], reason=problem[0],
                          timings=clock.lap("check"))
        if verdict.decline:
            return Answer(question, Decision.DECLINE, policy.message(policy.Reply.LANGUAGE),
                          reason=verdict.rule, timings=clock.lap("policy"))
        clock.lap("policy")
        try:
            result = self._answer_from_store(question, history, clock, verdict)
        except httpx.TransportError as exc:  # a Chroma server that is down or does not answer
            raise StoreError(f"cannot reach the Chroma server at {self._retriever.store.location}"
                             f" ({type(exc).__name__}); try again when it is back") from exc
        if verdict.reply == policy.Reply.NOTE and result.decision == Decision.ANSWER:
            result.note = policy.message(policy.Reply.NOTE, verdict.language)
        return result

    def assess(self, question: str, history: list[dict] | None = None) -> Assessment:
        """Retrieve, score and judge `question` without the policy or a reply: the judge's
        features, for calibration."""
        self.sync()
        history = bounded_history(history, max_chars=self.settings.max_question_chars)
        return self._assess(_query(question, history), _Clock())

    def example_questions(self, limit: int = 4) -> list[str]:
        """Questions this engine answers, one per document as far as they go: for a first
        visit. Empty when the store holds no documents."""
        self.sync()
        self._retriever.refresh()
        return self._suggester.examples(self._retriever.lexical, limit)

    def documents(self) -> list[FileRecord]:
        """The store's file records, by source."""
        self.sync()
        records = self._retriever.store.file_records()
        return [records[s] for s in sorted(records)]

    def refresh(self) -> bool:
        """Look for a re-ingest now (questions look every few seconds): True when the
        index the engine answers from changed (also when reopening the store after another
        process's ingest rebuilt it)."""
        before = self._retriever.lexical
        self.sync()
        return self._retriever.refresh() or self._retriever.lexical is not before

    def chunk_ids(self) -> set[str]:
        """The ids of every chunk the engine answers from, read afresh."""
        self.sync()
        self._retriever.refresh(force=True)
        return {c.id for c in self._retriever.lexical.chunks}

    def search(self, question: str, *, k: int, mode: Mode = "hybrid") -> list[Passage]:
        """The top `k` passages for `question`, as the engine retrieves them."""
        self.sync()
        return self._retriever.search(question, k=k, mode=mode)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Normalized vectors of `texts`, through the engine's sentence cache."""
        return self._encoder.encode_texts(texts)

    def sync(self) -> None:
        """Reopen the embedded store after another process's ingest changed it (see
        `ingest.store`); a server store is always current."""
        if self.settings.chroma_mode != "embedded":
            return
        if generation(self.settings) == self._generation:
            return
        with self._sync_lock:
            now = generation(self.settings)  # read again: a parallel question may have synced
            if now != self._generation:
                self._retriever.replace_store(open_store(self.settings))
                self._generation = now  # only once the new store serves

    # --- the phases
    def _answer_from_store(self, question: str, history: list[dict] | None, clock: _Clock,
                           verdict: policy.Verdict | None = None) -> Answer:
        self.sync()
        found = self._assess(_query(question, history), clock)
        why = found.reason
        if why != "supported":
            text, asks = self._suggester.decline(self._retriever.lexical, found.vector)
            return Answer(question, Decision.DECLINE, text, suggestions=asks,
                          passages=found.passages, reason=why,
                          scores=found.scores, timings=clock.lap("compose"),
                          query=found.query.text)
        limit = self.settings.max_answer_sentences
        if found.scores.get("prior"):  # the prior decided: the sentences by score, the reader's best first
            best = found.candidates[0] if found.candidates else None
            chosen = [c.sentence for c in lead(best, select(found.scored, limit=limit), limit=limit)]
        else:  # the reader decided: its most probable sentences
            chosen = [c.scored.sentence for c in choose(found.candidates, limit=limit,
                                                        relative=self._reader.relative)]
        if verdict is not None and verdict.reply == policy.Reply.NOTE:
            # someone who uses is quoted no dose: a sentence with an amount is left out, and a
            # reply that would be amounts alone is the dosing refusal
            amounts = [policy.dose_amount(s.text) for s in chosen]
            kept = [s for s, amount in zip(chosen, amounts) if not amount]
            if chosen and not kept:
                refusal = replace(verdict, refuse=True, rule="personal_dose", reply=policy.Reply.DOSING,
                                  trigger=f"answer: {amounts[0]}")
                return self._refusal(question, refusal, clock)
            chosen = kept
        parts, citations = compose(chosen)
        return Answer(question, Decision.ANSWER, sentences=parts, citations=citations,
                      passages=found.passages, reason=why, scores=found.scores,
                      timings=clock.lap("compose"), query=found.query.text)

    def _assess(self, query: Query, clock: _Clock) -> Assessment:
        """Embed, retrieve, score and judge."""
        vector = self._aligner.embed_query(expand_aliases(query.text))
        clock.lap("embed")
        passages = self._retriever.search(query.text, k=self.settings.top_k, vector=vector)
        clock.lap("retrieve")
        weights = self._weights(query)
        scored = score_sentences(self._encoder, vector, weights, _candidates(passages))
        clock.lap("score")
        scores, candidates = self._judge.judge(self._retriever.lexical, query, weights, scored,
                                               passages, vector)
        clock.lap("judge")
        return Assessment(query, vector, passages, scored, scores, weights, candidates)

    def _answers(self, question: str) -> bool:
        """Whether this engine answers `question` (asked alone): for suggestions."""
        found = self._assess(contextualize(question), _Clock())
        return found.reason == "supported" and not policy.check(question).refuse

    def _check(self, question: str) -> tuple[str, str] | None:
        """(reason, message) for input that cannot be a question, else None."""
        if not isinstance(question, str) or not clean_question(question):
            return "empty", "Please type a question about the documents."
        if not words(clean_question(question)):
            return "no_words", ("That has no words to look up. Please ask a question about the "
                                "documents in words.")
        limit = self.settings.max_question_chars
        if len(question.strip()) > limit:
            return "too_long", (f"That question is {len(question.strip()):,} characters long; "
                                f"the limit is {limit:,}. Please shorten it.")
        return None

    def _weights(self, query: Query) -> dict[str, float]:
        """IDF weight of each query term; carried-over topic terms count less."""
        own = set(terms(query.question, aliases=True))
        lexical = self._retriever.lexical
        return {t: lexical.idf(t) * (1.0 if t in own else HISTORY_WEIGHT)
                for t in terms(query.text, aliases=True)}


    # --- the policy's part (added after the phases: the safety policy's reader and replies)
    def _policy_reader(self, question: str) -> dict:
        """The learned reader, the question's vector from the bundled MiniLM and that model's
        embedding of any text (for what a cipher hid), for `policy.check`; {} (the rules, scope
        and language decide alone) when the reader's file is missing (logged once) or the engine
        runs on a stand-in model (tests)."""
        with self._policy_lock:  # a parallel question waits for the load, not the rules alone
            if "_policy" not in self.__dict__:
                loaded = None
                try:
                    reader = policy.load_reader()
                    if isinstance(self.embeddings, HuggingFaceEmbeddings):
                        same = model_id(self.settings.embedding_model) == reader.model
                        # the engine's own instance when it is the bundled model: no second copy
                        loaded = (reader, self.embeddings if same else load_embeddings(reader.model))
                except CitedQAError as exc:  # the reader's file, or the bundled model for it
                    logging.getLogger(__name__).warning("%s; the policy decides by its rules alone", exc)
                self._policy = loaded
        if self._policy is None:
            return {}
        reader, embeddings = self._policy
        text = question[:self.settings.max_question_chars]
        vector = (self._aligner.embed_query(text) if embeddings is self.embeddings
                  else np.asarray(embeddings.embed_query(text), dtype=np.float32))
        return {"vector": vector, "reader": reader,  # and what a cipher hid, only when there is any
                "embed": lambda hidden: np.asarray(embeddings.embed_query(hidden), dtype=np.float32)}

    def _refusal(self, question: str, verdict: policy.Verdict, clock: _Clock) -> Answer:
        """The crisis reply, or the dosing refusal followed by up to `RISK_FACTS` cited
        document sentences on the substance's risks that hold no figure (else an offer)."""
        text = policy.message(verdict.reply, verdict.language)
        if verdict.reply in (policy.Reply.CRISIS, policy.Reply.EMERGENCY):
            return Answer(question, Decision.REFUSE, text, reason="crisis", trigger=verdict.trigger,
                          timings=clock.lap("policy"))
        clock.lap("policy")
        facts = self._risk_facts(verdict.substance, question)
        parts, citations = compose(facts) if facts else ([], [])
        follow = policy.Reply.FACTS if facts else policy.Reply.OFFER
        return Answer(question, Decision.REFUSE, f"{text}\n\n{policy.message(follow, verdict.language)}",
                      sentences=parts, citations=citations, reason=verdict.rule, trigger=verdict.trigger,
                      timings=clock.lap("facts"))

    def _risk_facts(self, substance: str, question: str) -> list[Sentence]:
        """Up to `RISK_FACTS` document sentences on the risks of `substance` (or of what the
        question asks about), in retrieval order, none holding a figure; [] when none."""
        query = f"{substance} risks interactions" if substance else "risks interactions " + re.sub(
            r"\d", " ", question[:self.settings.max_question_chars])
        try:
            self.sync()
            passages = self._retriever.search(query, k=self.settings.top_k)
        except (StoreError, httpx.TransportError):
            return []
        risky, guidance = policy.risk_words(), policy.guidance_words()
        found = []
        for s in _candidates(passages):
            low = s.text.casefold()
            if (policy.has_figure(s.quote) or len(s.text) > RISK_FACT_CHARS or is_instruction(s.text)
                    or not any(w in low for w in risky) or any(w in low for w in guidance)):
                continue
            found.append((substance not in low if substance else True, len(found), s))
        return [s for *_, s in sorted(found)[:RISK_FACTS]]


def _query(question: str, history: list[dict] | None) -> Query:
    """What is searched for `question`: a follow-up carries the topic of the talk before it,
    unless it says it changes the subject ("Totally separate: how do I make a bath bomb that
    fizzes?", `policy.switches_topic`)."""
    return contextualize(clean_question(question), None if policy.switches_topic(question) else history)


def _candidates(passages: list[Passage]) -> list[Sentence]:
    """The sentences of the passages, each span once."""
    seen: dict[tuple[str, int, int], Sentence] = {}
    for p in passages:
        for s in sentences(p.chunk):
            seen.setdefault((s.source, s.start, s.end), s)
    return list(seen.values())


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
