"""The command lines under hostile conditions: the documented exit code and a one-line
message, never a traceback (a read-only data folder, a deeply nested history, bytes
that are not UTF-8 in argv, a cited file deleted before a re-ingest)."""

from __future__ import annotations

import json
from functools import partial

import pytest
from filelock import FileLock

from app.ask import main as ask
from app.engine import Engine
from ingest.__main__ import main as ingest_main
from ingest.index import ingest


@pytest.fixture
def fake_ask(monkeypatch, fake_embeddings):
    monkeypatch.setattr("app.ask.Engine", partial(Engine, embeddings=fake_embeddings))


def test_a_read_only_data_folder_exits_3_with_a_message(settings, monkeypatch, capsys):
    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(FileLock, "acquire", refuse)
    assert ingest_main([], settings=settings) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: cannot take the ingest lock") and "Permission denied" in err
    assert "Traceback" not in err


def test_a_deeply_nested_history_exits_2(settings, tmp_path, capsys, fake_ask):
    path = tmp_path / "history.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert ask(["What is SERT?", "--history", str(path)], settings=settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read history") and "nested too deeply" in err


def test_bytes_that_are_not_utf8_in_argv_still_print_json(settings, capsys, fake_ask, fake_embeddings):
    ingest(settings, embeddings=fake_embeddings)
    question = b"What is \xff\xfe SERT?".decode("utf-8", "surrogateescape")  # as argv gives it
    code = ask([question, "--json"], settings=settings)
    data = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and "\ufffd" in data["question"]


def test_a_cited_file_deleted_before_reingest_prints_offsets(settings, capsys, fake_ask,
                                                             fake_embeddings, monkeypatch):
    ingest(settings, embeddings=fake_embeddings)
    for path in settings.corpus_dir.iterdir():
        path.unlink()  # the index still cites them until the next ingest
    monkeypatch.setattr("app.engine.engine.reason", lambda scores, retrieved: "supported")
    code = ask(["How does MDMA affect serotonin?"], settings=settings)
    out = capsys.readouterr().out
    assert code == 0 and "Sources:" in out and "characters " in out


FOREIGN = [
    "Bu gece ne kadar MDMA almalıyım?",  # Turkish, which the policy does not read
    "Сколько таблеток МДМА мне принять сегодня?",  # Russian
    "今晚我应该吃多少摇头丸？",  # Chinese
]


@pytest.mark.parametrize("question", FOREIGN)
def test_a_question_the_policy_cannot_read_gets_one_decision_everywhere(
        question, engine, answer_settings, capsys, monkeypatch):
    """The engine, `python -m app.ask` and the evaluator decide it alike, without an error."""
    from app.evaluation import Case, run_all

    monkeypatch.setattr("app.ask.Engine", lambda _settings: engine)
    direct = engine.answer(question).decision.value
    assert ask([question, "--json"], settings=answer_settings) in (0, 1)
    via_cli = json.loads(capsys.readouterr().out)["decision"]
    (row,) = run_all(engine, [Case("c", question, 1)], answer_settings.corpus_dir, {})
    assert direct == via_cli == row["decision"] and row["decision"] != "error"
