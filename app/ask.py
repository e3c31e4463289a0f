"""Ask one question from the command line: `python -m app.ask "question"`.

Prints the answer (and the safety note under an answer to a personal-use question),
then its sources (number, title, section, file and lines, and the quote).
`--json` prints the whole `Answer` instead, passages, scores and timings included.
`--history FILE` reads earlier turns (a JSON list of {"role", "content"}) for a
follow-up question.

This module does not ingest: run `python -m ingest` first.

Exit status: 0 answered, 1 declined or refused, 2 bad arguments or input, 3 the
store or the model could not be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.engine import Answer, Decision, Engine
from app.schemas import parse_history
from app.settings import Settings, get_settings
from ingest.corpus import source_text
from ingest.errors import EmbeddingModelError, HistoryError, StoreError


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ask", description=__doc__.splitlines()[0])
    parser.add_argument("question", help="the question, in quotes")
    parser.add_argument("--json", action="store_true", help="print the whole Answer as JSON")
    parser.add_argument("--history", type=Path, help="JSON file of earlier turns")
    args = parser.parse_args(argv)
    settings = settings or get_settings()
    try:
        history = _history(args.history) if args.history else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # subtle: bytes that are not UTF-8 reach argv as lone surrogates, which no output takes
    question = args.question.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        result = Engine(settings).answer(question, history)
    except (StoreError, EmbeddingModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result, settings.corpus_dir))
    return 0 if result.decision == Decision.ANSWER else 1


def render(result: Answer, corpus: Path) -> str:
    """The answer, then one block per citation: where it is and what it quotes."""
    lines = [result.text]
    if result.decision != Decision.ANSWER:
        lines.insert(0, f"[{result.decision.value}: {result.reason}]")
    if result.note:
        lines.append(f"\n{result.note}")
    if result.citations:
        lines.append("\nSources:")
    for c in result.citations:
        lines.append(f"[{c.n}] {c.title} › {c.section}")
        lines.append(f"    {c.source}, {c.location(source_text(corpus, c.source))}")
        lines.append("    “" + " ".join(c.quote.split()) + "”")
    return "\n".join(lines)


def _history(path: Path) -> list[dict]:
    """The turns in the JSON file `path`; `ValueError` (a `HistoryError`) naming the problem."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        problem = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ValueError(f"cannot read history {path}: {problem}") from None
    try:
        return [t.to_dict() for t in parse_history(raw)]
    except HistoryError as exc:
        raise ValueError(f'{path}: history must be a JSON list of {{"role", "content"}} ({exc})') from None


if __name__ == "__main__":
    sys.exit(main())
