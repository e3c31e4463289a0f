"""Tests for app/query.py: cleaning hostile input, spotting follow-ups, carrying the topic."""

from __future__ import annotations

import pytest

from app.engine.query import Query, clean_question, contextualize, is_followup

SYNDROME = {"role": "user", "content": "What is serotonin syndrome?"}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


# --- clean_question ------------------------------------------------------------------------

@pytest.mark.parametrize("raw, clean", [
    ("<b>What is  SERT?</b>\u200b ![x](http://e.vil/a.png)", "What is SERT? x"),
    ("<script>alert(1)</script>", "alert(1)"),
    ('<img src=x onerror="alert(1)">What is SERT?', "What is SERT?"),
    ("![x](http://evil.example/a.png) What is SERT?", "x What is SERT?"),
    ("What does [the study](https://example.org/study) say?", "What does the study say?"),
    ("**What** is _serotonin syndrome_?", "What is serotonin syndrome ?"),
    ("# What is `SERT`?", "What is SERT ?"),
    ("ser\u200boto\u00adnin\ufeff syn\u2060drome", "serotonin syndrome"),
    ("What\x00 is\x07 SERT?", "What is SERT?"),
    ("What\u00a0is\tSERT?\r\nAnd\u2028why?", "What is SERT? And why?"),
    ("\u202eWhat is SERT?\u202c", "What is SERT?"),
    ("ＭＤＭＡ？", "MDMA?"),  # NFKC: full-width letters
    ("What is MDMA’s effect?", "What is MDMA's effect?"),
    ("   ", ""),
    ("\u200b\u200b", ""),
    ("\x00\x07", ""),
])
def test_clean_question(raw, clean):
    assert clean_question(raw) == clean


def test_clean_question_is_one_line_without_controls():
    cleaned = clean_question("a\x1b[31mred\x1b[0m\nb\tc\x7f")
    assert "\n" not in cleaned and all(ch.isprintable() for ch in cleaned)


def test_clean_question_keeps_comparison_signs():
    assert clean_question("Is a dose < 125 mg and > 75 mg typical?") == \
        "Is a dose < 125 mg and > 75 mg typical?"


# --- is_followup ---------------------------------------------------------------------------

@pytest.mark.parametrize("question, expected", [
    ("What about depression?", True),  # opener
    ("And for people with heart problems?", True),
    ("Also, is it addictive?", True),
    ("Tell me more", True),
    ("Why?", True),
    ("What are its symptoms?", True),  # pronoun
    ("Is that dangerous?", True),
    ("How long do they last?", True),
    ("What does the last one mean?", True),
    ("What are the symptoms?", False),  # carries a topic word: stands alone
    ("What is SERT?", False),
    ("What are the symptoms of serotonin syndrome?", False),
    ("Does MDMA affect dopamine?", False),
    ("Andrew Huberman's view on MDMA?", False),  # "and" only as part of a word
    ("What is this?", True),
])
def test_is_followup(question, expected):
    assert is_followup(question) is expected


# --- contextualize ---------------------------------------------------------------------------

def test_docstring_example():
    q = contextualize("What are its symptoms?", [SYNDROME])
    assert q == Query("What are its symptoms?", "What are its symptoms? (serotonin syndrome)",
                      True, ("serotonin", "syndrome"))


@pytest.mark.parametrize("history", [None, [], [{"role": "assistant", "content": "Serotonin."}]])
def test_without_earlier_user_turns_nothing_is_carried(history):
    assert contextualize("What are its symptoms?", history) == Query(
        "What are its symptoms?", "What are its symptoms?", False)


def test_a_followup_of_a_followup_keeps_the_original_topic():
    history = [SYNDROME, user("What are its symptoms?")]
    q = contextualize("How severe can they get?", history)
    assert q.followup and {"serotonin", "syndrome"} <= set(q.carried)
    q = contextualize("And why?", history + [user("How severe can they get?")])
    assert {"serotonin", "syndrome"} <= set(q.carried)


def test_a_standalone_question_resets_the_topic():
    history = [SYNDROME, user("What are its symptoms?"), user("What does MDMA do to oxytocin?")]
    q = contextualize("And why?", history)
    assert q.carried == ("mdma", "oxytocin")
    assert q.text == "And why? (mdma oxytocin)"


def test_a_standalone_question_is_searched_as_is():
    assert contextualize("What is SERT?", [SYNDROME]) == Query(
        "What is SERT?", "What is SERT?", False)


def test_assistant_turns_are_ignored():
    history = [SYNDROME, {"role": "assistant", "content": "Dopamine oxytocin fever seizures."}]
    q = contextualize("What are its symptoms?", history)
    assert q.carried == ("serotonin", "syndrome")


def test_words_the_question_already_has_are_not_repeated():
    q = contextualize("What about its serotonin effects?", [user("Does MDMA deplete serotonin?")])
    assert q.followup and "serotonin" not in q.carried and "mdma" in q.carried


def test_carried_topic_is_capped():
    long_turn = user("MDMA serotonin dopamine oxytocin SERT fever seizures trust empathy "
                     "depression anxiety")
    q = contextualize("Why?", [long_turn])
    assert len(q.carried) == 8 and q.carried[-1] == "anxiety"


@pytest.mark.parametrize("bad", [{"role": "user"}, {"content": "What is dopamine?"},
                                 {"role": "user", "content": 5}, {"role": "user", "content": None},
                                 {}, {"role": None, "content": ["list"]}])
def test_malformed_dict_turns_are_ignored(bad):
    q = contextualize("What are its symptoms?", [bad, SYNDROME, bad])
    assert q.carried == ("serotonin", "syndrome")


@pytest.mark.parametrize("bad", ["What is dopamine?", None, 5, ["user", "hi"]])
def test_malformed_non_dict_turns_are_ignored(bad):
    q = contextualize("What are its symptoms?", [bad, SYNDROME])
    assert q.carried == ("serotonin", "syndrome")
