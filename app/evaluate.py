"""Batch evaluation without an LLM judge: `python -m app.evaluate CASES --out DIR`.

Each case (`app/cases.py`: JSONL or CSV) is asked to the engine, and its answer is
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
import math
import re
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from app.answer import MARKER, Answer, Engine, marked_sentences
from app.cases import Case, CaseError, read_cases
from app.report import write_ragas, write_report
from ingest.embed import EmbeddingModelError
from ingest.load import LoadError, read_text
from ingest.sentences import supports
from ingest.settings import Settings, get_settings
from ingest.store import StoreError

HIT_K = 5
CHECKS = ("decision", "must_include", "citations_valid", "sentences_supported", "retrieval_hit",
          "source_cited")
# Metrics where a lower value is better: --fail-under on them would read backwards.
LOWER_IS_BETTER = {"over_refusal_rate", "false_decline_rate", "unanswerable_answered_rate",
                   "latency_p50_ms", "latency_p95_ms"}


def run_case(engine: Engine, case: Case, corpus: Path, texts: dict[str, str | None],
             contexts: dict[tuple[str, int, int], str] | None = None) -> dict:
    """The `results.jsonl` line of one case: what was answered, and its checks.

    `texts` caches the corpus files; `contexts` collects the retrieved passages' text.
    """
    start = time.perf_counter()
    try:
        result = engine.answer(case.question, case.history)
        error = None
    except Exception as exc:  # one broken case must not lose the others
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
        row["checks"] = checks(case, result, corpus, texts)
    except Exception as exc:  # a check that breaks marks this case, not the run
        row["checks"] = dict.fromkeys(CHECKS, False)
        row["reason"] = f"check failed: {type(exc).__name__}: {exc}"
    row["rank"] = _first_rank(case, row["retrieved"])
    return row


def checks(case: Case, result: Answer | None, corpus: Path,
           texts: dict[str, str | None]) -> dict[str, bool | None]:
    """Each check: True, False, or None when it does not apply to this case."""
    decision = result.decision.value if result else "error"
    text = _comparable(MARKER.sub(" ", result.text)) if result else ""
    cites = result.citations if result else []
    answered = decision == "answer"
    pieces, unmarked = marked_sentences(result.text) if answered else ([], "")
    quotes = {c.n: c.quote for c in cites}
    retrieved = [p.chunk.source for p in result.passages[:HIT_K]] if result else []
    return {
        "decision": decision in case.right_decisions() if case.right_decisions() else None,
        "must_include": all(any(_comparable(alt) in text for alt in group)
                            for group in case.must_include) if case.must_include else None,
        "citations_valid": all((_source_text(corpus, c.source, texts) or "")[c.start:c.end]
                               == c.quote for c in cites) if cites else None,
        "sentences_supported": (bool(pieces) and not unmarked and all(
            any(n in quotes and supports(quotes[n], s) for n in ns) for s, ns in pieces))
        if answered else None,
        "retrieval_hit": any(s in case.sources for s in retrieved)
        if case.sources and retrieved else None,
        "source_cited": any(c.source in case.sources for c in cites)
        if case.sources and answered else None,
    }


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _source_text(corpus: Path, source: str, texts: dict[str, str | None]) -> str | None:
    """The file's text as citations index it; None when it is gone or unreadable."""
    if source not in texts:
        try:
            texts[source] = read_text(corpus / source)
        except (LoadError, OSError, ValueError):
            texts[source] = None
    return texts[source]


def _first_rank(case: Case, retrieved: list[dict]) -> int | None:
    """1-based rank of the first retrieved passage from `sources`, 0 if none; None without
    `sources`, or when nothing was retrieved (a refusal, an empty question)."""
    if not case.sources or not retrieved:
        return None
    return next((i for i, p in enumerate(retrieved, start=1) if p["source"] in case.sources), 0)


def summarize(rows: list[dict], errors: list[str] | None = None) -> dict:
    """`summary.json`: the metrics overall, per category and per expected decision."""
    summary = {"overall": metrics(rows),
               "by_category": {c: metrics([r for r in rows if r["category"] == c])
                               for c in sorted({r["category"] for r in rows})},
               "by_expect": {e: metrics([r for r in rows if r["expect"] == e])
                             for e in ("answer", "decline", "refuse")
                             if any(r["expect"] == e for r in rows)}}
    summary["malformed_lines"] = errors or []
    return summary


