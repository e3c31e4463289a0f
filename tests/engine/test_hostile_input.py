"""Hostile input through the whole engine: any text gets a decision, never an exception,
and no history makes a question's work grow without bound."""

from __future__ import annotations

import random
import threading
import time

import pytest

from app.engine import Decision
from app.engine.terms import terms, words

LANGUAGES = [  # "How much of it should I take?" / "What is serotonin?" in other scripts
    "İstanbul'da serotonin nedir?", "Что такое серотонин?", "血清素是什么？", "セロトニンとは何ですか？",
    "ما هو السيروتونين؟", "सेरोटोनिन क्या है?", "Τι είναι η σεροτονίνη;", "Czym jest serotonina?",
    "Serotonin là gì?", "세로토닌이란 무엇입니까?", "מהו סרוטונין?", "เซโรโทนินคืออะไร",
    "Serotonini ni nini?", "Apa itu serotonin?", "Wat is serotonine?", "Vad är serotonin?",
    "Co je serotonin?", "Mi a szerotonin?", "Mikä on serotoniini?", "Що таке серотонін?",
]


def random_text(rng: random.Random) -> str:
    pools = [(32, 0x2FF), (0x300, 0x36F), (0x370, 0x52F), (0x900, 0x97F), (0x4E00, 0x4EFF),
             (0x1F300, 0x1F5FF), (0xD7B0, 0xD7FF)]
    specials = [0x130, 0x131, 0xDF, 0x1E9E, 0x390, 0xFB01, 0x200B, 0x202E, 0xFEFF, 0x0]
    out = []
    for _ in range(rng.randint(1, 40)):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.choice([rng.randint(lo, hi), rng.choice(specials)])))
    return "".join(out)


def test_tokens_are_stable_under_case_folding_for_any_text():
    rng = random.Random(0)
    for _ in range(5000):
        text = random_text(rng)
        found = words(text)
        assert words(" ".join(found)) == found, text
        assert [t for w in found for t in terms(w)] == terms(text), text


@pytest.mark.parametrize("question", LANGUAGES + ["İstanbul", "İSTANBUL nerede?", "ǅemal", "ﬁne"])
def test_every_language_gets_a_decision(engine, question):
    assert engine.answer(question).decision in set(Decision)


def test_random_unicode_gets_a_decision(engine):
    rng = random.Random(1)
    for _ in range(40):
        assert engine.answer(random_text(rng)).decision in set(Decision)


def test_a_huge_turn_in_the_history_does_not_slow_anyone_down(engine):
    """A 30,000-digit turn (declined as too long in the chat) once froze the server for
    everyone: it is left out at the engine's edge, and a question asked meanwhile from
    another thread is answered within a second."""
    question = "What are the symptoms of serotonin syndrome?"
    engine.answer(question)  # warm
    history = [{"role": "user", "content": "1" * 30_000},
               {"role": "assistant", "content": "9" * 100_000}] * 50
    other: dict[str, float] = {}

    def meanwhile():
        started = time.perf_counter()
        engine.answer("What is serotonin?")
        other["seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    thread = threading.Thread(target=meanwhile)
    thread.start()
    result = engine.answer(question, history)
    thread.join()
    assert result.decision == Decision.ANSWER
    assert time.perf_counter() - started < 2.0 and other["seconds"] < 1.0
