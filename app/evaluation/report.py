"""What an evaluation run writes besides its JSON: `report.html` and the RAGAS export.

The report is one self-contained page: the summary as tables, a bar chart of
decision accuracy per category (inline SVG), then every case, failing ones first,
with its question, answer and quotes. All case text is escaped and the page loads
nothing (its Content-Security-Policy forbids it), so a hostile question shows as
text. The RAGAS export holds `user_input`, `retrieved_contexts`, `response` and
`reference`, one row per case, for `ragas.EvaluationDataset.from_jsonl`.

This module computes no metric.

    >>> _bar_chart({"slang": {"decision_accuracy": 0.5, "cases": 2}}).startswith("<svg")
    True
"""

from __future__ import annotations

import csv
import json
from html import escape
from pathlib import Path

from app.evaluation.cases import Case

SHOWN = (("decision_accuracy", "decision accuracy"), ("answer_accuracy", "with the key fact"),
         ("refusal_recall", "refusal recall"),
         ("over_refusal_rate", "over-refusal"), ("decline_recall", "decline recall"),
         ("false_decline_rate", "false declines"),
         ("unanswerable_answered_rate", "unanswerable answered"),
         ("must_include_rate", "must_include"), ("first_sentence_rate", "key fact first"),
         ("citation_validity", "citation validity"),
         ("sentence_support", "sentence support"), ("retrieval_hit_at_5", "hit@5"),
         ("mrr", "MRR"), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"))
STYLE = """body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;
color:#1d2430}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d5dae1;
padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f1f4f8}.case{border:1px solid #d5dae1;border-radius:6px;margin:1em 0;
padding:.6em 1em}.fail{border-left:5px solid #c0392b}.pass{border-left:5px solid #2e8b57}
.answer{white-space:pre-wrap}blockquote{margin:.3em 0 .3em 1em;color:#44506a;
border-left:3px solid #d5dae1;padding-left:.6em}.bad{color:#c0392b;font-weight:600}
.meta{color:#5a6679;font-size:13px}.wide{overflow-x:auto}.wide table{font-size:13px}"""


def write_report(path: Path, summary: dict, rows: list[dict]) -> None:
    """Write `report.html` for `summary` and the result `rows`."""
    failing = [r for r in rows if failed(r)]
    passing = [r for r in rows if not failed(r)]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>Evaluation report</title><style>{STYLE}</style></head><body>",
        f"<h1>Evaluation report</h1><p>{len(rows)} cases, {len(failing)} with a failed check."
        f"{_malformed(summary)}</p>",
        "<h2>Overall</h2>", _table({"all cases": summary["overall"]}),
        "<h2>By expected decision</h2>", _table(summary["by_expect"]),
        "<h2>Confusion (expected → decided)</h2>", _confusion(summary["overall"]["confusion"]),
        "<h2>By category</h2>", _bar_chart(summary["by_category"]),
        _table(summary["by_category"]),
        f"<h2>Failing cases ({len(failing)})</h2>", *map(_case, failing),
        f"<h2>Passing cases ({len(passing)})</h2>", *map(_case, passing),
        "</body></html>"]
    path.write_text("\n".join(parts), encoding="utf-8")


def failed(row: dict) -> bool:
    return any(v is False for v in row["checks"].values())


def fmt(value, key: str = "") -> str:
    if value is None:
        return "–"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1 else escape(str(value))


def _table(groups: dict[str, dict]) -> str:
    head = "".join(f"<th>{label}</th>" for _, label in SHOWN)
    body = "".join(
        f"<tr><td>{escape(name)}</td><td>{m['cases']}</td>"
        + "".join(f"<td>{fmt(m[key], key)}</td>" for key, _ in SHOWN) + "</tr>"
        for name, m in groups.items())
    return f"<div class='wide'><table><tr><th></th><th>cases</th>{head}</tr>{body}</table></div>"


