"""Ingest's settings: where the corpus and the index live, which model embeds, how
chunks are cut; read once from the environment.

`app.settings.Settings` extends this class with what only the engine and the UI use,
and is the one settings object the app reads; ingest code receives either. Every
variable is listed, with a comment, in `.env.example`. An optional `.env` file in the
current folder is read too; real environment variables win over it. Code below this
module receives a `Settings` value and never reads `os.environ`.

This module does not validate that folders exist or that a Chroma server
answers: the parts that use them report those problems where they happen.

    >>> Settings(chroma_host="db.local").chroma_mode
    'http'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
DEFAULT_CHUNK_SIZE = 1000
DEFAULT_CHUNK_OVERLAP = 150


class Settings(BaseSettings):
    """Where the corpus and the index live, which model embeds, how chunks are cut."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    corpus_dir: Path = Field(Path("corpus"), description="Folder of documents to ingest.")
    data_dir: Path = Field(Path("data"), description="All local state: Chroma files, lock.")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_collection: str = Field("corpus", description="Collection holding the chunks.")
    embedding_model: str = Field(DEFAULT_EMBEDDING_MODEL, description="Model name or path.")
    embedding_device: str = Field("cpu", description="torch device for the model.")
    embed_batch_size: int = Field(64, ge=1, description="Texts per embedding batch.")
    chunk_size: int = Field(DEFAULT_CHUNK_SIZE, ge=200, description="Max chunk characters.")
    chunk_overlap: int = Field(DEFAULT_CHUNK_OVERLAP, ge=0, description="Overlap characters.")

    @property
    def chroma_mode(self) -> str:
        """`"http"` when a Chroma server is configured, else `"embedded"`."""
        return "http" if self.chroma_host else "embedded"

    @property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma database."""
        return self.data_dir / "chroma"

    @property
    def generation_path(self) -> Path:
        """File each ingest rewrites when it has changed the embedded store."""
        return self.data_dir / "index.generation"

    @property
    def failed_path(self) -> Path:
        """JSON record of the files that failed to load, by content hash: not read again
        until they change."""
        return self.data_dir / "failed.json"

    @property
    def lock_path(self) -> Path:
        """File that only one ingest at a time may hold."""
        return self.data_dir / "ingest.lock"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
