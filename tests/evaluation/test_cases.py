"""Tests for app/evaluation/cases.py: reading JSONL and CSV case files, and naming each bad line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.evaluation.cases import Case, read_cases
from app.schemas import parse_history
from ingest.errors import CaseError, HistoryError


def shared_history_error(history) -> str:
    """The message of the app's one history check, which cases report as theirs."""
    with pytest.raises(HistoryError) as caught:
        parse_history(history)
    return str(caught.value)


def write_jsonl(path, lines: list) -> None:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")


def test_a_full_case_is_read_with_every_field(tmp_path):
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [{"id": "q1", "question": "What is SERT?", "expect": "answer",
                        "accept": ["decline"], "must_include": ["transporter", ["reuptake", "5-HT"]],
                        "sources": ["a.txt"], "reference": "The serotonin transporter.",
                        "category": "answerable", "history": [{"role": "user", "content": "Hi"}],
                        "evidence": ["kept, not used"]}])
    cases, errors = read_cases(path)
    assert errors == []
    [case] = cases
    assert case == Case(id="q1", question="What is SERT?", line=1,
                        history=[{"role": "user", "content": "Hi"}], expect="answer",
                        accept=["decline"], must_include=[["transporter"], ["reuptake", "5-HT"]],
                        sources=["a.txt"], reference="The serotonin transporter.",
                        category="answerable", extra={"evidence": ["kept, not used"]})
    assert case.right_decisions() == {"answer", "decline"}


def test_a_minimal_case_gets_defaults(tmp_path):
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [{"id": 7, "question": "What is SERT?"}])
    [case], _ = read_cases(path)
    assert (case.id, case.expect, case.category, case.right_decisions()) == (
        "7", None, "uncategorized", set())


def test_malformed_lines_are_named_and_the_others_kept(tmp_path):
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [
        {"id": "ok1", "question": "What is SERT?"},
        '{"id": "broken", "question": ',
        {"id": "noq"},
        {"id": "bad", "question": "Q?", "expect": "maybe"},
        "",
        {"id": "ok1", "question": "Again?"},
        {"question": "No id?"},
        {"id": "h", "question": "Q?", "history": "not a list"},
        {"id": "m", "question": "Q?", "must_include": [1, 2]},
        ["not", "an", "object"],
        {"id": "ok2", "question": "What is serotonin syndrome?", "expect": "refuse"},
    ])
    cases, errors = read_cases(path)
    assert [c.id for c in cases] == ["ok1", "ok2"]
    assert [c.line for c in cases] == [1, 11]
    assert errors[0].startswith("cases.jsonl:2: bad JSON")
    assert errors[1:] == [
        'cases.jsonl:3: missing "question"',
        'cases.jsonl:4: unknown expect "maybe" (use answer, decline or refuse)',
        'cases.jsonl:6: duplicate id "ok1"',
        'cases.jsonl:7: missing "id"',
        f"cases.jsonl:8: {shared_history_error('not a list')}",
        'cases.jsonl:9: "must_include" must be a list of strings',
        "cases.jsonl:10: a case must be a JSON object",
    ]


def test_csv_uses_the_same_columns_with_bar_separated_lists(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "id,question,expect,accept,must_include,sources,category,history\n"
        'c1,What is SERT?,answer,decline,transporter|reuptake,a.txt|b.txt,answerable,\n'
        'c2,"And its symptoms?",answer,,"[[""agitation"", ""sweating""]]",,followup,'
        '"[{""role"": ""user"", ""content"": ""What is serotonin syndrome?""}]"\n'
        "c3,Is this,wrong,,,,,\n"
        'c4,"Bad json",answer,,"[unclosed",,,\n', encoding="utf-8")
    cases, errors = read_cases(path)
    assert [c.id for c in cases] == ["c1", "c2"]
    assert cases[0].must_include == [["transporter"], ["reuptake"]]
    assert cases[0].sources == ["a.txt", "b.txt"] and cases[0].accept == ["decline"]
    assert cases[1].must_include == [["agitation", "sweating"]]
    assert cases[1].history == [{"role": "user", "content": "What is serotonin syndrome?"}]
    assert errors == ['cases.csv:4: unknown expect "wrong" (use answer, decline or refuse)',
                      'cases.csv:5: column "must_include": bad JSON (Expecting value)']