def _confusion(confusion: dict[str, dict[str, int]]) -> str:
    decided = sorted({d for row in confusion.values() for d in row})
    head = "".join(f"<th>{escape(d)}</th>" for d in decided)
    body = "".join(f"<tr><td>{escape(e)}</td>"
                   + "".join(f"<td>{row.get(d, 0)}</td>" for d in decided) + "</tr>"
                   for e, row in confusion.items())
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


def _bar_chart(by_category: dict[str, dict]) -> str:
    """Decision accuracy per category as horizontal bars."""
    bars = [(name, m["decision_accuracy"]) for name, m in by_category.items()
            if m["decision_accuracy"] is not None]
    height = 24 * len(bars) + 10
    out = [f"<svg width='720' height='{height}' role='img' "
           "aria-label='decision accuracy per category'>"]
    for i, (name, value) in enumerate(bars):
        y = 5 + 24 * i
        color = "#2e8b57" if value >= 0.95 else "#e0a030" if value >= 0.8 else "#c0392b"
        out.append(f"<text x='190' y='{y + 15}' text-anchor='end' font-size='13'>"
                   f"{escape(name)}</text><rect x='200' y='{y}' width='{400 * value:.1f}' "
                   f"height='18' fill='{color}'/><text x='{205 + 400 * value:.1f}' y='{y + 15}' "
                   f"font-size='13'>{value:.2f}</text>")
    out.append("</svg>")
    return "".join(out)


def _case(row: dict) -> str:
    failed = [k for k, v in row["checks"].items() if v is False]
    checks = " ".join(f"<span class='bad'>{k} ✗</span>" if k in failed else f"{k} ✓"
                      for k, v in row["checks"].items() if v is not None)
    quotes = "".join(f"<blockquote>[{c['n']}] {escape(c['quote'])}<div class='meta'>"
                     f"{escape(c['title'])} › {escape(c['section'])} — {escape(c['source'])}"
                     f" {c['start']}–{c['end']}</div></blockquote>" for c in row["citations"])
    return (f"<div class='case {'fail' if failed else 'pass'}'><div class='meta'>"
            f"{escape(row['id'])} · {escape(row['category'])} · expected "
            f"{escape(str(row['expect']))}, got {escape(row['decision'])} "
            f"({escape(str(row['reason']))}) · {row['latency_ms']} ms</div>"
            f"<p><b>Q:</b> {escape(row['question'])}</p>"
            f"<div class='answer'>{escape(row['answer'])}</div>{quotes}"
            f"<div class='meta'>{checks}</div></div>")


def _malformed(summary: dict) -> str:
    lines = summary.get("malformed_lines") or []
    return (f" <span class='bad'>{len(lines)} malformed line(s) skipped: "
            f"{escape('; '.join(lines))}</span>") if lines else ""


def ragas_rows(cases: list[Case], rows: list[dict],
               texts: dict[tuple[str, int, int], str]) -> list[dict]:
    """RAGAS single-turn samples: question, retrieved passage texts, answer, reference."""
    reference = {c.id: c.reference or "" for c in cases}
    return [{"user_input": r["question"],
             "retrieved_contexts": [texts.get((p["source"], p["start"], p["end"]), "")
                                    for p in r["retrieved"]],
             "response": r["answer"], "reference": reference.get(r["id"], "")} for r in rows]


def write_ragas(path: Path, cases: list[Case], rows: list[dict],
                texts: dict[tuple[str, int, int], str]) -> None:
    """JSONL (or CSV, when `path` ends in .csv, with contexts as a JSON list)."""
    samples = ragas_rows(cases, rows, texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(samples[0]) if samples else
                                    ["user_input", "retrieved_contexts", "response", "reference"])
            writer.writeheader()
            for s in samples:
                writer.writerow(s | {"retrieved_contexts": json.dumps(s["retrieved_contexts"],
                                                                      ensure_ascii=False)})
        return
    with open(path, "w", encoding="utf-8") as f:
        for s in samples:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
