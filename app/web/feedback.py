"""Votes on answers, kept in a local JSONL file that the evaluator reads as cases.

A vote is the only place a question is written down, and only because the user
pressed a thumb. Each line is a case (`app/evaluation/cases.py`): `id`, `question`,
`history`, `category` "feedback", plus the bot's reply and the vote as extra
fields. A thumbs-up also sets `expect` to the decision given and, for an answer,
`sources` to the cited files, so the line is a regression case as it stands; a
thumbs-down leaves `expect` unset for a person to fill in. A reply has one line: its
id comes from the reply (`reply_id`), and a second vote on it replaces the first.
The history is what the caller passes (the UI passes the bounded history the
engine read). This module sends nothing anywhere, and serializes writers within
one process only.

    >>> case = feedback_case(Answer("What is SERT?", Decision.DECLINE, "No."), [], liked=True)
    >>> case["expect"], case["vote"], case["category"]
    ('decline', 'up', 'feedback')
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from app.engine import Answer, Decision

_write_lock = threading.Lock()  # one write at a time from parallel sessions


def reply_id(session: str, turn: int, result: Answer) -> str:
    """The case id of every vote on reply `turn` of a session.

    >>> reply = Answer("q", Decision.DECLINE, "No.")
    >>> reply_id("s1", 0, reply) == reply_id("s1", 0, reply) != reply_id("s1", 1, reply)
    True
    """
    key = "\0".join([session, str(turn), result.question, result.text])
    return "feedback-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def feedback_case(result: Answer, history: list[dict], *, liked: bool,
                  case_id: str | None = None) -> dict:
    """The case line for one vote on `result`, asked after `history`; without `case_id`,
    a new id."""
    now = datetime.now(UTC)
    case = {"id": case_id or f"feedback-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}",
            "question": result.question, "history": history, "category": "feedback",
            "vote": "up" if liked else "down", "decision": result.decision.value,
            "reason": result.reason, "answer": result.text,
            "citations": [asdict(c) for c in result.citations],
            "voted_at": now.isoformat(timespec="seconds")}
    if liked:
        case["expect"] = result.decision.value
        if result.decision == Decision.ANSWER:
            case["sources"] = sorted({c.source for c in result.citations})
    return case


def record_vote(path: Path, case: dict) -> bool:
    """Write `case` as one line of `path`, in place of the line with its id if there is
    one (then True), else at the end; creates the folder; raises `OSError`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(case, ensure_ascii=False) + "\n"
    with _write_lock:
        old = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
        kept = [x for x in old if _id_of(x) != case["id"]]
        if len(kept) == len(old):
            with open(path, "a", encoding="utf-8") as f:
                f.write(("\n" if old and not old[-1].endswith("\n") else "") + line)
            return False
        _write_whole(path, "".join(kept) + line)
        return True


def _id_of(line: str) -> object:
    try:
        case = json.loads(line)
    except ValueError:
        return None  # a line someone broke by hand stays as it is
    return case.get("id") if isinstance(case, dict) else None


def _write_whole(path: Path, text: str) -> None:
    """Replace `path` atomically: a reader sees the old file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=".feedback-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
