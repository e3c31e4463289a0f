"""Shared fixtures: an isolated environment per test, the real model once per session."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.settings import Settings
from ingest.embed import load_embeddings
from ingest.settings import DEFAULT_EMBEDDING_MODEL

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT / "corpus"
SETTINGS_VARS = [name.upper() for name in Settings.model_fields]

# No test may reach the network: the bundled model loads from site-packages.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"


def make_pdf(path: Path, pages: list[str], *, title: str | None = None,
             user_password: str | None = None) -> Path:
    """A real PDF with one page per string (core font, ASCII only), optionally encrypted."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner", user_password=user_password)
    pdf.set_font("helvetica", size=12)
    for body in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, body)
    pdf.output(str(path))
    return path


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Each test starts with none of the project's variables set, in its own folder."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embeddings():
    """The real all-MiniLM-L6-v2, loaded once for the whole run."""
    return load_embeddings(DEFAULT_EMBEDDING_MODEL)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the default corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path, corpus, embeddings) -> Settings:
    """Settings pointing at the corpus copy and a fresh store in `tmp_path`."""
    return Settings(corpus_dir=corpus, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def answer_settings(tmp_path_factory, embeddings) -> Settings:
    """The default corpus, copied and ingested once for the whole run (read-only for tests)."""
    from ingest.index import ingest

    found = corpus_copy_settings(tmp_path_factory.mktemp("answer"))
    ingest(found)
    return found


def corpus_copy_settings(root: Path, **changes) -> Settings:
    """Settings for a copy of the default corpus in `root`, its store in `root/data`.

    For fixtures wider than one test, built before any test's `isolated_env`: the
    caller's variables and `.env` are kept out of it.
    """
    shutil.copytree(DEFAULT_CORPUS, root / "corpus")
    with pytest.MonkeyPatch.context() as mp:
        for name in SETTINGS_VARS:
            mp.delenv(name, raising=False)
        mp.chdir(root)
        return Settings(corpus_dir=root / "corpus", data_dir=root / "data", **changes)


@pytest.fixture(scope="session")
def engine(answer_settings, embeddings):
    """One answer engine over `answer_settings`' store, shared by the whole run."""
    from app.engine import Engine

    return Engine(answer_settings, embeddings=embeddings)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Embed with one torch thread in this module: a single query gains nothing from a
    second one, and on a busy two-core machine two threads spin against each other."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningUI:
    url: str
    settings: Settings
    engine: object
    demo: object


@pytest.fixture(scope="module")
def ui_app(tmp_path_factory, embeddings):
    """The chat UI over its own ingested copy of the default corpus, served on a free
    127.0.0.1 port for the module, then stopped."""
    from app.engine import Engine
    from app.web import build, launch
    from ingest.index import ingest

    settings = corpus_copy_settings(tmp_path_factory.mktemp("ui"), gradio_server_port=free_port())
    ingest(settings)
    engine = Engine(settings, embeddings=embeddings)
    demo = build(engine, settings)
    _, url, _ = launch(demo, settings, block=False, quiet=True)
    yield RunningUI(url, settings, engine, demo)
    demo.close()
