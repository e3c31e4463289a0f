"""Shapes that cross the app's edges, checked once there: conversation turns.

A history is a list of `{"role": "user" | "assistant", "content": str}`. The command
line (`--history`), evaluation cases and the chat all pass theirs through `parse_history`
(strict: a malformed history is a `HistoryError` naming the problem), and the engine
bounds what it is given with `bounded_history` before the policy or follow-up handling
read it: only the last `MAX_TURNS` turns, no empty turn, no user turn longer than the
question limit (it was declined, never answered), assistant turns cut at
`MAX_ASSISTANT_CHARS`. So no history can make a question's work grow without bound.

This module does no I/O.

    >>> parse_history([{"role": "user", "content": "What is SERT?"}])
    [Turn(role=<Role.USER: 'user'>, content='What is SERT?')]
    >>> bounded_history([{"role": "user", "content": "x" * 5000}, {"role": "user", "content": "hi"}],
    ...                 max_chars=2000)
    [{'role': 'user', 'content': 'hi'}]
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from ingest.errors import HistoryError

MAX_TURNS = 20  # the most recent turns the engine reads
MAX_ASSISTANT_CHARS = 6000  # an answer is at most a few sentences; longer is not ours


class Role(str, Enum):
    USER = "user"
    ASSISTANT = "assistant"


class Turn(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_enum_values=False)
    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role.value, "content": self.content}


_TURNS = TypeAdapter(list[Turn])


def parse_history(raw: object) -> list[Turn]:
    """`raw` (None or a list of turn mappings) as turns; `HistoryError` if it is not."""
    if raw is None:
        return []
    try:
        return _TURNS.validate_python(raw, strict=False)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HistoryError('history must be a list of {"role": "user"|"assistant", "content": '
                           f'text}} ({where or "history"}: {first["msg"]})') from None
    except RecursionError:
        raise HistoryError("history is nested too deeply to be a list of turns") from None


def bounded_history(raw: Iterable[object] | None, *, max_chars: int,
                    max_turns: int = MAX_TURNS) -> list[dict[str, str]]:
    """The turns of `raw` the engine may read, as dicts; malformed turns are left out."""
    if not isinstance(raw, list | tuple):
        return []
    turns = []
    for item in list(raw)[-max_turns:]:
        turn = _turn(item)
        if turn is None or not turn.content.strip():
            continue
        if turn.role is Role.USER and len(turn.content.strip()) > max_chars:
            continue  # declined as too long: it never was a question the engine read
        content = turn.content[:MAX_ASSISTANT_CHARS]
        turns.append({"role": turn.role.value, "content": content})
    return turns


def _turn(item: object) -> Turn | None:
    if isinstance(item, Turn):
        return item
    try:
        return Turn.model_validate(item)
    except (ValidationError, RecursionError):
        return None
