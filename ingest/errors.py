"""The project's one exception tree: every error it raises on purpose is a `CitedQAError`.

    CitedQAError                 base: `str()` is a message a person can act on
    ├── CorpusError              the corpus folder is missing, or a file in it cannot be deleted
    ├── IngestBusy               another ingest holds the lock
    ├── LoadError                a supported file could not be turned into text
    │   └── TransientLoadError   ... this time (a timeout, a crashed reader): tried again
    ├── EmbeddingModelError      the embedding model could not be loaded
    ├── PolicyModelError         the safety policy's learned reader could not be loaded
    ├── ReaderError              the answer engine's reader model is missing or stale
    ├── StoreError               the Chroma store cannot be reached or opened
    ├── CaseError (ValueError)   a malformed evaluation case
    ├── HistoryError (ValueError) a conversation history of the wrong shape
    └── UploadError (ValueError) an uploaded file the corpus cannot take

It lives in `ingest`, the package everything else builds on, so `app` and `ingest`
raise from the same tree. Command lines map these to exit codes and one-line messages;
this module defines no behaviour.

    >>> issubclass(StoreError, CitedQAError), str(LoadError("empty file"))
    (True, 'empty file')
"""

from __future__ import annotations


class CitedQAError(Exception):
    """Base of every error this project raises on purpose."""


class CorpusError(CitedQAError):
    """The corpus folder is missing or not a folder, or a file in it cannot be deleted."""


class IngestBusy(CitedQAError):
    """Another ingest holds the lock."""


class LoadError(CitedQAError):
    """A supported file that could not be turned into text; `str()` is the reason."""


class TransientLoadError(LoadError):
    """A file that could not be read this time (a timeout, a crashed reader), which the
    next ingest tries again rather than remembering it as bad."""


class EmbeddingModelError(CitedQAError):
    """The embedding model could not be loaded; `str()` says which and why."""


class PolicyModelError(CitedQAError):
    """The safety policy's learned reader (`app/policy/reader.npz`) is missing or unreadable."""


class ReaderError(CitedQAError):
    """The answer engine's reader model (`app/engine/reader.json`) is missing or unreadable."""


class StoreError(CitedQAError):
    """The store cannot be reached or opened; `str()` says where and why."""


class CaseError(CitedQAError, ValueError):
    """A malformed evaluation case; `str()` names the file and line."""


class UploadError(CitedQAError, ValueError):
    """An uploaded file the corpus cannot take; `str()` says why."""


class HistoryError(CitedQAError, ValueError):
    """A conversation history that is not a list of {"role", "content"} turns."""
