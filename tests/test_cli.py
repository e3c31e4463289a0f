"""`python -m ingest`, run in-process through `main(argv)`, with the fake model: these
tests check arguments, messages and exit codes, which no meaning enters."""

from __future__ import annotations

from functools import partial

import pytest

from app.settings import get_settings
from ingest.__main__ import main
from ingest.index import ingest, ingest_lock


@pytest.fixture(autouse=True)
def fake_model(monkeypatch, fake_embeddings):
    monkeypatch.setattr("ingest.__main__.ingest", partial(ingest, embeddings=fake_embeddings))


def test_first_and_second_run_print_summaries(settings, capsys):
    assert main([], settings=settings) == 0
    out = capsys.readouterr().out
    assert "files:  3 seen, 3 added" in out and "(0 embedded)" not in out
    assert main([], settings=settings) == 0
    out = capsys.readouterr().out
    assert "3 unchanged" in out and "(0 embedded)" in out and "took " in out
    assert "sentence vectors: 0 embedded" in out


def test_corpus_option_picks_another_folder(settings, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.md").write_text("# Sleep\n\nSleep helps serotonin recover after use.\n")
    assert main(["--corpus", str(other), "--verbose"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "indexed a.md: 1 added" in out and "files:  1 seen, 1 added" in out


def test_reads_settings_from_the_environment(monkeypatch, corpus, tmp_path, capsys):
    monkeypatch.setenv("CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "envdata"))
    get_settings.cache_clear()
    try:
        assert main([]) == 0
    finally:
        get_settings.cache_clear()
    assert str(tmp_path / "envdata" / "chroma") in capsys.readouterr().out


def test_failures_are_named_and_exit_non_zero(settings, capsys):
    (settings.corpus_dir / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    (settings.corpus_dir / "slides.pptx").write_bytes(b"PK")
    assert main([], settings=settings) == 1
    captured = capsys.readouterr()
    assert "failed bad.txt: invalid UTF-8 at byte 0" in captured.err
    assert "skipped slides.pptx: unsupported file type" in captured.err
    assert "3 added" in captured.out and "1 failed" in captured.out


def test_missing_corpus_is_a_clear_error(settings, tmp_path, capsys):
    assert main(["--corpus", str(tmp_path / "nope")], settings=settings) == 3
    assert "corpus folder not found" in capsys.readouterr().err


def test_busy_lock_exits_with_a_message(settings, capsys):
    with ingest_lock(settings.lock_path):
        assert main([], settings=settings) == 3
    assert "another ingest is running" in capsys.readouterr().err


def test_rebuild_flag(settings, capsys):
    main([], settings=settings)
    assert main(["--rebuild"], settings=settings) == 0
    assert "rebuilt from scratch: --rebuild" in capsys.readouterr().out
