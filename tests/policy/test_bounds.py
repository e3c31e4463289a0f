"""Tests for the policy's bounds: any input gets a decision, quickly, never an exception.

Timing is CPU time of this process (`time.process_time`: the regex engine holds the GIL, so
CPU time is what a slow pattern costs every other request), each input's median of 3 runs,
so a busy machine does not make the test flaky. Inputs are adversarial (long runs of
digits, of one letter, of one word, base64-, hex- and Morse-looking runs) and random, from
`random.Random` with a fixed seed.
"""

from __future__ import annotations

import base64
import random
import statistics
import time

import pytest

from app.policy import Reply, Verdict, check

BUDGET = 0.100  # seconds of CPU per `check`, worst case: a pattern that backtracks takes seconds;
# the full hostile history measures about 0.05 s now (the crisis, scope and language reads)
LONGEST = 2000  # the engine's question limit, and the longest user turn it keeps
ASSISTANT = 6000  # the longest assistant turn it keeps


def cpu_seconds(question: str, history: list[dict] | None = None) -> float:
    runs = []
    for _ in range(3):
        start = time.process_time()
        check(question, history)
        runs.append(time.process_time() - start)
    return statistics.median(runs)


def adversarial(rng: random.Random, n: int) -> str:
    """One hostile text of about `n` characters."""
    unit = rng.choice([
        "1", "1 ", "9.", "1-", "a", "a ", "e ", "dose ", "dose dose ", "i take ", "should i use ",
        "how much ", "1 or ", "1mg ", "mg/kg ", "for my friend ", "is it safe if i ", "x, ",
        ".- ", "-.-. / ", "ab ", "1a", "a.", "a_", "'a", "a  ", "a / ", "İ", "ß", "\u200b",
        "how long should ", "when can i ", "i'm ", "my ", "2 or 3 pills ", "s h o u l d ",
        "<~", "~>", "hw mch mdm ", "rail fence ", "Xm58QZ", "molly named ",
    ])
    text = unit * (n // len(unit) + 1)
    if rng.random() < 0.2:
        text = base64.b64encode(text.encode()).decode()
    if rng.random() < 0.3:
        text = rng.choice(["should i take ", "how much ", "1 or 2 ", ""]) + text
    return text[:n]


@pytest.fixture(scope="module")
def hostile() -> list[str]:
    rng = random.Random(20260601)
    return [adversarial(rng, rng.choice([LONGEST, LONGEST, rng.randint(50, LONGEST)])) for _ in range(60)]


def test_any_question_is_decided_within_budget(hostile):
    worst = max((cpu_seconds(q), q[:40]) for q in hostile)
    assert worst[0] < BUDGET, worst


def test_a_long_number_in_the_history_does_not_stall_the_next_question():
    """30,000 digits in a turn took 25 s, growing with the square of the length."""
    assert cpu_seconds("What is SERT?", [{"role": "user", "content": "1" * 30_000}]) < BUDGET


def test_a_full_history_of_hostile_turns_is_decided_within_budget(hostile):
    rng = random.Random(7)
    worst = 0.0
    for _ in range(5):
        history = [{"role": "user", "content": rng.choice(hostile)} if i % 2 == 0
                   else {"role": "assistant", "content": adversarial(rng, ASSISTANT)} for i in range(20)]
        worst = max(worst, cpu_seconds(rng.choice(hostile), history))
    assert worst < BUDGET, worst


QUESTIONS = [  # "how much should I take?" and an informational question, in 20 languages
    "İstanbul'da ne kadar MDMA almalıyım? Iğdır, ılık, İZMİR", "MDMA nedir ve nasıl etki eder?",
    "Сколько МДМА мне принять?", "Что такое серотониновый синдром?",
    "我应该吃多少摇头丸？", "什么是血清素综合征？",
    "MDMAはどのくらい飲めばいいですか？", "セロトニン症候群とは何ですか？",
    "كم يجب أن آخذ من الإكستاسي؟", "ما هي متلازمة السيروتونين؟",
    "मुझे कितना एमडीएमए लेना चाहिए?", "सेरोटोनिन सिंड्रोम क्या है?",
    "Πόση MDMA πρέπει να πάρω; ΣΟΦΟΣ σοφος", "Τι είναι το σύνδρομο σεροτονίνης;",
    "Ile MDMA powinienem wziąć? Łódź", "Czym jest zespół serotoninowy?",
    "Tôi nên uống bao nhiêu MDMA?", "Hội chứng serotonin là gì?",
    "MDMA를 얼마나 먹어야 하나요?", "세로토닌 증후군이란?",
    "כמה MDMA אני צריך לקחת?", "מהי תסמונת סרוטונין?",
    "ฉันควรกิน MDMA เท่าไหร่?", "กลุ่มอาการเซโรโทนินคืออะไร?",
    "Ninapaswa kutumia MDMA kiasi gani?", "Ugonjwa wa serotonini ni nini?",
    "Berapa banyak MDMA yang harus saya minum?", "Apa itu sindrom serotonin?",
    "Hoeveel MDMA moet ik nemen?", "Wat is het serotoninesyndroom?",
    "Hur mycket MDMA ska jag ta?", "Vad är serotonergt syndrom?",
    "Kolik MDMA si mám vzít? Příliš žluťoučký kůň", "Co je serotoninový syndrom?",
    "Mennyi MDMA-t vegyek be? Árvíztűrő tükörfúrógép", "Mi a szerotonin-szindróma?",
    "Kuinka paljon MDMA:ta minun pitäisi ottaa?", "Mikä on serotoniinioireyhtymä?",
    "Скільки МДМА мені прийняти? Ґґ Єє Її", "Що таке серотоніновий синдром?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_in_any_language_gets_a_verdict(question):
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": question.upper()}]
    assert isinstance(check(question, history), Verdict)
    assert isinstance(check(question.upper(), history), Verdict)


def test_random_unicode_gets_a_verdict_never_an_exception():
    rng = random.Random(1)
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F), (0x590, 0x6FF), (0x900, 0x97F),
              (0xE00, 0xE7F), (0x1100, 0x11FF), (0x1E00, 0x1FFF), (0x2000, 0x2BFF), (0x3000, 0x30FF),
              (0x4E00, 0x4FFF), (0xAC00, 0xAD00), (0xFB00, 0xFFFF), (0x1D400, 0x1D7FF), (0x1F100, 0x1FAFF)]
    for _ in range(500):
        text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(1, 80)))
        text = rng.choice(["", "how much should I take ", "İ"]) + text
        assert isinstance(check(text, [{"role": "user", "content": text[::-1]}]), Verdict)


@pytest.mark.parametrize("text", ["<~AAAAAAAAAAAAAAAAAAAA", "I feel great <~~~~~~~~~~~~~~~~~~~~~~~~~~>",
                                  "<~" + "!" * 40, "rail fence: " + "~" * 30, "hw mch mdm " * 3 + "<~"])
def test_text_that_looks_encoded_gets_a_verdict(text):
    # runs in the Base85 and Ascii85 alphabets that decode to nothing, and the markers of Ascii85
    assert check(text).reply in set(Reply)


def test_a_dotted_capital_i_does_not_split_a_word():
    assert check("HOW MUCH MDMA SHOULD İ TAKE İN İSTANBUL?").refuse
    assert not check("What is the İstanbul study on MDMA about?").refuse


@pytest.mark.parametrize("text", ["alpha" + " " * 1990 + "x", "alpha" + " , " * 600 + "/", "oscar " * 330 + "?"])
def test_a_spelling_alphabet_word_before_a_long_run_of_blanks_is_decided_within_budget(text):
    """Blanks between NATO words, matched two ways, took 1.2 s growing with the square of the run."""
    assert cpu_seconds(text[:LONGEST]) < BUDGET
