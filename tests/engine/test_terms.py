"""Tests for app/terms.py: normalizing, words, stemmed terms and the drug's slang names."""

from __future__ import annotations

import pytest

from app.engine.terms import DRUG_ALIASES, STOPWORDS, expand_aliases, normalize, terms, words


@pytest.mark.parametrize("text, expected", [
    ("ser\u200boto\u00adnin\u2019s", "serotonin's"),
    ("\ufeffMDMA\u2060", "MDMA"),
    ("‘quoted’", "'quoted'"),
    ("ＭＤＭＡ ﬁne", "MDMA fine"),  # NFKC: full-width letters, ligatures
    ("\u202eSERT\u202c", "SERT"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("SSRIs and MDMA's well-known effects", ["ssri", "and", "mdma", "well", "known", "effects"]),
    ("MAOIs, 5-HT2A; 3,4-MDMA", ["maoi", "5", "ht2a", "3", "4", "mdma"]),
    ("snake_case words", ["snake", "case", "words"]),
    ("don't can’t", ["don", "t", "can", "t"]),
    ("", []),
    ("?!… —", []),
])
def test_words(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize("text, aliases, expected", [
    ("What are the symptoms of serotonin syndrome?", False, ["symptom", "serotonin", "syndrom"]),
    ("Does molly deplete serotonin?", True, ["mdma", "deplet", "serotonin"]),
    ("Does molly deplete serotonin?", False, ["molli", "deplet", "serotonin"]),
    ("Is ecstasy, XTC or Mandy risky?", True, ["mdma", "mdma", "mdma", "riski"]),
    ("Is ecstasy risky?", False, ["ecstasi", "riski"]),
    ("I took 120 mg at 2 am", False, ["120", "mg", "2"]),  # digits kept, one letter dropped
    ("What is the thing that they mean?", False, []),  # stop words only
])
def test_terms(text, aliases, expected):
    assert terms(text, aliases=aliases) == expected


def test_eg_in_a_document_is_not_the_drug():
    assert terms("It helps some conditions (e.g. PTSD).") == ["help", "condit", "ptsd"]
    assert "mdma" not in terms("E.g. fluoxetine, i.e. an SSRI; vitamin E.")


def test_eg_in_a_question_is_not_the_drug():
    assert "mdma" not in terms("Which SSRIs, e.g. fluoxetine, interact?", aliases=True)


@pytest.mark.parametrize("text, expected", [
    ("Is molly bad for serotonin?", "Is MDMA bad for serotonin?"),
    ("Ecstasy and XTC", "MDMA and MDMA"),
    ("Is E dangerous?", "Is MDMA dangerous?"),
    ("Drugs, e.g. molly", "Drugs, e.g. MDMA"),  # a lower-case lone "e" is a letter
    ("mollycoddle the emollient", "mollycoddle the emollient"),  # whole words only
    ("nothing to swap", "nothing to swap"),
    # a name, rapture or a band: the policy reads these senses as everyday words, so retrieval does too
    ("A nickname for my daughter Molly?", "A nickname for my daughter Molly?"),
    ("Bernini's Ecstasy of Saint Teresa", "Bernini's Ecstasy of Saint Teresa"),
    ("Which XTC album is best?", "Which XTC album is best?"),
    ("Is rolling or blocking better in Elden Ring?", "Is rolling or blocking better in Elden Ring?"),  # a dodge
    ("Why do IndyCar races begin with a rolling start?", "Why do IndyCar races begin with a rolling start?"),
    ("Still rolling, is that normal?", "Still MDMA, is that normal?"),  # the use itself
])
def test_expand_aliases(text, expected):
    assert expand_aliases(text) == expected


def test_every_alias_is_a_lower_case_word_for_the_drug():
    assert set(DRUG_ALIASES.values()) == {"mdma"}
    assert all(a == a.casefold() and a not in STOPWORDS for a in DRUG_ALIASES)
