"""Bounded error logs that carry no request data, for the chat UI's server.

A traceback's frames name code, but its message can quote whatever a request
carried: a question, or a whole malformed payload (Gradio's input checks repeat
their inputs, so one request could write megabytes). So an error is logged as its
type and frames, its message left out, and every log record is cut to
`MAX_LOG_CHARS`. `install()` (called by `serve.launch`) applies that to the
process's `logging` records and to the tracebacks Gradio prints itself;
`details=True` keeps exception messages, still cut, for debugging on a machine whose
logs nobody else reads. This module sets no log level or handler, and cannot vet what
a library writes to stderr by other means than those two.

    >>> clip("x" * 10, 4)
    'xxxx… (6 more characters)'
"""

from __future__ import annotations

import logging
import sys
import traceback
from importlib import import_module

MAX_LOG_CHARS = 4000
# the Gradio modules that print tracebacks with `traceback.print_exc()`
GRADIO_MODULES = ("gradio.queueing", "gradio.routes", "gradio.route_utils", "gradio.utils")

_details = False  # set by `install`
_plain_factory = logging.getLogRecordFactory()


def clip(text: str, limit: int = MAX_LOG_CHARS) -> str:
    """`text` cut to `limit` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def describe(exc: BaseException, *, details: bool | None = None) -> str:
    """The traceback of `exc`, with its message only if `details` (default: as installed),
    cut to `MAX_LOG_CHARS`.

    >>> try:
    ...     {}["a question someone asked"]
    ... except KeyError as exc:
    ...     print(describe(exc).splitlines()[-1])
    KeyError (message left out)
    """
    details = _details if details is None else details
    shown = traceback.TracebackException.from_exception(exc, capture_locals=False)
    lines = ["Traceback (most recent call last):\n", *shown.stack.format()]
    name = type(exc).__qualname__
    lines.append(f"{name}: {exc}" if details else f"{name} (message left out)")
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        lines.append(f"\n(raised while handling {type(cause).__qualname__})")
    return clip("".join(lines))


def print_exc(limit=None, file=None, chain=True) -> None:
    """`traceback.print_exc`, as `describe` words it."""
    exc = sys.exc_info()[1]
    if exc is not None:
        print(describe(exc), file=file or sys.stderr)


def install(*, details: bool = False) -> None:
    """Bound every log record and every traceback Gradio prints, from now on in this process."""
    global _details
    _details = details
    logging.setLogRecordFactory(_bounded_record)
    for name in GRADIO_MODULES:
        try:
            module = sys.modules.get(name) or import_module(name)
        except ImportError:  # a later Gradio may have moved it; nothing to rebind
            continue
        if getattr(module, "traceback", None) is traceback:
            module.traceback = _GRADIO_TRACEBACK  # subtle: only Gradio's name is rebound


class _Traceback:
    """The `traceback` module as Gradio sees it after `install`: `print_exc` is ours."""

    print_exc = staticmethod(print_exc)

    def __getattr__(self, name):
        return getattr(traceback, name)


_GRADIO_TRACEBACK = _Traceback()


def _bounded_record(*args, **kwargs) -> logging.LogRecord:
    record = _plain_factory(*args, **kwargs)
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text, record.exc_info = describe(record.exc_info[1]), None
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record is logging's to report, not ours
        return record
    if len(message) > MAX_LOG_CHARS:
        record.msg, record.args = clip(message), ()
    return record
