"""Ingest benchmark on the default corpus: full ingest, then a no-change re-ingest.

Reports numbers; asserts nothing (this is not a test). Each figure is measured
in one run, in a fresh temporary store, so ratios between them are meaningful
even on a noisy machine. `bench/run.py` puts its table in BENCHMARKS.md.

    $ python bench/ingest_bench.py
    | default corpus | 3 files, 44 chunks |
    ...
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.settings import Settings  # noqa: E402
from ingest.embed import load_embeddings  # noqa: E402
from ingest.index import ingest  # noqa: E402

REPEATS = 3


def run() -> list[tuple[str, str]]:
    corpus = PROJECT / "corpus"
    started = time.perf_counter()
    model = Settings().embedding_model
    load_embeddings(model)
    load_s = time.perf_counter() - started
    full, again = [], []
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(corpus_dir=corpus, data_dir=Path(tmp))
            full.append(ingest(settings))
            again.append(ingest(settings))
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"DATA_DIR": tmp, "CORPUS_DIR": str(corpus)}
        subprocess.run([sys.executable, "-m", "ingest"], cwd=PROJECT, env=env, check=True,
                       capture_output=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ingest"], cwd=PROJECT, env=env, check=True,
                       capture_output=True)
        cli_s = time.perf_counter() - started
    full_s = statistics.median(r.seconds for r in full)
    chunks = full[0].chunks_added
    return [
        ("default corpus", f"{full[0].files_seen} files, {chunks} chunks"),
        ("model load (once per process)", f"{load_s:.2f} s"),
        (f"full ingest, model loaded (median of {REPEATS})", f"{full_s:.2f} s"),
        ("full ingest throughput", f"{chunks / full_s:.0f} chunks/s"),
        (f"no-change re-ingest (median of {REPEATS})",
         f"{statistics.median(r.seconds for r in again) * 1000:.0f} ms"),
        ("no-change re-ingest: chunks embedded", str(max(r.chunks_embedded for r in again))),
        ("no-change `python -m ingest`, whole process", f"{cli_s:.2f} s"),
    ]


if __name__ == "__main__":
    for key, value in run():
        print(f"| {key} | {value} |")
