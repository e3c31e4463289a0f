"""From what the user typed, and the conversation so far, to what gets searched.

`clean_question` makes hostile input harmless: Unicode normalized, invisible
and control characters removed, HTML tags dropped, Markdown links and images
reduced to their text. `contextualize` turns a follow-up ("What are its
symptoms?") into a standalone query by carrying over the topic words of the
earlier user turns; a question that names its own topic starts afresh.
Assistant turns are not used: they may be absent, and they only repeat the
documents.

This module does not judge relevance or safety.

    >>> contextualize("What are its symptoms?", [{"role": "user", "content": "What is serotonin syndrome?"}]).text
    'What are its symptoms? (serotonin syndrome)'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.engine.terms import STOPWORDS, normalize, terms, words

TAG = re.compile(r"</?[A-Za-z!][^<>]{0,500}>")
MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MD_MARKS = re.compile(r"[`*_#~|]+|^\s*>+")  # emphasis, code, headings; a leading quote mark
PRONOUNS = frozenset({"it", "its", "it's", "they", "them", "their", "theirs", "this", "that",
                      "these", "those", "he", "she", "him", "her", "there", "such", "same",
                      "one", "ones", "former", "latter"})
OPENERS = ("and", "also", "what about", "how about", "but", "so", "then", "what else",
           "anything else", "more", "why", "how so", "tell me more", "go on", "really")
TOPIC_WORDS = 8  # words carried from earlier turns


@dataclass(frozen=True)
class Query:
    question: str  # the cleaned question
    text: str  # what is searched: the question, plus earlier topic words for a follow-up
    followup: bool
    carried: tuple[str, ...] = ()  # topic words taken from earlier turns


def clean_question(raw: str) -> str:
    """The question as plain text on one line.

    >>> clean_question("<b>What is  SERT?</b>\\u200b ![x](http://e.vil/a.png)")
    'What is SERT? x'
    """
    text = normalize(raw)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch
                   for ch in text)
    text = MD_LINK.sub(r" \1 ", TAG.sub(" ", text))
    text = MD_MARKS.sub(" ", text)
    return " ".join(text.split())


def is_followup(question: str) -> bool:
    """Does `question` lean on an earlier turn for its topic?

    >>> is_followup("What about depression?"), is_followup("What is SERT?")
    (True, False)
    """
    lowered = " ".join(words(question))
    if any(lowered == o or lowered.startswith(o + " ") for o in OPENERS):
        return True
    if PRONOUNS & set(words(question)):
        return True
    return not terms(question)


def contextualize(question: str, history: list[dict] | None = None) -> Query:
    """`question` made standalone with the topic of the user turns before it."""
    topic: list[str] = []
    for turn in (history or []):
        if isinstance(turn, dict) and turn.get("role") == "user" and isinstance(
                turn.get("content"), str):
            previous = clean_question(turn["content"])
            topic = (topic + _topic_words(previous) if is_followup(previous)
                     else _topic_words(previous))[-TOPIC_WORDS:]
    if not topic or not is_followup(question):
        return Query(question, question, False)
    carried = tuple(w for w in topic if w not in set(words(question)))
    text = f"{question} ({' '.join(carried)})" if carried else question
    return Query(question, text, True, carried)


def _topic_words(text: str) -> list[str]:
    """The content words of `text`, as written (unstemmed), without repeats."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w not in STOPWORDS and w not in PRONOUNS and len(w) > 1:
            seen.setdefault(w)
    return list(seen)
