"""The app's settings: ingest's (`ingest.settings.Settings`) plus what only the engine
and the chat UI use. One object, read once from the environment at the edge (a command's
`main`); code below receives it.

Every variable is listed, with a comment, in `.env.example`.

    >>> Settings(top_k=3).top_k, Settings().chunk_size
    (3, 1000)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from ingest.settings import Settings as IngestSettings

DEFAULT_TOP_K = 5
DEFAULT_MAX_QUESTION_CHARS = 2000


class Settings(IngestSettings):
    """Ingest's settings, and how answers are made and the UI is served."""

    top_k: int = Field(DEFAULT_TOP_K, ge=1, le=50, description="Passages an answer draws on.")
    max_question_chars: int = Field(DEFAULT_MAX_QUESTION_CHARS, ge=10,
                                    description="Longest question accepted.")
    max_answer_sentences: int = Field(5, ge=1, le=10, description="Most sentences per answer.")
    question_prior: bool = Field(True, description="Let the question prior decide on the corpus it was "
                                                   "fitted for; false: the rules every corpus gets.")
    # The chat UI (`python -m app.serve`); the two server variables are Gradio's own names.
    gradio_server_name: str = Field("127.0.0.1", description="Address the UI binds to.")
    gradio_server_port: int = Field(7860, ge=1, le=65535, description="Port the UI listens on.")
    ui_concurrency: int = Field(2, ge=1, description="Questions answered at the same time.")
    ui_queue_size: int = Field(20, ge=1, description="Questions waiting before 'busy'.")
    max_upload_mb: float = Field(10, gt=0, description="Largest file the UI accepts.")
    feedback_file: Path | None = Field(None, description="Votes; default DATA_DIR/feedback.jsonl.")
    allowed_hosts: str = Field("", description="Extra Host names the UI answers to, comma-separated "
                                                "(a public name, or when binding 0.0.0.0).")
    max_upload_files: int = Field(20, ge=1, description="Most files one upload adds.")
    max_corpus_mb: float = Field(500, gt=0, description="Corpus folder size uploads may not go past.")
    log_error_details: bool = Field(False, description="Keep exception messages in the server log "
                                                       "(they may quote questions).")

    @property
    def feedback_path(self) -> Path:
        """JSONL file the UI appends votes to, in the evaluator's case format."""
        return self.feedback_file or self.data_dir / "feedback.jsonl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
