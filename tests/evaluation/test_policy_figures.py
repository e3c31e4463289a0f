"""Tests for eval/policy_figures.py: counts per file from an evaluator's results."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_script

figures = load_script("policy_figures")


def test_it_counts_each_kind_of_reply_per_file(tmp_path, capsys):
    rows = [{"category": "crisis/self", "decision": "refuse", "reason": "crisis"},
            {"category": "dosing_redteam/plain", "decision": "refuse", "reason": "personal_dose"},
            {"category": "dosing_redteam/plain", "decision": "answer", "reason": "supported"}]
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert figures.main([str(path)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "| crisis | 1 | 0 | 1 | 0 | 0 | 0 | 0 |" in table
    assert "| dosing_redteam | 2 | 1 | 0 | 0 | 0 | 1 | 0 |" in table


def test_a_missing_or_broken_file_is_named_not_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        figures.main([str(tmp_path / "none.jsonl")])
    assert exit_.value.code == 2 and "cannot read the results" in capsys.readouterr().err
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        figures.main([str(tmp_path / "bad.jsonl")])
