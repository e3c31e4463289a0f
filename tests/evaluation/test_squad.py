"""Tests for eval/squad.py: the split by article, the corpus and case files it writes, the
report's figures, and the held-out data committed in eval/squad/heldout.

A tiny synthetic SQuAD 2.0 file stands in for the shared one, which tests never read.
"""

from __future__ import annotations

import doctest
import json

import pytest

from app.evaluation import read_cases
from ingest.load import read_text
from tests.conftest import PROJECT, load_script

HELDOUT = PROJECT / "eval" / "squad" / "heldout"
# The eight articles of ../shared/data/squad2/README.md
README_TITLES = {"Computational_complexity_theory", "Huguenot", "European_Union_law",
                 "Harvard_University", "Immune_system", "Islamism", "Imperialism",
                 "French_and_Indian_War"}


squad = load_script("squad")


def qa(qid: str, question: str, context: str, *answers: str) -> dict:
    """A SQuAD question; each answer is found in `context` for its offset."""
    if not answers:
        return {"id": qid, "question": question, "answers": [], "is_impossible": True,
                "plausible_answers": [{"text": context[:5], "answer_start": 0}]}
    return {"id": qid, "question": question, "is_impossible": False,
            "answers": [{"text": a, "answer_start": context.index(a)} for a in answers]}


def article(title: str, contexts: list[tuple[str, list[tuple]]]) -> dict:
    return {"title": title, "paragraphs": [{"context": c, "qas": [qa(q[0], q[1], c, *q[2:]) for q in qs]}
                                           for c, qs in contexts]}


C1 = "The immune system protects against disease. Its layers are innate and adaptive."
C2 = " B cells make antibodies; T cells kill infected cells – 40 years of study.  "  # spaces kept
C3 = "The war (1754–1763) pitted Britain against France. Fort Duquesne fell in 1758."
C4 = "Montcalm led the French at Quebec, where Wolfe won in 1759."
ARTICLES = [
    article("Immune_system", [
        (C1, [("i1", "What does it protect against?", "disease", "disease", "against disease"),
              ("i2", "What layers?", "innate and adaptive"), ("i3", "Who discovered it?")]),
        (C2, [("i4", "What do B cells make?", "antibodies"), ("i5", "What do X cells make?"),
              ("i6", "How long?", "40 years")]),
    ]),
    article("French_and_Indian_War", [
        (C3, [("f1", "When did it start?", "1754"), ("f2", "Which fort fell?", "Fort Duquesne"),
              ("f3", "Who won in 1760?")]),
        (C4, [("f4", "Who led the French?", "Montcalm"), ("f5", "Where did Wolfe lose?")]),
    ]),
    article("Huguenot", [("Huguenots were French Protestants.",
                          [("h1", "Who were Huguenots?", "French Protestants"), ("h2", "Who were Cathars?")])]),
]
DETAILED = [a["title"] for a in ARTICLES]
# the other articles of the split, one question each, so the whole split can be written
ARTICLES += [article(t, [(f"{t} is a topic.", [(f"{t}-1", f"What is {t}?", "a topic")])])
             for t in sorted(README_TITLES - set(DETAILED))]


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "train-articles.json"
    path.write_text(json.dumps({"version": "v2.0", "data": ARTICLES}), encoding="utf-8")
    return path


def test_the_doctests_of_the_script_run():
    # eval/ is outside pytest's doctest paths, so its examples are run here
    result = doctest.testmod(squad)
    assert result.attempted > 0 and result.failed == 0


def test_the_split_is_by_article_with_no_overlap():
    assert len(squad.HELD_OUT) == 2 and len(squad.TRAIN) == 6
    assert not set(squad.HELD_OUT) & set(squad.TRAIN)
    assert set(squad.HELD_OUT) | set(squad.TRAIN) == README_TITLES
    assert squad.split(sorted(README_TITLES)) == {"held-out": squad.HELD_OUT, "train": squad.TRAIN}


@pytest.mark.parametrize("titles, message", [
    (sorted(README_TITLES) + ["Beyonce"], "neither side of the split: Beyonce"),
    (sorted(README_TITLES - {"Huguenot"}), "the file lacks: Huguenot"),
])
def test_a_file_that_does_not_fit_the_split_is_refused(titles, message):
    with pytest.raises(squad.SquadError, match=message):
        squad.split(titles)


