"""Evaluation cases from a JSONL or CSV file, each checked and with its line number.

A case is `{"id", "question"}` plus optional `history`, `expect` (answer, decline
or refuse), `accept` (other decisions that count as right), `must_include` (groups;
a group is a string or a list of alternatives), `sources` (file names),
`reference` and `category`. Unknown fields are kept in `Case.extra` and ignored.
In CSV the same columns are used; a list is written with `|` between items, or
as JSON when the cell starts with `[` (the only way to give `history`, or
alternatives inside a `must_include` group).

A malformed line becomes a `CaseError` naming the file and line; the other lines
are still read. This module runs nothing.

    >>> read_cases(Path("cases.jsonl"))  # doctest: +SKIP
    ([Case(id='q1', question='What is SERT?', ...)], ['cases.jsonl:3: missing "question"'])
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import CaseError

DECISIONS = ("answer", "decline", "refuse")
LISTS = ("history", "accept", "must_include", "sources")  # CSV cells that may hold JSON
KNOWN = ("id", "question", "history", "expect", "accept", "must_include", "sources",
         "reference", "category")


@dataclass
class Case:
    id: str
    question: str
    line: int
    history: list[dict] = field(default_factory=list)
    expect: str | None = None
    accept: list[str] = field(default_factory=list)
    must_include: list[list[str]] = field(default_factory=list)  # each group: alternatives
    sources: list[str] = field(default_factory=list)
    reference: str | None = None
    category: str = "uncategorized"
    extra: dict = field(default_factory=dict)

    def right_decisions(self) -> set[str]:
        return ({self.expect} if self.expect else set()) | set(self.accept)


def read_cases(path: Path) -> tuple[list[Case], list[str]]:
    """The well-formed cases of `path` and one message per malformed line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f"{path}: cannot read: {exc}") from exc
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else _jsonl_rows(text)
    rows = list(rows)
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
    if column in ("accept", "must_include", "sources"):
        return [item.strip() for item in cell.split("|") if item.strip()]
    return cell


def parse_case(row, line: int) -> Case:
    """A `Case` from one parsed row; `ValueError` naming the problem."""
    if isinstance(row, ValueError):
        raise row
    if not isinstance(row, dict):
        raise ValueError("a case must be a JSON object")
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('missing "question"')
    case_id = row.get("id")
    if isinstance(case_id, bool) or not isinstance(case_id, (str, int)) or not str(
            case_id).strip():
        raise ValueError('"id" must be a non-empty string' if case_id is not None
                         else 'missing "id"')
    expect = row.get("expect")
    accept = _strings(row.get("accept", []), "accept")
    if expect is not None and expect not in DECISIONS:
        raise ValueError(f'unknown expect "{expect}" (use answer, decline or refuse)')
    if bad := [a for a in accept if a not in DECISIONS]:
        raise ValueError(f'unknown decision "{bad[0]}" in "accept" (use answer, decline or refuse)')
    return Case(id=str(case_id), question=question, line=line, history=_history(row),
                expect=expect, accept=accept, must_include=_groups(row.get("must_include", [])),
                sources=_strings(row.get("sources", []), "sources"),
                reference=row.get("reference") if isinstance(row.get("reference"), str) else None,
                category=str(row.get("category") or "uncategorized"),
                extra={k: v for k, v in row.items() if k not in KNOWN})


def _strings(value, name: str) -> list[str]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'"{name}" must be a list of strings')
    return value


def _groups(value) -> list[list[str]]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list):
        raise ValueError('"must_include" must be a list of strings or lists of strings')
    groups = [_strings(group, "must_include") for group in value]
    if any(not g or not all(s.strip() for s in g) for g in groups):
        raise ValueError('"must_include" has an empty group or an empty string')
    return groups


def _history(row: dict) -> list[dict]:
    history = row.get("history", [])
    if not isinstance(history, list) or not all(
            isinstance(t, dict) and t.get("role") in ("user", "assistant")
            and isinstance(t.get("content"), str) for t in history):
        raise ValueError('"history" must be a list of {"role": "user"|"assistant", "content"}')
    return history
