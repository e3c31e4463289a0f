"""Policy check latency: `app.policy.check` on every question of the eval and policy sets,
with their history, with the learned reader reading a precomputed vector (the one question
embedding, which the engine needs anyway, is left out, as it is embedded once per question).

Wall-clock per check, after one warm-up pass; reports p50, p95 and the worst, and asserts
nothing (this is not a test).

    $ python bench/policy_bench.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.policy import check, load_reader  # noqa: E402
from ingest.embed import load_embeddings  # noqa: E402

FILES = ["questions.jsonl", "tuning.jsonl", "policy_tuning.jsonl", "policy_train.jsonl"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run() -> list[tuple[str, str]]:
    cases = [json.loads(line) for name in FILES
             for line in (PROJECT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    reader = load_reader()
    vectors = np.asarray(load_embeddings(reader.model).embed_documents([c["question"] for c in cases]),
                         dtype=np.float32)
    for c, v in zip(cases, vectors):  # warm-up: caches and lazily compiled patterns
        check(c["question"], c.get("history"), vector=v, reader=reader)
    times = []
    for c, v in zip(cases, vectors):
        start = time.perf_counter()
        check(c["question"] + " ", c.get("history"), vector=v, reader=reader)  # a new text: no cache hit
        times.append((time.perf_counter() - start) * 1000)
    return [("questions", str(len(times))), ("p50", f"{percentile(times, 0.5):.2f} ms"),
            ("p95", f"{percentile(times, 0.95):.2f} ms"), ("worst", f"{max(times):.2f} ms")]


if __name__ == "__main__":
    for measure, value in run():
        print(f"{measure}: {value}")
