"""Answer or decline: the figures of the candidates, and the rule over them.

`Judge.judge` computes what the rule looks at: the best-scored sentence's `semantic`
similarity and `lexical` coverage; `unknown`, the share of the question's term weight
found in no document at all (a half-life, a street price) once each unknown word is
matched, by embedding, to the closest word the documents have; and the reader's
probabilities (`reader.py`): each candidate's, and `answered`, that any answers.

The rule (`reason`) reads `answerability`, >= 0 to answer. On any corpus it is the
lower of two margins, so both must agree: `ANSWERABILITY`, a weighted sum of the three
figures, and the reader's `answered` minus its threshold; both are corpus-agnostic
(fitted on `eval/tuning.jsonl` and SQuAD 2.0 training articles). On the corpus the
question prior (`prior.py`) was fitted for, the prior's margin decides instead, because
it measures better there (docs/how-answers-are-made.md), unless `ANSWERABILITY` falls more than
`PRIOR_FLOOR` under its threshold; `scores["prior"]` says which.
There the reader's figures do not decide, but its most probable sentence leads the
answer (`reader.lead`), so the cross-reader reads the candidates on every corpus.
Whatever decided, a question about something no retrieved passage mentions (the drugs,
people or places it names, a phrase it quotes: `subject_missing`) is declined:
`scores["subject_missing"]`.

This module does not retrieve, score sentences, choose the answer's sentences or write
any message.

    >>> reason({"answerability": 0.3}, retrieved=True), reason({"answerability": -0.1}, True)
    ('supported', 'not_covered')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.engine.align import Aligner
from app.engine.cross import CROSS_TOP, UNREAD, CrossReader, pair_text
from app.engine.prior import QuestionPrior
from app.engine.query import Query
from app.engine.reader import NAME, Candidate, Reader, features
from app.engine.retrieve import LexicalIndex, Passage
from app.engine.score import Scored, SentenceEncoder
from app.engine.terms import normalize, terms, words
from app.engine.vectors import KeptVectors
from app.policy import drug_aliases, substances

# The first-pass rule: answer when this weighted sum of the best-scored sentence's figures is
# >= 0. Fitted by `python eval/calibrate.py` on eval/tuning.jsonl (logistic regression).
ANSWERABILITY = {"semantic": 2.04, "lexical": 1.24, "unknown": -1.49, "bias": -1.34}
# Where the prior decides, the agnostic rule still vetoes a question whose best sentence scores
# more than this under its threshold: the prior, a model of the question's embedding, answers
# some harmless questions about another subject ("is social media addictive?") that no sentence
# matches. Chosen by balanced accuracy on 929 blind policy-training questions the engine was
# never fitted on (eval/policy_train_h2, _h4, _h6; `python eval/prior_floor.py`): 0.904 without,
# 0.909 at 1.0, 0.905 at 0.75.
PRIOR_FLOOR = 1.0
VOCAB_MAX = 20_000  # document words, most frequent first, an unknown word is compared with
QUOTE_CONTEXT = 3  # content words outside its quotes a question about a quoted phrase has at most
# A quoted phrase (up to 80 characters): the quote marks open after a blank or a bracket and
# close before one or a punctuation mark, so "MDMA's" and "users' brains" quote nothing; an
# apostrophe between letters is inside it ('Sarah's Key').
QUOTED = re.compile(r"""(?:^|(?<=[\s(\[]))["“‘'](\S(?:[^"“”‘’']|(?<=\w)['’](?=\w)){0,80}?)["”’'](?=$|[\s.,;:!?)\]])""")


@dataclass
class _PerIndex:
    """What the judge derives from one lexical index, on first need."""

    index: LexicalIndex
    vocab: np.ndarray | None = None  # one row per distinct document word
    prior: QuestionPrior | None | bool = None  # False: checked, does not apply


