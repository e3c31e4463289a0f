"""The safety policy: personal dosing and personal-use questions are refused before retrieval.

`check(question, history)` returns a `Verdict`: the question is read several ways
(`readings.py`), each reading is matched against the named rules (`rules.py`, words
in `lexicon.toml`), and a follow-up that makes a recent dose question personal is
refused as `escalation`. `Verdict.rule` names the rule that decided and
`Verdict.trigger` quotes the words it matched. The rules were written on
`eval/policy_tuning.jsonl`; `eval/policy_test.jsonl` is held out.

The work is bounded: each text is read up to `MAX_CHARS` characters, only the last
`RECENT_TURNS` turns are read, and no pattern rescans a long run (`readings.py` cuts
numbers and words to a length, `rules.py` finds "this, then anywhere that" in one
pass), so any input gets a decision in milliseconds (tests/policy/test_bounds.py),
never an exception.

This module does not read documents or use a model, and decides nothing but refusals.

    >>> check("How much molly should I take?").rule
    'personal_use'
    >>> check("What doses are used in clinical trials?").refuse
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.policy.readings import MAX_CHARS, canonical, readings
from app.policy.rules import DEFAULT_RULES, NAMES, Rules

RULES = NAMES
RECENT_TURNS = 4  # an escalation refers to one of the last few turns
REFUSAL = (
    "I can't give personal dosing advice or help decide whether, how much or when "
    "anyone should take a substance, and that holds for questions about friends, "
    "hypothetical people and role-play too. A doctor or pharmacist can advise on a "
    "person's own situation, including the medicines they take. If you or someone "
    "with you feels unwell after taking a substance, contact your local emergency "
    "services or a poison control centre straight away.\n\n"
    "What I can do is tell you what the documents say about risks and interactions, "
    "for example serotonin syndrome, or how MDMA interacts with SSRIs and MAOIs.")


@dataclass(frozen=True)
class Verdict:
    refuse: bool
    rule: str = ""  # the rule that decided, e.g. "personal_use"
    trigger: str = ""  # the words it matched, in canonical form
    turn: int = 0  # 0: the question itself; -n: the n-th earlier turn made it a dose question


ALLOW = Verdict(False)


def check(question: str, history: list[dict] | None = None, *, rules: Rules = DEFAULT_RULES) -> Verdict:
    """Refuse `question` (in its conversation) or let it through, and say why.

    >>> check("ok, so how much should I take?").rule
    'personal_use'
    >>> check("and for me?", [{"role": "user", "content": "What doses are used in trials?"}]).rule
    'escalation'
    """
    verdict = judge(question, rules)
    if verdict.refuse:
        return verdict
    turns = [t for t in history or [] if isinstance(t, dict) and isinstance(t.get("content"), str)
             and t.get("role") in ("user", "assistant")]
    return _escalation(question, turns[-RECENT_TURNS:], rules)


def judge(text: str, rules: Rules = DEFAULT_RULES) -> Verdict:
    """The verdict on one message, on its own.

    >>> judge("What is SERT?")
    Verdict(refuse=False, rule='', trigger='', turn=0)
    """
    text = text[:MAX_CHARS]
    for reading in readings(text, lexicon=rules.lexicon):
        for rule, found in rules.matches(reading):
            return Verdict(True, rule, found)
    plain = canonical(text, lexicon=rules.lexicon, max_word=None)  # run together, at full length
    if _obfuscated(text, plain) and (m := rules.squashed(plain)):
        return Verdict(True, "spaced", m)
    return ALLOW


def _obfuscated(text: str, plain: str) -> bool:
    """Does `text` (`plain` in canonical form) look spaced out or run together?

    >>> _obfuscated("h o w m u c h", "how much"), _obfuscated("how much", "how much")
    (False, False)
    """
    tokens = re.findall(r"[^\W\d_]+", plain)
    if not tokens:
        return False
    short = sum(len(t) <= 2 for t in tokens) / len(tokens)
    return short > 0.4 or max(map(len, tokens)) >= 16 or "_" in text


def _escalation(question: str, recent: list[dict], rules: Rules) -> Verdict:
    """Refuse a follow-up that makes a recent dose question (or a refused one) personal."""
    c, p = rules.c, rules.p
    context = None
    for back, turn in enumerate(reversed(recent), start=1):
        content = turn["content"][:MAX_CHARS]
        text = canonical(content, lexicon=rules.lexicon)
        # an amount or timing question, or a refused question (the costlier test, so second)
        if c["amount"].search(text) or c["how_much"].search(text) or c["unit"].search(text) \
                or c["timing"].search(text) or p["dose_question"].search(text) \
                or (turn["role"] == "user" and judge(content, rules).refuse):
            context = -back
            break
    if context is None:
        return ALLOW
    now = canonical(question[:MAX_CHARS], lexicon=rules.lexicon)
    found = rules.find(now)
    if rules.framed(now, found) or (p["informational_followup"].search(now) and not (
            found["for_person"] or found["my_dose"] or found["intent"])):
        return ALLOW
    if cue := p["followup_cue"].search(now):
        return Verdict(True, "escalation", cue.group(0), context)
    return ALLOW