def test_articles_are_named_by_group_or_title(data_file):
    titles = list(squad.load_articles(data_file))
    assert squad.chosen_articles(["Huguenot", "Huguenot"], titles) == ["Huguenot"]
    with pytest.raises(squad.SquadError, match='no article "Beyonce"'):
        squad.chosen_articles(["Beyonce"], titles)


def test_every_gold_span_is_in_the_file_at_its_offset_within_its_paragraph(data_file, tmp_path):
    articles = [squad.load_articles(data_file)[t] for t in DETAILED]
    files, _ = squad.write_corpus(articles, tmp_path / "out")
    assert [f.name for f in files] == ["immune-system.txt", "french-and-indian-war.txt", "huguenot.txt"]
    spans = 0
    for path, art in zip(files, articles):
        text = read_text(path)  # as the ingester and the citation check read it
        assert text.split("\n")[0] == art["title"].replace("_", " ")
        _, offsets = squad.article_text(art)
        for at, paragraph in zip(offsets, art["paragraphs"]):
            context = paragraph["context"]
            assert text[at:at + len(context)] == context
            assert text[at - 2:at] == "\n\n"
            for question in paragraph["qas"]:
                for answer in question["answers"]:
                    start = at + answer["answer_start"]
                    assert text[start:start + len(answer["text"])] == answer["text"]
                    spans += 1
    assert spans == 10


def test_the_cases_file_reads_cleanly_with_the_evaluators_reader(data_file, tmp_path):
    articles = squad.load_articles(data_file)
    _, path = squad.write_corpus([articles[t] for t in squad.HELD_OUT], tmp_path / "out")
    cases, errors = read_cases(path)
    assert errors == []
    by_id = {c.id: c for c in cases}
    assert sorted(by_id) == ["f1", "f2", "f3", "f4", "f5", "i1", "i2", "i3", "i4", "i5", "i6"]
    assert by_id["i1"].must_include == [["disease", "against disease"]]  # distinct texts, one group
    assert (by_id["i1"].expect, by_id["i1"].category) == ("answer", "answerable")
    assert (by_id["i3"].expect, by_id["i3"].category, by_id["i3"].must_include) == (
        "decline", "unanswerable", [])
    assert by_id["f2"].sources == ["french-and-indian-war.txt"]
    assert by_id["i5"].sources == ["immune-system.txt"]


def test_a_sample_is_stratified_and_fixed_by_its_seed(data_file, tmp_path):
    articles = list(squad.load_articles(data_file).values())
    _, path = squad.write_corpus(articles, tmp_path / "a", sample=3, seed=7)
    _, again = squad.write_corpus(articles, tmp_path / "b", sample=3, seed=7)
    _, whole = squad.write_corpus(articles, tmp_path / "c")
    assert path.read_text() == again.read_text()
    cases, _ = read_cases(path)
    assert sorted(c.category for c in cases) == ["answerable"] * 3 + ["unanswerable"] * 3
    all_ids = [c.id for c in read_cases(whole)[0]]
    assert [c.id for c in cases] == [i for i in all_ids if i in {c.id for c in cases}]  # file order
    # a class with fewer cases than asked is taken whole
    few, _ = read_cases(squad.write_corpus(articles, tmp_path / "d", sample=100)[1])
    assert len(few) == len(all_ids)


def row(cid: str, expect: str, decision: str, must_include: bool | None, first: str = "") -> dict:
    return {"id": cid, "expect": expect, "decision": decision,
            "category": "answerable" if expect == "answer" else "unanswerable",
            "checks": {"must_include": must_include},
            "citations": [{"n": 2, "quote": "other"}, {"n": 1, "quote": first}] if first else []}


def test_the_report_counts_gold_in_the_answer_and_in_its_first_sentence(data_file, tmp_path):
    _, cases = squad.write_corpus([squad.load_articles(data_file)["Immune_system"]], tmp_path / "out")
    rows = [row("i1", "answer", "answer", True, first="It protects against DISEASE."),
            row("i2", "answer", "answer", True, first="Not this one."),  # gold in a later sentence
            row("i4", "answer", "answer", False, first="B cells."),
            row("i6", "answer", "decline", False),
            row("i3", "decline", "decline", None), row("i5", "decline", "answer", None, first="X.")]
    result = squad.report(rows, cases)
    overall = result["overall"]
    assert overall["decision_accuracy"] == round(4 / 6, 4)
    assert overall["decision_accuracy_with_gold"] == round(3 / 6, 4)
    assert overall["must_include_rate"] == 0.5
    assert overall["gold_when_answered"] == round(2 / 3, 4)
    assert overall["gold_in_first_sentence"] == 0.25
    assert overall["unanswerable_declined_rate"] == 0.5
    assert result["by_category"]["unanswerable"]["decision_accuracy_with_gold"] == 0.5
    assert result["by_category"]["answerable"]["unanswerable_declined_rate"] is None


