"""Tests for app/ask.py: the one-question command line, run in-process on the real store."""

from __future__ import annotations

import json
import re
from functools import partial

import pytest

from app.ask import main
from app.engine import Engine
from app.settings import Settings
from ingest.load import read_text

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SYMPTOMS = "What are the symptoms of serotonin syndrome?"


def run(capsys, argv, settings) -> tuple[int, str, str]:
    code = main(argv, settings=settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_an_answer_prints_text_and_sources(capsys, answer_settings):
    code, out, _ = run(capsys, [SYMPTOMS], answer_settings)
    assert code == 0
    text, sources = out.split("\nSources:\n")
    assert "Restlessness" in text and re.search(r"\[\d+\]$", text.strip())
    blocks = re.findall(r"^\[(\d+)\] (.+) › (.+)\n    (\S+), lines? (\d+)(?:–(\d+))?\n    “(.+)”$",
                        sources, re.M)
    assert blocks and [int(b[0]) for b in blocks] == list(range(1, len(blocks) + 1))
    for _, _, _, source, first, last, quote in blocks:  # the lines shown hold the quote
        lines = read_text(answer_settings.corpus_dir / source).splitlines()
        shown = " ".join(" ".join(lines[int(first) - 1:int(last or first)]).split())
        assert quote in shown


def test_a_decline_exits_1_and_says_why(capsys, answer_settings):
    code, out, _ = run(capsys, ["What is the capital of France?"], answer_settings)
    assert code == 1
    assert out.startswith("[decline: not_covered]\nThe documents don't answer this question.")
    assert "Sources:" not in out


@pytest.mark.parametrize("question, reason", [("", "empty"), ("\u200b", "empty"),
                                              ("x" * 2001, "too_long")])
def test_input_that_is_no_question_exits_1(capsys, answer_settings, question, reason):
    code, out, _ = run(capsys, [question], answer_settings)
    assert code == 1 and out.startswith(f"[decline: {reason}]")


def test_json_prints_the_whole_answer(capsys, answer_settings):
    code, out, _ = run(capsys, [SYMPTOMS, "--json"], answer_settings)
    data = json.loads(out)
    assert code == 0 and data["decision"] == "answer" and data["question"] == SYMPTOMS
    assert data["citations"] and data["passages"] and data["timings"]["total"] > 0
    for c in data["citations"]:
        assert read_text(answer_settings.corpus_dir / c["source"])[c["start"]:c["end"]] == c["quote"]


def test_history_file_makes_a_followup(capsys, answer_settings, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "What is serotonin syndrome?"},
                                   {"role": "assistant", "content": "A condition."}]),
                       encoding="utf-8")
    code, out, _ = run(capsys, ["What are its symptoms?", "--json", "--history", str(history)],
                       answer_settings)
    data = json.loads(out)
    assert code == 0 and data["decision"] == "answer"
    assert "serotonin" in data["query"] and data["question"] == "What are its symptoms?"


@pytest.mark.parametrize("content, message", [
    (None, "cannot read history"),  # no such file
    ("[{\"role\": \"user\", ", "cannot read history"),
    ("{\"role\": \"user\", \"content\": \"hi\"}", "must be a JSON list"),
    ("[\"What is SERT?\"]", "must be a JSON list"),
    ("[{\"role\": \"user\", \"content\": 5}]", "must be a JSON list"),
])
def test_a_bad_history_file_exits_2(capsys, answer_settings, tmp_path, content, message):
    path = tmp_path / "history.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, ["What are its symptoms?", "--history", str(path)],
                         answer_settings)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err


def test_an_empty_store_declines_instead_of_crashing(capsys, tmp_path, fake_embeddings, monkeypatch):
    monkeypatch.setattr("app.ask.Engine", partial(Engine, embeddings=fake_embeddings))
    settings = Settings(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "never-ingested")
    code, out, _ = run(capsys, [SYMPTOMS, "--json"], settings)
    data = json.loads(out)
    assert code == 1
    assert (data["decision"], data["reason"]) == ("decline", "empty_index")
    assert "no documents" in data["text"] and data["citations"] == []


def test_a_missing_question_is_a_usage_error(capsys, answer_settings):
    with pytest.raises(SystemExit) as exit_:
        main([], settings=answer_settings)
    assert exit_.value.code == 2 and "question" in capsys.readouterr().err
