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
    wrote eval/out/results.jsonl, summary.json, report.html (212 cases)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from app.answer import Answer, Engine, marked_sentences
from app.cases import Case, CaseError, read_cases
from app.report import write_ragas, write_report
from app.sentences import supports
from ingest.embed import EmbeddingModelError
from ingest.load import read_text
from ingest.settings import Settings, get_settings
from ingest.store import StoreError

HIT_K = 5
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
    row["checks"] = checks(case, result, corpus, texts)
    row["rank"] = _first_rank(case, row["retrieved"])
    return row


def checks(case: Case, result: Answer | None, corpus: Path,
           texts: dict[str, str | None]) -> dict[str, bool | None]:
    """Each check: True, False, or None when it does not apply to this case."""
    decision = result.decision.value if result else "error"
    text = result.text.casefold() if result else ""
    cites = result.citations if result else []
    answered = decision == "answer"
    pieces, unmarked = marked_sentences(result.text) if answered else ([], "")
    quotes = {c.n: c.quote for c in cites}
    retrieved = [p.chunk.source for p in result.passages[:HIT_K]] if result else []
    return {
        "decision": decision in case.right_decisions() if case.right_decisions() else None,
        "must_include": all(any(alt.casefold() in text for alt in group)
                            for group in case.must_include) if case.must_include else None,
        "citations_valid": all(_source_text(corpus, c.source, texts) is not None and
                               _source_text(corpus, c.source, texts)[c.start:c.end] == c.quote
                               for c in cites) if cites else None,
        "sentences_supported": (bool(pieces) and not unmarked and all(
            any(n in quotes and supports(quotes[n], s) for n in ns) for s, ns in pieces))
        if answered else None,
        "retrieval_hit": any(s in case.sources for s in retrieved) if case.sources else None,
        "source_cited": any(c.source in case.sources for c in cites)
        if case.sources and answered else None,
    }


def _source_text(corpus: Path, source: str, texts: dict[str, str | None]) -> str | None:
    if source not in texts:
        try:
            texts[source] = read_text(corpus / source)
        except (OSError, ValueError):
            texts[source] = None
    return texts[source]


def _first_rank(case: Case, retrieved: list[dict]) -> int | None:
    """1-based rank of the first retrieved passage from `sources`, 0 if none, None if no sources."""
    if not case.sources:
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
    name, sep, value = spec.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected METRIC=NUMBER, got {spec!r}") from None


def _lookup(summary: dict, name: str):
    node = summary if "." in name else summary["overall"]
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(name)
        node = node[part]
    return node


def main(argv: list[str] | None = None, *, settings: Settings | None = None,
         engine: Engine | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings or get_settings()
    try:
        cases, errors = read_cases(args.cases)
        for spec in args.fail_under + args.fail_over:
            _threshold(spec)
        wrong_way = [s for s in args.fail_under if _threshold(s)[0] in LOWER_IS_BETTER]
        if wrong_way:
            raise argparse.ArgumentTypeError(
                f"{wrong_way[0]}: lower is better for this metric; use --fail-over")
    except (CaseError, argparse.ArgumentTypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    try:
        engine = engine or Engine(settings)
    except (StoreError, EmbeddingModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    contexts: dict[tuple[str, int, int], str] = {}
    rows = _run_all(engine, cases, settings.corpus_dir, contexts)
    summary = summarize(rows, errors)
    try:
        _write(args, summary, rows, cases, contexts)
    except OSError as exc:
        print(f"error: cannot write the results: {exc}", file=sys.stderr)
        return 2
    try:
        failed = gate(summary, args.fail_under, args.fail_over)
    except KeyError as exc:
        print(f"error: no metric {exc} in summary.json", file=sys.stderr)
        return 2
    print(_headline(summary))
    for message in failed:
        print(f"FAILED: {message}", file=sys.stderr)
    return 1 if failed else (2 if errors else 0)


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


def _run_all(engine: Engine, cases: list[Case], corpus: Path, contexts: dict) -> list[dict]:
    from tqdm import tqdm

    texts: dict[str, str | None] = {}
    return [run_case(engine, case, corpus, texts, contexts)
            for case in tqdm(cases, desc="evaluating", unit="case", file=sys.stderr,
                             disable=None)]


def _write(args, summary: dict, rows: list[dict], cases: list[Case], contexts: dict) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "results.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                                           encoding="utf-8")
    write_report(args.out / "report.html", summary, rows)
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