class Judge:
    """The answer-or-decline figures for one engine's index."""

    def __init__(self, encoder: SentenceEncoder, kept: KeptVectors, reader: Reader,
                 cross: Callable[[], CrossReader], prior: QuestionPrior | None = None, model: str = "",
                 aligner: Aligner | None = None):
        """`cross` gives the cross-reader; it is called on first need (loading costs seconds)."""
        self.encoder, self.kept, self.reader, self._cross = encoder, kept, reader, cross
        self.aligner = aligner or Aligner(encoder.embeddings)
        self.prior, self.model = prior, model
        self._state: _PerIndex | None = None

    def judge(self, index: LexicalIndex, query: Query, weights: dict[str, float],
              scored: list[Scored], passages: list[Passage], vector: np.ndarray
              ) -> tuple[dict[str, float], list[Candidate]]:
        """The figures `reason` decides on (`answerability` is the one it reads) and the
        candidates, most probable first."""
        state = self._for(index)
        own = {t: index.idf(t) for t in terms(query.question, aliases=True)}
        total = sum(own.values()) or 1.0
        missing = {t: w for w in words(query.question) for t in terms(w, aliases=True)
                   if not index.df.get(t)}  # stem -> the word as asked
        near = self._nearest_words(state, list(missing.values()))
        # subtle: a word whose case folding splits it ("İ") may stem to terms the question's
        # own term list spells differently; it then weighs what an unseen term weighs
        unknown = sum(own.get(t, index.idf(t)) * (1 - near.get(w, 0.0))
                      for t, w in missing.items()) / total
        aligned = self.aligner.figures(query.question, [s.sentence.text for s in scored])
        prior = self._prior(state)
        crossed = np.full(len(scored), UNREAD)
        read = scored[:CROSS_TOP]
        if read:
            crossed[:len(read)] = self._cross().logits(
                query.question, [pair_text(s.sentence.heading, s.sentence.text) for s in read])
        probabilities, answered = self.reader.read(
            features(query, weights, scored, passages, unknown, aligned, crossed))
        candidates = sorted((Candidate(s, float(p)) for s, p in zip(scored, probabilities)),
                            key=lambda c: (-c.probability, c.scored.sentence.source, c.scored.sentence.start))
        top = scored[0] if scored else None  # the best by the first-pass score
        best = candidates[0] if candidates else None  # the reader's most probable
        scores = {"semantic": top.semantic if top else 0.0,
                  "lexical": top.lexical if top else 0.0,
                  "unknown": unknown,
                  "best_sentence": best.probability if best else 0.0,
                  "answered": answered if best else 0.0}
        scores["agnostic"] = ANSWERABILITY["bias"] + sum(
            w * scores[k] for k, w in ANSWERABILITY.items() if k != "bias")
        scores["prior"] = 1.0 if prior else 0.0
        scores["reader"] = scores["answered"] - self.reader.threshold
        if prior:  # the prior decides, unless no sentence comes near the agnostic rule
            scores["prior_margin"] = prior.logit(scores, vector)
            scores["answerability"] = min(scores["prior_margin"], scores["agnostic"] + PRIOR_FLOOR)
        else:
            scores["answerability"] = min(scores["agnostic"], scores["reader"])
        scores["subject_missing"] = float(subject_missing(query.question, passages))
        if scores["subject_missing"]:  # on every corpus, whatever decided
            scores["answerability"] = min(scores["answerability"], -1.0)
        return scores, candidates

    def _prior(self, state: _PerIndex) -> QuestionPrior | None:
        """The fitted question prior, if it was fitted on this index's corpus."""
        if state.prior is None:
            ids = {c.id for c in state.index.chunks}
            fitted = self.prior
            state.prior = fitted if fitted and fitted.applies(ids, self.model) else False
        return state.prior or None

    def _for(self, index: LexicalIndex) -> _PerIndex:
        if self._state is None or self._state.index is not index:
            self._state = _PerIndex(index)  # started afresh when the index is rebuilt
        return self._state

    def _nearest_words(self, state: _PerIndex, missing: list[str]) -> dict[str, float]:
        """For words no document has, the cosine to the closest word the documents do have."""
        if not missing:
            return {}
        if state.vocab is None:
            counts = Counter(w for c in state.index.chunks for w in set(words(c.embedding_text())))
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # reproducible
            vocab = sorted([w for w, _ in ranked if terms(w)][:VOCAB_MAX])
            state.vocab = self.kept.rows("words", vocab)
        if not len(state.vocab):
            return {}
        vectors = self.encoder.encode_texts(missing)
        return {t: max(0.0, float(v.max())) for t, v in zip(missing, vectors @ state.vocab.T)}


