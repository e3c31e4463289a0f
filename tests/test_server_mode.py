"""Everything against a real `chroma run` server on 127.0.0.1, through CHROMA_HOST/PORT:
ingest, answers, an incremental re-ingest, the evaluator, and the server going away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.engine import Decision, Engine
from app.engine.retrieve import REFRESH_SECONDS
from ingest.errors import StoreError
from ingest.index import ingest
from ingest.load import read_text
from ingest.store import open_store
from tests.conftest import PROJECT, corpus_copy_settings, free_port

CHROMA = Path(sys.executable).parent / "chroma"
SEROTONIN = "mdma-and-the-serotonin-system.txt"


@dataclass
class ChromaServer:
    path: Path
    port: int
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("chroma run did not start within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`chroma run` on a free port, stopped after the module."""
    chroma = ChromaServer(tmp_path_factory.mktemp("chroma-server"), free_port())
    chroma.start()
    yield chroma
    chroma.stop()


@pytest.fixture(scope="module")
def served(server, tmp_path_factory, embeddings):
    """Settings for a corpus copy ingested into the server, and an engine over it."""
    settings = corpus_copy_settings(tmp_path_factory.mktemp("served"),
                                    chroma_host="127.0.0.1", chroma_port=server.port)
    report = ingest(settings)
    assert report.ok and report.chunks_added == report.chunks_embedded > 0
    return settings, Engine(settings, embeddings=embeddings)


def test_ingest_writes_to_the_server_not_the_data_folder(served, server):
    settings, _ = served
    store = open_store(settings)
    assert store.location == f"http://127.0.0.1:{server.port}"
    assert store.count() > 0 and set(store.file_records()) == {
        p.name for p in settings.corpus_dir.iterdir()}
    assert not settings.chroma_path.exists()


def test_answers_cite_exact_spans_through_the_server(served):
    settings, engine = served
    result = engine.answer("What are the symptoms of serotonin syndrome?")
    assert result.decision == Decision.ANSWER and result.citations
    for c in result.citations:
        assert read_text(settings.corpus_dir / c.source)[c.start:c.end] == c.quote


def test_incremental_reingest_through_the_server(served):
    settings, engine = served
    path = settings.corpus_dir / SEROTONIN
    path.write_text(path.read_text(encoding="utf-8") + "\n\nAxolotls regrow serotonin "
                    "neurons in their spinal cord within three weeks.\n", encoding="utf-8")
    report = ingest(settings)
    assert (report.files_updated, report.files_unchanged) == (1, 2)
    assert 0 < report.chunks_embedded <= 2
    assert ingest(settings).chunks_embedded == 0
    question = "How fast do axolotls regrow serotonin neurons in their spinal cord?"
    time.sleep(REFRESH_SECONDS)  # the retriever looks for a changed store this often
    for mode in ("dense", "lexical"):  # the server's vectors and the rebuilt BM25 index
        top = engine.search(question, k=1, mode=mode)[0].chunk
        assert "Axolotls regrow" in top.text, mode


def test_evaluator_runs_against_the_server(served, tmp_path):
    from app.evaluation.run import main

    settings, engine = served
    cases = [json.loads(line) for line in
             (PROJECT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()][:20]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    code = main([str(path), "--out", str(tmp_path / "out"),
                 "--fail-under", "citation_validity=1.0"], settings=settings, engine=engine)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert code == 0 and summary["overall"]["cases"] == 20
    assert summary["overall"]["citation_validity"] == 1.0


def test_a_stopped_server_is_a_quick_clear_error_and_the_engine_recovers(served, server):
    settings, engine = served
    server.stop()
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match=f"cannot reach the Chroma server at "
                                             f"http://127.0.0.1:{server.port}"):
            engine.answer("What is serotonin syndrome?")
        assert time.monotonic() - started < 5
        import gradio as gr

        from app.web.handlers import Handlers

        with pytest.raises(gr.Error, match="The document store is unavailable"):
            Handlers(engine, settings).respond("What is serotonin syndrome?", [], [])
    finally:
        server.start()
    result = engine.answer("What is serotonin syndrome?")  # same engine, no restart
    assert result.decision == Decision.ANSWER and result.citations, (
        result.reason, len(result.passages), len(engine.chunk_ids()))
