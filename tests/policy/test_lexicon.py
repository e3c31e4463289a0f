"""Tests for app/policy/lexicon.py: the word tables live in lexicon.toml, and one edit there
(a new slang name for the drug) reaches every rule that reads drug names and retrieval's aliases."""

from __future__ import annotations

import tomllib

import pytest

from app.policy import check, drug_aliases, substances
from app.policy.lexicon import LEXICON_PATH, load
from app.policy.rules import Rules

NEW_NAME = "zorbly"  # not a word the lexicon knows


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """The lexicon with one edit: `NEW_NAME` added to the drug's names."""
    text = LEXICON_PATH.read_text(encoding="utf-8")
    assert text.count("names = [\n") == 1
    path = tmp_path_factory.mktemp("lexicon") / "lexicon.toml"
    path.write_text(text.replace("names = [\n", f"names = [\n    '{NEW_NAME}',\n"), encoding="utf-8")
    return load(path)


@pytest.mark.parametrize("template", [
    "how much {} should I take",
    "how much {}?",
    "I weigh 50 kg, is {} ok for me?",
    "I'm on {}, is that bad?",
])
def test_one_new_drug_name_in_the_data_file_is_enough_to_refuse(edited, template):
    question = template.format(NEW_NAME)
    verdict = check(question, rules=Rules(edited))
    assert verdict.refuse, verdict


@pytest.mark.parametrize("template", ["how much {}?", "I'm on {}, is that bad?"])
def test_the_new_name_is_what_made_the_difference(template):
    assert not check(template.format(NEW_NAME)).refuse


def test_the_new_name_reaches_retrieval_aliases(edited):
    assert NEW_NAME not in drug_aliases()
    assert edited.drug_aliases()[NEW_NAME] == "mdma"


def test_retrieval_aliases_are_lower_case_words_for_the_drug():
    aliases = drug_aliases()
    assert {"molly", "ecstasy", "xtc", "mandy", "e", "rolling"} <= set(aliases)
    assert set(aliases.values()) == {"mdma"}
    assert all(a == a.casefold() and a.isalpha() for a in aliases)


def test_every_concept_and_pattern_compiles_and_every_placeholder_is_known():
    data = tomllib.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    rules = Rules(load())
    assert set(rules.c) == set(data["concepts"]) and set(rules.p) == set(data["patterns"])


@pytest.mark.parametrize("name", ["omeprazole", "lisinopril", "atorvastatin", "metoprolol", "amoxicillin",
                                  "prednisone", "quetiapine", "levodopa", "sildenafil", "Montelukast",
                                  "metronidazole", "finasteride", "zolpidem", "semaglutide", "apixaban",
                                  "dabigatran", "budesonide", "doxazosin",
                                  "cisplatin", "paclitaxel", "doxorubicin", "caspofungin", "gentamicin",
                                  "isotretinoin"])
def test_a_medicine_no_list_names_is_read_by_its_generic_name_s_stem(name):
    assert substances(f"Is long-term {name} use a problem?") == [name.casefold()]


@pytest.mark.parametrize("text", ["I read it in a magazine in April", "comparing and performing",
                                  "an ecstatic crowd at the concert", "the alkaline saline solution",
                                  "a mongrel with high cholesterol", "platinum and saxophone taxes"])
def test_everyday_words_are_no_generic_names(text):
    assert substances(text) == []


@pytest.mark.parametrize("name", ["allopurinol", "levetiracetam", "salbutamol or albuterol", "carvedilol",
                                  "cetirizine", "warfarin", "Pseudoephedrine", "EpiPen"])
def test_the_engine_s_subject_check_reads_more_medicines_than_the_policy_s_scope(name):
    # named for the subject check only: the name alone puts no question in the policy's scope
    assert substances(f"Is long-term {name} use a problem?")
    assert not check(f"Is {name} addictive?").refuse
