"""Shared fixtures and the test tiers.

Fixtures: an isolated environment per test; a fake embedding model for mechanics
(`fake_embeddings`) and the real one, loaded once per session, for meaning (`embeddings`).
Outside the slow tier an engine reads with `FakeCross`, not the real cross-reader.

Tiers: `pytest_collection_modifyitems` marks every test by the fixtures it uses (see
`TIER_FIXTURES`), so `pytest -m "not slow and not browser and not server"` (`make
test-fast`) runs in seconds. A test slow for another reason (a subprocess that loads the
model) carries `@pytest.mark.slow` itself. A test left in the fast tier that loads the real
model anyway fails with a message saying so.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from app.settings import Settings
from ingest.embed import load_embeddings
from ingest.settings import DEFAULT_EMBEDDING_MODEL

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT / "corpus"
SETTINGS_VARS = [name.upper() for name in Settings.model_fields]
FAKE_SIZE = 384  # the real model's width: tests that mix stored and fresh vectors need it

# Fixture name -> the markers a test gets when it uses that fixture, directly or through
# another fixture (`item.fixturenames` is the whole closure).
TIER_FIXTURES = {
    "embeddings": {"slow"},  # the real model; everything that answers depends on it
    "answer_settings": {"slow"},
    "engine": {"slow"},
    "ui_app": {"slow", "server"},  # the Gradio app on a port (tests/web)
    "browser_page": {"slow", "browser", "server"},  # Chromium on `ui_app` (tests/web/test_browser.py)
    "server": {"slow", "server"},  # `chroma run` (tests/test_server_mode.py)
}

# No test may reach the network: the bundled model loads from site-packages.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"


def load_script(name: str):
    """The script `eval/<name>.py` as module `name` (registered, so doctest and its
    neighbours' `import name` find this one)."""
    path = PROJECT / "eval" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the tiers of the fixtures it uses (see `TIER_FIXTURES`)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        marks = {m for f in used & TIER_FIXTURES.keys() for m in TIER_FIXTURES[f]}
        for name in sorted(marks - {m.name for m in item.iter_markers()}):
            item.add_marker(name)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """Each test starts with none of the project's variables set, in its own folder."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def real_model_only_when_slow(request, monkeypatch):
    """Outside the slow tier, loading a model from this machine fails the test at once:
    a forgotten `embeddings=fake_embeddings` would otherwise make the fast tier slow.
    Hub names still go through, so that their error path stays testable."""
    if request.node.get_closest_marker("slow"):
        return
    import ingest.embed

    # subtle: `_load` is the cached loader behind `load_embeddings`, the one place every
    # caller (ingest, the engine, the command lines) goes through
    load = ingest.embed._load

    def refuse(name: str, device: str, batch_size: int):
        if ingest.embed.model_location(name)[1]:
            pytest.fail(f"{request.node.nodeid} loads the embedding model {name!r} but is not "
                        "marked slow: pass `fake_embeddings`, or use the `embeddings` fixture",
                        pytrace=False)
        return load(name, device, batch_size)

    monkeypatch.setattr(ingest.embed, "_load", refuse)
    # the cross-reader is a transformer too: the fast tier's engines read with a fake
    import app.engine.engine

    monkeypatch.setattr(app.engine.engine, "default_cross", FakeCross)


class FakeCross:
    """A stand-in cross-reader for mechanics: the logit grows with the share of the
    question's words the text holds. It means little, costs nothing and never changes."""

    def logits(self, question: str, texts: list[str]):
        import numpy as np

        from app.engine.terms import words

        asked = set(words(question))
        return np.array([4.0 * len(asked & set(words(t))) / max(len(asked), 1) - 2.0 for t in texts])


@pytest.fixture(scope="session")
def embeddings():
    """The real all-MiniLM-L6-v2, loaded once for the whole run: for tests of meaning
    (nearest passages, answers, declines). Using it marks a test slow."""
    return load_embeddings(DEFAULT_EMBEDDING_MODEL)


@pytest.fixture(scope="session")
def fake_embeddings() -> DeterministicFakeEmbedding:
    """A stand-in model for mechanics: each text gets its own fixed random vector, as wide
    as the real model's, at no cost. Its nearest neighbours mean nothing."""
    return DeterministicFakeEmbedding(size=FAKE_SIZE)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the default corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path, corpus) -> Settings:
    """Settings pointing at the corpus copy and a fresh store in `tmp_path`. An `ingest`
    with these loads the real model unless given `embeddings=fake_embeddings`."""
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
def one_torch_thread(request):
    """Embed with one torch thread in this module: a single query gains nothing from a
    second one, and on a busy two-core machine two threads spin against each other.
    When none of the module's selected tests is slow, nothing embeds for real, and torch
    is not even imported (that alone takes seconds)."""
    if not any(item.get_closest_marker("slow") for item in request.session.items
               if getattr(item, "module", None) is request.module):
        yield
        return
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
