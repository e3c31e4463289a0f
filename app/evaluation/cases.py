"""Evaluation cases from a JSONL or CSV file, each checked and with its line number.

A case is `{"id", "question"}` plus optional `history`, `expect` (answer, decline
or refuse), `accept` (other decisions that count as right), `must_include` (groups;
a group is a string or a list of alternatives), `sources` (file names),
`reference` and `category`. Unknown fields are kept in `Case.extra` and ignored.
In CSV the same columns are used; a list is written with `|` between items, or
as JSON when the cell starts with `[` (the only way to give `history`, or
alternatives inside a `must_include` group).

Each row is checked by a pydantic model (`CaseRow`); the history by the app's one
history check, `app.schemas.parse_history`. What flows on is a plain `Case`. A
malformed line becomes a message naming the file and line, and the other lines are
still read; only an unreadable file is a `CaseError`. This module runs nothing.

    >>> case = parse_case({"id": 7, "question": "What is SERT?", "must_include": "5-HT"}, line=3)
    >>> case.id, case.line, case.must_include, case.category
    ('7', 3, [['5-HT']], 'uncategorized')
    >>> parse_case({"id": "q1", "expect": "maybe"}, line=4)
    Traceback (most recent call last):
    ValueError: missing "question"
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from app.engine import Decision
from app.schemas import Turn, parse_history
from ingest.errors import CaseError, HistoryError

LISTS = ("history", "accept", "must_include", "sources")  # CSV cells that may hold JSON
BAR_LISTS = ("accept", "must_include", "sources")  # CSV cells that may hold a|b|c
DEFAULT_CATEGORY = "uncategorized"
_USE = f"use {', '.join(d.value for d in list(Decision)[:-1])} or {list(Decision)[-1].value}"


@dataclass
class Case:
    """A checked case, as the runner and the checks read it; `line` is where it was in its file."""

    id: str
    question: str
    line: int
    history: list[dict] = field(default_factory=list)
    expect: str | None = None
    accept: list[str] = field(default_factory=list)
    must_include: list[list[str]] = field(default_factory=list)  # each group: alternatives
    sources: list[str] = field(default_factory=list)
    reference: str | None = None
    category: str = DEFAULT_CATEGORY
    extra: dict = field(default_factory=dict)

    def right_decisions(self) -> set[str]:
        return ({self.expect} if self.expect else set()) | set(self.accept)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _case_error(message: str) -> PydanticCustomError:
    # the message goes in as context: a template would read its braces as placeholders
    return PydanticCustomError("case", "{message}", {"message": message})


def _history(value: Any) -> list[Turn]:
    try:
        return parse_history(value)
    except HistoryError as exc:
        raise _case_error(str(exc)) from None


def _id(value: Any) -> Any:
    # a number is a fine id (`7` is "7"); a bool is not a number here
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _groups(value: Any) -> Any:
    value = _one_or_many(value)
    return [_one_or_many(group) for group in value] if isinstance(value, list) else value


class CaseRow(BaseModel):
    """One case as written in the file: the edge where a row is checked.

    Fields are in the order their problems are reported (the first one wins).
    """

    model_config = ConfigDict(extra="allow")
    question: StrictStr
    id: Annotated[StrictStr, BeforeValidator(_id)]
    expect: Decision | None = None
    accept: Annotated[list[Decision], BeforeValidator(_one_or_many)] = []
    history: Annotated[list[Turn], BeforeValidator(_history)] = []
    must_include: Annotated[list[list[StrictStr]], BeforeValidator(_groups)] = []
    sources: Annotated[list[StrictStr], BeforeValidator(_one_or_many)] = []
    # lenient on purpose: a note that is not text is no reason to drop the case
    reference: Annotated[str | None, BeforeValidator(lambda v: v if isinstance(v, str) else None)] = None
    category: Annotated[str, BeforeValidator(lambda v: str(v or DEFAULT_CATEGORY))] = DEFAULT_CATEGORY

    @field_validator("question", "id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("blank")
        return value

    @field_validator("must_include")
    @classmethod
    def _no_empty_group(cls, groups: list[list[str]]) -> list[list[str]]:
        if any(not group or not all(s.strip() for s in group) for group in groups):
            raise _case_error('"must_include" has an empty group or an empty string')
        return groups

    def to_case(self, line: int) -> Case:
        return Case(id=self.id, question=self.question, line=line,
                    history=[turn.to_dict() for turn in self.history],
                    expect=self.expect.value if self.expect else None,
                    accept=[d.value for d in self.accept], must_include=self.must_include,
                    sources=self.sources, reference=self.reference, category=self.category,
                    extra=dict(self.model_extra or {}))


def _message(error: dict) -> str:
    """The one-line complaint for pydantic's first `error` about a row."""
    if error["type"] == "case":
        return error["msg"]
    name, *inside = error["loc"] or ("",)
    if name == "question":
        return 'missing "question"'
    if name == "id":
        return 'missing "id"' if error["type"] == "missing" else '"id" must be a non-empty string'
    if name == "expect":
        return f'unknown expect "{error["input"]}" ({_USE})'
    if name == "accept" and inside and isinstance(error["input"], str):
        return f'unknown decision "{error["input"]}" in "accept" ({_USE})'
    if name == "must_include" and not inside:
        return '"must_include" must be a list of strings or lists of strings'
    return f'"{name}" must be a list of strings'


def parse_case(row: Any, line: int) -> Case:
    """A `Case` from one parsed row; `ValueError` naming the problem."""
    if isinstance(row, ValueError):
        raise row
    if not isinstance(row, dict):
        raise ValueError("a case must be a JSON object")
    try:
        return CaseRow.model_validate(row).to_case(line)
    except ValidationError as exc:
        raise ValueError(_message(exc.errors()[0])) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def read_cases(path: Path) -> tuple[list[Case], list[str]]:
    """The well-formed cases of `path` and one message per malformed line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f"{path}: cannot read: {exc}") from exc
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else _jsonl_rows(text)
    cases, errors, seen = [], [], set()
    for line, row in rows:
        try:
            case = parse_case(row, line)
            if case.id in seen:
                raise ValueError(f'duplicate id "{case.id}"')
            seen.add(case.id)
            cases.append(case)
        except ValueError as exc:
            errors.append(f"{path.name}:{line}: {exc}")
    return cases, errors


def _jsonl_rows(text: str):
    # split on "\n" only: str.splitlines() would also split inside a question at U+2028
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield line, json.loads(raw.rstrip("\r"))
        except json.JSONDecodeError as exc:
            yield line, ValueError(f"bad JSON ({exc.msg}, column {exc.colno})")
        except RecursionError:
            yield line, ValueError("bad JSON (nested too deeply)")


def _csv_rows(text: str):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        line = reader.line_num
        try:
            yield line, {k.strip(): _csv_value(k.strip(), v) for k, v in row.items()
                         if k and v not in (None, "")}
        except ValueError as exc:
            yield line, exc


def _csv_value(column: str, cell: str):
    cell = cell.strip()
    if column in LISTS and cell.startswith("["):
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            raise ValueError(f'column "{column}": bad JSON ({exc.msg})') from exc
    if column in BAR_LISTS:
        return [item.strip() for item in cell.split("|") if item.strip()]
    return cell