def test_an_unreadable_file_is_one_clear_error(tmp_path):
    with pytest.raises(CaseError, match="cannot read"):
        read_cases(tmp_path / "missing.jsonl")


def test_line_separators_inside_a_question_do_not_split_the_line(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps({"id": "u", "question": "What is\u2028SERT?"}, ensure_ascii=False)
                    + "\r\n" + json.dumps({"id": "v", "question": "Why?"}) + "\n", encoding="utf-8")
    cases, errors = read_cases(path)
    assert errors == [] and [c.id for c in cases] == ["u", "v"]
    assert cases[0].question == "What is\u2028SERT?"


def test_deep_nesting_is_a_bad_line_not_a_crash(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "d", "question": "Q?", "x": ' + "[" * 100_000 + "\n"
                    + json.dumps({"id": "ok", "question": "Q?"}) + "\n", encoding="utf-8")
    cases, errors = read_cases(path)
    assert [c.id for c in cases] == ["ok"] and errors[0].startswith("cases.jsonl:1: bad JSON")


def test_csv_text_cells_starting_with_a_bracket_and_multiline_cells(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text('id,question,reference,must_include\n'
                    'b1,"[Draft] What is\nSERT?",[citation needed] a transporter,transporter\n',
                    encoding="utf-8")
    [case], errors = read_cases(path)
    assert errors == []
    assert case.question == "[Draft] What is\nSERT?"
    assert case.reference == "[citation needed] a transporter"


@pytest.mark.parametrize("bad, message", [
    ({"id": "e", "question": "Q?", "must_include": [[]]}, "empty group"),
    ({"id": "e", "question": "Q?", "must_include": [""]}, "empty"),
    ({"id": "e", "question": "Q?", "accept": ["maybe"]}, 'unknown decision "maybe" in "accept"'),
    ({"id": True, "question": "Q?"}, '"id" must be a non-empty string'),
])
def test_more_bad_fields_are_named(tmp_path, bad, message):
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [bad])
    _, [error] = read_cases(path)
    assert message in error


def test_a_bad_turn_in_a_history_is_named_by_the_shared_history_check(tmp_path):
    history = [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello"}]
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [{"id": "h", "question": "Q?", "history": history}])
    _, [error] = read_cases(path)
    assert error == f"cases.jsonl:1: {shared_history_error(history)}"
    assert "1.role" in error


def test_extra_turn_keys_are_dropped_and_blank_fields_rejected(tmp_path):
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [
        {"id": "t", "question": "Q?", "history": [{"role": "user", "content": "Hi", "at": 1}]},
        {"id": "  ", "question": "Q?"},
        {"id": "b", "question": "   "},
        {"id": "s", "question": "Q?", "sources": [1]},
        {"id": "g", "question": "Q?", "must_include": 5},
    ])
    [case], errors = read_cases(path)
    assert case.history == [{"role": "user", "content": "Hi"}]
    assert errors == ['cases.jsonl:2: "id" must be a non-empty string',
                      'cases.jsonl:3: missing "question"',
                      'cases.jsonl:4: "sources" must be a list of strings',
                      'cases.jsonl:5: "must_include" must be a list of strings or lists of strings']


@pytest.mark.parametrize("name", ["reader_heldout", "reader_heldout2"])
def test_the_held_out_reader_sets_quote_the_corpus_exactly(name):
    """Every answerable case's evidence (a field the evaluator does not read) is a span of one
    of its source files and holds its key facts, so `must_include_rate` measures the answer, not a
    typo in the case."""
    path = Path(__file__).resolve().parents[2] / "eval" / name / "default_corpus.jsonl"
    texts = {p.name: p.read_text(encoding="utf-8") for p in (path.parents[2] / "corpus").glob("*.txt")}
    cases, errors = read_cases(path)
    assert errors == [] and len(cases) >= 200
    rows = {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    answerable = [c for c in cases if c.expect == "answer"]
    assert answerable and all(rows[c.id].get("evidence") and c.must_include for c in answerable)
    for case in answerable:
        evidence = rows[case.id]["evidence"]
        assert all(any(e in texts[s] for s in case.sources) for e in evidence), case.id
        said = " ".join(evidence).casefold()
        assert all(any(alt.casefold() in said for alt in group) for group in case.must_include), case.id