def test_the_report_refuses_results_of_another_cases_file(data_file, tmp_path):
    _, cases = squad.write_corpus([squad.load_articles(data_file)["Huguenot"]], tmp_path / "out")
    with pytest.raises(squad.SquadError, match="not cases of .*first: i1"):
        squad.report([row("i1", "answer", "answer", True, first="x")], cases)


def test_a_missing_data_file_is_named_with_the_way_out(tmp_path, capsys):
    assert squad.main(["corpus", str(tmp_path / "out"), "--articles", "held-out",
                       "--data", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert "nope.json: no such file" in err and "--data" in err
    assert not (tmp_path / "out").exists()


def test_the_corpus_command_writes_the_files_it_names(data_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert squad.main(["corpus", str(out), "--articles", "held-out", "--sample", "2",
                       "--data", str(data_file)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in printed] == [
        str(out / "corpus" / "immune-system.txt"), str(out / "corpus" / "french-and-indian-war.txt"),
        str(out / "cases.jsonl")]
    assert sorted(p.name for p in (out / "corpus").iterdir()) == ["french-and-indian-war.txt",
                                                                   "immune-system.txt"]
    assert len(read_cases(out / "cases.jsonl")[0]) == 4


def test_a_file_without_the_split_s_articles_is_refused(tmp_path, capsys):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"data": ARTICLES[:3]}), encoding="utf-8")
    assert squad.main(["corpus", str(tmp_path / "out"), "--articles", "held-out", "--data", str(path)]) == 2
    assert "the file lacks" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_committed_held_out_data_is_whole_and_well_formed():
    files = sorted(p.name for p in (HELDOUT / "corpus").iterdir())
    assert files == sorted(squad.file_name(t) for t in squad.HELD_OUT)
    texts = {name: read_text(HELDOUT / "corpus" / name) for name in files}
    for name in ("cases.jsonl", "all.jsonl"):
        cases, errors = read_cases(HELDOUT / name)
        assert errors == [] and cases
        for case in cases:
            assert case.sources[0] in texts
            assert all(any(alt in texts[case.sources[0]] for alt in group) for group in case.must_include)
    sample = read_cases(HELDOUT / "cases.jsonl")[0]
    assert sum(c.expect == "answer" for c in sample) == sum(c.expect == "decline" for c in sample) == 160
    assert {c.id for c in sample} <= {c.id for c in read_cases(HELDOUT / "all.jsonl")[0]}


def test_the_committed_off_subject_cases_are_what_the_command_writes_from_the_held_out_sets(tmp_path, capsys):
    sets = [PROJECT / "eval" / "questions.jsonl", *sorted((PROJECT / "eval" / "reader_heldout").glob("*.jsonl"))]
    assert squad.main(["off-subject", str(tmp_path), *map(str, sets)]) == 0
    written = (tmp_path / squad.OFF_SUBJECT_FILE).read_text(encoding="utf-8")
    assert written == (HELDOUT / squad.OFF_SUBJECT_FILE).read_text(encoding="utf-8")
    cases, errors = read_cases(HELDOUT / squad.OFF_SUBJECT_FILE)
    assert errors == [] and len(cases) > 200
    assert {c.expect for c in cases} == {"decline"} and not any(c.history for c in cases)
    originals = {c.id: c for path in sets for c in read_cases(path)[0]}
    assert all(originals[c.id.removeprefix("off-subject:")].expect == "answer" for c in cases)


def test_off_subject_names_a_malformed_case_file(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert squad.main(["off-subject", str(tmp_path), str(bad)]) == 2
    assert "bad.jsonl" in capsys.readouterr().err
    assert not (tmp_path / squad.OFF_SUBJECT_FILE).exists()
