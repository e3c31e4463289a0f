"""The policy's replies (`messages.toml`), in the question's language when the policy reads it.

`Reply` names each reply; `message(reply, language)` gives its text, in English when
`messages.toml` has no text for `language`. No reply holds a figure.

This module decides nothing: `check.py` chooses the reply, `language.py` the language.

    >>> message(Reply.CRISIS, "de").startswith("Es tut mir wirklich leid")
    True
    >>> message(Reply.LANGUAGE, "tr") == message(Reply.LANGUAGE, "en")
    True
"""

from __future__ import annotations

import tomllib
from enum import Enum
from functools import cache
from pathlib import Path

MESSAGES_PATH = Path(__file__).with_name("messages.toml")
DEFAULT_LANGUAGE = "en"


class Reply(str, Enum):
    """What the policy says instead of, or with, an answer from the documents."""

    NONE = ""  # nothing: the engine answers as usual
    DOSING = "dosing"  # refuse personal dosing
    CRISIS = "crisis"  # refuse and point to emergency services and a crisis line
    EMERGENCY = "emergency"  # a medical emergency now: call emergency services, stay with them
    LANGUAGE = "language"  # decline: a language the policy does not read
    NOTE = "note"  # the one-line safety note under an answer to a personal-use question
    FACTS = "facts"  # the heading of the cited risk sentences after a refusal
    OFFER = "offer"  # the offer after a refusal, when no such sentence was found

    @classmethod
    def from_str(cls, name: str) -> Reply:
        """The reply named `name`; a helpful error otherwise.

        >>> Reply.from_str("crisis")
        <Reply.CRISIS: 'crisis'>
        """
        try:
            return cls(name)
        except ValueError:
            raise ValueError(f"unknown reply {name!r} (use {', '.join(r.value for r in cls if r.value)})") from None


@cache
def _table() -> dict[str, dict[str, str]]:
    with MESSAGES_PATH.open("rb") as f:
        return tomllib.load(f)


def message(reply: Reply, language: str = DEFAULT_LANGUAGE) -> str:
    """The text of `reply` in `language` (an ISO 639-1 code), English when it has none."""
    texts = _table()[reply.value]
    return texts.get(language) or texts[DEFAULT_LANGUAGE]
