"""Batch evaluation without an LLM judge: `python -m app.evaluate CASES --out DIR`.

Each case (`cases.py`: JSONL or CSV) is asked to the engine, and its answer is
checked exactly, since answers are extractive: the decision against `expect`
(and `accept`), `must_include` against the answer text, every citation quote
against its file at its offsets, every answer sentence against the quotes it
cites, and the retrieved passages against `sources` (hit@5 and reciprocal rank).
DIR gets `results.jsonl` (one line per case), `summary.json` (overall, per
category and per expect) and `report.html`. `--export-ragas FILE` writes the
RAGAS single-turn columns for users with an LLM judge. `--fail-under M=V` and
`--fail-over M=V` exit 1 when a metric of `summary.json` (`decision_accuracy`, or a
dotted path such as `by_category.slang.decision_accuracy`) is below or above V.

Malformed lines are reported (file and line) and skipped; the other cases still run
and are written, and the exit status is then 2. This module judges no fluency or
relevance beyond those checks, and fits nothing.

    $ python -m app.evaluate eval/questions.jsonl --out eval/out --fail-under decision_accuracy=0.95
    wrote eval/out/results.jsonl, summary.json, report.html (196 cases)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from app.engine import Engine
from app.evaluation.cases import Case, read_cases
from app.evaluation.checks import CHECKS, checks, first_rank
from app.evaluation.metrics import LOWER_IS_BETTER, gate, parse_threshold, summarize
from app.evaluation.report import write_ragas, write_report
from app.settings import Settings, get_settings
from ingest.errors import CaseError, EmbeddingModelError, StoreError


def run_case(engine: Engine, case: Case, corpus: Path,
             contexts: dict[tuple[str, int, int], str] | None = None) -> dict:
    """The `results.jsonl` line of one case: what was answered, and its checks.

    `contexts` collects the retrieved passages' text.
    """
    start = time.perf_counter()
    try:
        result = engine.answer(case.question, case.history)
        error = None
    except Exception as exc:  # noqa: BLE001 - one broken case must not lose the others
        result, error = None, f"{type(exc).__name__}: {exc}"
    latency = (time.perf_counter() - start) * 1000
    row = {"id": case.id, "question": case.question, "expect": case.expect,
           "category": case.category, "line": case.line,
           "decision": result.decision.value if result else "error",
           "answer": result.text if result else "", "reason": result.reason if result else error,
           "citations": [], "retrieved": [], "latency_ms": round(latency, 1)}
    if result:
        row["citations"] = [{"n": c.n, "source": c.source, "title": c.title, "section": c.section,
                             "start": c.start, "end": c.end, "quote": c.quote, "page": c.page}
                            for c in result.citations]
        row["retrieved"] = [{"source": p.chunk.source, "start": p.chunk.start, "end": p.chunk.end,
                             "score": round(p.score, 6)} for p in result.passages]
        if contexts is not None:
            contexts.update({(p.chunk.source, p.chunk.start, p.chunk.end): p.chunk.text
                             for p in result.passages})
    try:
        row["checks"] = checks(case, result, corpus)
    except Exception as exc:  # noqa: BLE001 - a check that breaks marks this case, not the run
        row["checks"] = dict.fromkeys(CHECKS, False)
        row["reason"] = f"check failed: {type(exc).__name__}: {exc}"
    row["rank"] = first_rank(case, row["retrieved"])
    return row


def main(argv: list[str] | None = None, *, settings: Settings | None = None,
         engine: Engine | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = settings or get_settings()
        cases, errors = read_cases(args.cases)
        _check_thresholds(args)
    except (CaseError, argparse.ArgumentTypeError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    if not cases:
        print(f"error: no well-formed case in {args.cases}", file=sys.stderr)
        return 2
    try:
        engine = engine or Engine(settings)
        if not engine.chunk_ids():
            raise StoreError(f"the store in {settings.data_dir} holds no documents: "
                             "run `python -m ingest` first")
    except (StoreError, EmbeddingModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    contexts: dict[tuple[str, int, int], str] = {}
    rows = run_all(engine, cases, settings.corpus_dir, contexts)
    summary = summarize(rows, errors)
    try:
        _write(args, summary, rows, cases, contexts)
    except OSError as exc:
        print(f"error: cannot write the results: {exc}", file=sys.stderr)
        return 2
    failed = gate(summary, args.fail_under, args.fail_over)
    print(_headline(summary))
    for message in failed:
        print(f"FAILED: {message}", file=sys.stderr)
    return 1 if failed else (2 if errors else 0)


def _check_thresholds(args) -> None:
    """Every threshold names a metric, and lower-is-better ones use --fail-over."""
    for spec in args.fail_under + args.fail_over:
        parse_threshold(spec)
    for spec in args.fail_under:
        if parse_threshold(spec)[0].rpartition(".")[2] in LOWER_IS_BETTER:
            raise argparse.ArgumentTypeError(
                f"{spec}: lower is better for this metric; use --fail-over")
    for spec in args.fail_over:
        if parse_threshold(spec)[0].rpartition(".")[2] not in LOWER_IS_BETTER:
            raise argparse.ArgumentTypeError(
                f"{spec}: higher is better for this metric; use --fail-under")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.evaluate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="JSONL or CSV file of cases")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    parser.add_argument("--fail-under", action="append", default=[], metavar="METRIC=VALUE",
                        help="exit 1 when METRIC is below VALUE (repeatable)")
    parser.add_argument("--fail-over", action="append", default=[], metavar="METRIC=VALUE",
                        help="exit 1 when METRIC is above VALUE, for rates where lower is "
                             "better such as over_refusal_rate (repeatable)")
    parser.add_argument("--export-ragas", type=Path, metavar="FILE",
                        help="also write RAGAS single-turn columns (JSONL, or CSV by extension)")
    return parser


def run_all(engine: Engine, cases: list[Case], corpus: Path, contexts: dict, *,
            progress: Callable[[int, int], None] = lambda _done, _total: None) -> list[dict]:
    """Every case's `results.jsonl` line; `progress` gets (cases done, cases)."""
    from tqdm import tqdm

    engine.answer("What do the documents cover?")  # untimed: loads and warms the caches
    rows = []
    for case in tqdm(cases, desc="evaluating", unit="case", file=sys.stderr, disable=None):
        rows.append(run_case(engine, case, corpus, contexts))
        progress(len(rows), len(cases))
    return rows


def write_results(out: Path, summary: dict, rows: list[dict]) -> None:
    """`results.jsonl`, `summary.json` and `report.html` in `out` (created if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                                      encoding="utf-8")
    write_report(out / "report.html", summary, rows)


def _write(args, summary: dict, rows: list[dict], cases: list[Case], contexts: dict) -> None:
    write_results(args.out, summary, rows)
    if args.export_ragas:
        write_ragas(args.export_ragas, cases, rows, contexts)
    print(f"wrote {args.out}/results.jsonl, summary.json, report.html ({len(rows)} cases)")


def _headline(summary: dict) -> str:
    o = summary["overall"]
    names = ("decision_accuracy", "answer_accuracy", "refusal_recall", "over_refusal_rate", "citation_validity",
             "sentence_support", "must_include_rate", "retrieval_hit_at_5", "latency_p50_ms")
    return "  ".join(f"{n}={o[n]}" for n in names if o[n] is not None)


if __name__ == "__main__":
    sys.exit(main())
