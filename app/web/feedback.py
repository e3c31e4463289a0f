"""Votes on answers, appended to a local JSONL file that the evaluator reads as cases.

A vote is the only place a question is written down, and only because the user
pressed a thumb. Each line is a case (`app/cases.py`): `id`, `question`,
`history`, `category` "feedback", plus the bot's reply and the vote as extra
fields. A thumbs-up also sets `expect` to the decision given and, for an answer,
`sources` to the cited files, so the line is a regression case as it stands; a
thumbs-down leaves `expect` unset for a person to fill in. This module sends
nothing anywhere and does not deduplicate votes.

    >>> case = feedback_case(Answer("What is SERT?", Decision.DECLINE, "No."), [], liked=True)
    >>> case["expect"], case["vote"], case["category"]
    ('decline', 'up', 'feedback')
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from app.engine import Answer, Decision

_write_lock = threading.Lock()  # one appended line at a time from parallel sessions


def feedback_case(result: Answer, history: list[dict], *, liked: bool) -> dict:
    """The case line for one vote on `result`, asked after `history`."""
    now = datetime.now(UTC)
    case = {"id": f"feedback-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}",
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


def record_vote(path: Path, case: dict) -> None:
    """Append `case` as one line of `path`, creating its folder; raises `OSError`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(case, ensure_ascii=False) + "\n"
    with _write_lock, open(path, "a", encoding="utf-8") as f:
        f.write(line)