def metrics(rows: list[dict]) -> dict:
    """The figures for one group of results; None where the group has no case to count."""
    def share(subset: list[dict], test) -> float | None:
        return round(sum(map(test, subset)) / len(subset), 4) if subset else None

    def by_expect(e: str) -> list[dict]:
        return [r for r in rows if r["expect"] == e]

    def rate(check: str) -> float | None:
        return share([r for r in rows if r["checks"][check] is not None],
                     lambda r: r["checks"][check])

    ranked = [r["rank"] for r in rows if r["rank"] is not None]
    latencies = sorted(r["latency_ms"] for r in rows)
    confusion: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["expect"]:
            confusion.setdefault(r["expect"], {}).setdefault(r["decision"], 0)
            confusion[r["expect"]][r["decision"]] += 1
    cited = [c for r in rows for c in r["citations"]]
    return {
        "cases": len(rows),
        "decision_accuracy": rate("decision"),
        "confusion": confusion,
        "refusal_recall": share(by_expect("refuse"), lambda r: r["decision"] == "refuse"),
        "over_refusal_rate": share(by_expect("answer"), lambda r: r["decision"] == "refuse"),
        "decline_recall": share(by_expect("decline"), lambda r: r["decision"] == "decline"),
        "false_decline_rate": share(by_expect("answer"), lambda r: r["decision"] == "decline"),
        "unanswerable_answered_rate": share(by_expect("decline"),
                                            lambda r: r["decision"] == "answer"),
        "must_include_rate": rate("must_include"),
        "citations": len(cited),
        "citation_validity": rate("citations_valid"),
        "sentence_support": rate("sentences_supported"),
        "source_cited_rate": rate("source_cited"),
        "retrieval_hit_at_5": rate("retrieval_hit"),
        "mrr": round(sum(1 / k for k in ranked if k) / len(ranked), 4) if ranked else None,
        "latency_p50_ms": _percentile(latencies, 50),
        "latency_p95_ms": _percentile(latencies, 95),
    }


def _percentile(values: list[float], q: int) -> float | None:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return None
    return round(values[min(len(values) - 1, max(0, -(-q * len(values) // 100) - 1))], 1)


NUMERIC = frozenset(k for k in metrics([]) if k != "confusion")  # what a threshold may name


def gate(summary: dict, under: list[str], over: list[str]) -> list[str]:
    """The failed thresholds, as messages; empty when every one is met."""
    failed = []
    for spec, too_low in [(s, True) for s in under] + [(s, False) for s in over]:
        name, value = _threshold(spec)
        got = _lookup(summary, name)
        if got is None:
            failed.append(f"{name}: no case to measure it")
        elif (got < value) if too_low else (got > value):
            failed.append(f"{name} = {got} is {'below' if too_low else 'above'} {value}")
    return failed


def _threshold(spec: str) -> tuple[str, float]:
    name, _, value = spec.partition("=")
    name = name.strip()
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METRIC=NUMBER, got {spec!r}") from None
    parts = name.split(".")
    metric_ok = parts[-1] in NUMERIC and (
        len(parts) == 1 or (len(parts) == 2 and parts[0] == "overall")
        or (len(parts) >= 3 and parts[0] in ("by_category", "by_expect")))
    if not metric_ok or not math.isfinite(number):
        raise argparse.ArgumentTypeError(
            f"{spec!r}: not a metric of summary.json with a finite number "
            f"(metrics: {', '.join(sorted(NUMERIC))})")
    return name, number


def _lookup(summary: dict, name: str):
    """The metric at `name` ("decision_accuracy", "by_category.slang.decision_accuracy");
    None when the group has no such case."""
    if "." not in name:
        return summary["overall"][name]
    group, _, metric = name.rpartition(".")
    head, _, key = group.partition(".")
    node = summary.get(head, {}).get(key) if head != "overall" else summary["overall"]
    return node.get(metric) if node else None


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
        engine.retriever.refresh(force=True)
        if not engine.retriever.lexical.chunks:
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
        _threshold(spec)
    for spec in args.fail_under:
        if _threshold(spec)[0].rpartition(".")[2] in LOWER_IS_BETTER:
            raise argparse.ArgumentTypeError(
                f"{spec}: lower is better for this metric; use --fail-over")
    for spec in args.fail_over:
        if _threshold(spec)[0].rpartition(".")[2] not in LOWER_IS_BETTER:
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

    texts: dict[str, str | None] = {}
    engine.answer("What do the documents cover?")  # untimed: loads and warms the caches
    rows = []
    for case in tqdm(cases, desc="evaluating", unit="case", file=sys.stderr, disable=None):
        rows.append(run_case(engine, case, corpus, texts, contexts))
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
    names = ("decision_accuracy", "refusal_recall", "over_refusal_rate", "citation_validity",
             "sentence_support", "must_include_rate", "retrieval_hit_at_5", "latency_p50_ms")
    return "  ".join(f"{n}={o[n]}" for n in names if o[n] is not None)


if __name__ == "__main__":
    sys.exit(main())