def subjects(question: str) -> set[str]:
    """What the question is about by name: its capitalized words past the first (a person,
    a place, a brand), and the drugs and medicines it names, each as a stem to look for.

    >>> sorted(subjects("Is Xanax addictive?")), sorted(subjects("Are MAOIs and tramadol risky?"))
    (['xanax'], ['maoi', 'tramadol'])
    >>> sorted(subjects("took molly last week, do the articles mention this?"))
    ['mdma']
    """
    named = [n.casefold() for n in NAME.findall(normalize(question)) if not n.lower().startswith("i'")]
    return _named({*named, *substances(question)})


def quoted(question: str) -> list[list[str]]:
    """The terms of each phrase the question quotes, in order, when the question is about
    them: at most `QUOTE_CONTEXT` content words are left outside the quotes. A long question
    that quotes a phrase in passing ("I've rolled ten times, is 'losing the magic'
    discussed in the research?") is about its other words.

    >>> quoted("What does 'high on life' mean?"), quoted("Is MDMA's 'love drug' name fair?")
    ([['high', 'life']], [['love', 'drug']])
    """
    text = normalize(question)
    phrases = [t for m in QUOTED.finditer(text) if (t := terms(m.group(1)))]
    return phrases if len(terms(QUOTED.sub(" ", text))) <= QUOTE_CONTEXT else []


def subject_missing(question: str, passages: list[Passage]) -> bool:
    """Is the question about something the retrieved passages (their titles, sections and
    text) do not mention? That is: it names drugs, medicines, people, places or brands
    (`subjects`) and none is there; or it names drugs or medicines and one is in none of
    them while none is what most of them are about (asked about metronidazole and alcohol,
    a sentence on alcohol with MDMA does not answer; "I'm on sertraline, what do the
    articles say about MDMA?" is about the passages' own subject); or a phrase it is about
    (`quoted`) is in none of them as the same terms in the same order. Asked about Xanax,
    passages about MDMA do not answer; asked what "high on life" means, passages that say
    "high" and "life" apart do not either.

    >>> subject_missing("Is Xanax addictive?", [])
    True
    """
    named, phrases = subjects(question), quoted(question)
    if not (named or phrases):
        return False
    texts = [f"{p.chunk.title} {p.chunk.section} {p.chunk.text}".casefold() for p in passages]
    text = " ".join(texts)
    if named and not any(_mentions(text, s) for s in named):
        return True
    drugs = _named(set(substances(question)))
    if drugs and not any(2 * sum(_mentions(t, d) for t in texts) >= len(texts) for d in drugs) and \
            not all(_mentions(text, d) for d in drugs):
        return True
    said = [terms(f"{p.chunk.title} {p.chunk.section} {p.chunk.text}") for p in passages]
    return any(not any(_holds(t, phrase) for t in said) for phrase in phrases)


def _mentions(text: str, name: str) -> bool:
    """Does `text` (case-folded) hold a word starting with `name` (a stem: "maoi" in "MAOIs")?"""
    return bool(re.search(rf"\b{re.escape(name)}", text))


def _holds(said: list[str], phrase: list[str]) -> bool:
    """Does `said` hold `phrase` as a run of consecutive terms?"""
    n = len(phrase)
    return any(said[i:i + n] == phrase for i in range(len(said) - n + 1))


def _named(names: set[str]) -> set[str]:
    """Names as stems to look for, the drug's slang as its name ("molly" and "Mollies": "mdma")."""
    aliases = drug_aliases()
    found = {aliases.get(n) or aliases.get(_stem(n)) or _stem(n) for n in names}
    return {s for s in found if len(s) >= 3}


def _stem(name: str) -> str:
    """"Parkinson's" -> "parkinson", "MDMA-assisted" -> "mdma", "MAOIs" -> "maoi", "co-codamol" whole.

    >>> _stem("co-codamol"), _stem("community-acquired"), _stem("T-cells")
    ('co-codamol', 'community', 't')
    """
    word = re.sub(r"['\u2019]s?$", "", name.casefold())
    head = word.split("-")[0]
    word = word if head == "co" else head  # a UK co- medicine is one name
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


def reason(scores: dict[str, float], retrieved: bool) -> str:
    """Why the engine answers ("supported") or declines ("not_covered", "empty_index")."""
    if not retrieved:
        return "empty_index"
    return "supported" if scores["answerability"] >= 0 else "not_covered"
