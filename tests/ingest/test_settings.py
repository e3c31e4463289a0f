"""Settings: defaults, environment variables, `.env`, and the documented variables."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.settings import Settings
from tests.conftest import PROJECT


def test_defaults_keep_state_in_the_project_folder():
    s = Settings()
    assert (s.corpus_dir, s.data_dir, s.chroma_path) == (Path("corpus"), Path("data"), Path("data/chroma"))
    assert s.chroma_mode == "embedded" and s.embedding_model == "all-MiniLM-L6-v2"


def test_docstring_example():
    assert Settings(chroma_host="db.local").chroma_mode == "http"


def test_environment_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("CHROMA_HOST=from-dotenv\nCHUNK_SIZE=600\n")
    monkeypatch.setenv("CHROMA_HOST", "from-env")
    monkeypatch.setenv("DATA_DIR", "/srv/state")
    s = Settings()
    assert (s.chroma_host, s.chunk_size, s.data_dir) == ("from-env", 600, Path("/srv/state"))
    assert s.lock_path == Path("/srv/state/ingest.lock")


def test_every_setting_is_documented_in_env_example():
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (PROJECT / ".env.example").read_text(), re.M))
    assert {name.upper() for name in Settings.model_fields} <= documented
