"""Answer latency on the default corpus and on another one, beside the floor no design can beat.

Warm latency: one engine, warmed with a few questions, then every question of
eval/tuning.jsonl and eval/questions.jsonl (with their conversation history),
timed end to end. The floor, measured in the same run on the same questions:
embedding the question plus one Chroma query. Cold start: a new process,
`python -m app.ask`, from start to its printed answer. The same warm figures on the two
held-out SQuAD articles (`eval/squad/heldout`), a corpus the question prior was not fitted
for, where the reader and its cross-reader decide (the path users' own documents take).
Reports numbers and
asserts nothing (this is not a test).

    $ python bench/answer_bench.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.engine import Engine, Retriever  # noqa: E402
from app.settings import Settings  # noqa: E402
from ingest.index import ingest  # noqa: E402
from ingest.store import open_store  # noqa: E402

WARMUP = 5
COLD_RUNS = 3
SQUAD = PROJECT / "eval" / "squad" / "heldout"
QUESTION = "What are the symptoms of serotonin syndrome?"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cases() -> list[dict]:
    out = []
    for name in ("tuning.jsonl", "questions.jsonl"):
        text = (PROJECT / "eval" / name).read_text(encoding="utf-8")
        out += [json.loads(line) for line in text.splitlines() if line.strip()]
    return out


def squad_cases() -> list[dict]:
    text = (SQUAD / "cases.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def latencies(engine: Engine, top_k: int, questions: list[dict]) -> tuple[list[float], list[float]]:
    """(warm answer ms, floor ms) per question, after `WARMUP` questions."""
    retriever = Retriever(open_store(engine.settings), engine.embeddings)  # the floor's own
    for case in questions[:WARMUP]:
        engine.answer(case["question"], case.get("history"))
    warm, floor = [], []
    for case in questions:
        started = time.perf_counter()
        engine.answer(case["question"], case.get("history"))
        warm.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        retriever.dense(retriever.embed(case["question"]), top_k)
        floor.append((time.perf_counter() - started) * 1000)
    return warm, floor


def run() -> list[tuple[str, str]]:
    corpus = PROJECT / "corpus"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=corpus, data_dir=Path(tmp))
        ingest(settings)
        warm, floor = latencies(Engine(settings), settings.top_k, cases())
        env = os.environ | {"DATA_DIR": tmp, "CORPUS_DIR": str(corpus)}
        cold = []
        for _ in range(COLD_RUNS):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "app.ask", QUESTION], cwd=PROJECT, env=env,
                           check=True, capture_output=True)
            cold.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:  # a corpus of one's own: the reader decides
        settings = Settings(corpus_dir=SQUAD / "corpus", data_dir=Path(tmp))
        ingest(settings)
        own, own_floor = latencies(Engine(settings), settings.top_k, squad_cases())
    p50, p95 = percentile(warm, 0.5), percentile(warm, 0.95)
    f50, f95 = percentile(floor, 0.5), percentile(floor, 0.95)
    o50, o95 = percentile(own, 0.5), percentile(own, 0.95)
    g50, g95 = percentile(own_floor, 0.5), percentile(own_floor, 0.95)
    return [
        ("questions timed (warm)", str(len(warm))),
        ("warm answer latency p50 / p95", f"{p50:.1f} ms / {p95:.1f} ms"),
        ("floor: embed question + one Chroma query, p50 / p95", f"{f50:.1f} ms / {f95:.1f} ms"),
        ("warm p50 ÷ floor p50", f"{p50 / f50:.1f}×"),
        (f"another corpus (the two held-out SQuAD articles, the reader and cross-reader decide): "
         f"{len(own)} questions, warm p50 / p95", f"{o50:.1f} ms / {o95:.1f} ms"),
        ("another corpus: floor p50 / p95", f"{g50:.1f} ms / {g95:.1f} ms"),
        ("another corpus: warm p50 ÷ floor p50", f"{o50 / g50:.1f}×"),
        (f"cold start: `python -m app.ask` to its answer (median of {COLD_RUNS})",
         f"{statistics.median(cold):.2f} s"),
    ]


if __name__ == "__main__":
    for key, value in run():
        print(f"| {key} | {value} |")
