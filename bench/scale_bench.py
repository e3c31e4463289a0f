"""Scale: a synthetic corpus of at least 50,000 chunks (`bench/synthetic.py`).

Measured in one run, in a fresh temporary store: the full ingest and its
throughput, the store's size on disk, the BM25 index's build time and memory
(tracemalloc peak), warm answer latency p50/p95 beside the floor (embedding the
question plus one Chroma query) on the eval and tuning questions, and a 5-line
edit of one file re-ingested, in-process with the model loaded and as a whole
`python -m ingest` process. Chunks are cut at `CHUNK_SIZE` 300 so the run
embeds 50,000 chunks in minutes on two cores. Reports numbers and asserts
nothing (this is not a test).

    $ python bench/scale_bench.py [CHUNKS]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.engine import Engine  # noqa: E402
from app.engine.retrieve import REFRESH_SECONDS, LexicalIndex  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench.answer_bench import latencies, percentile  # noqa: E402
from bench.synthetic import edit_lines, make_corpus  # noqa: E402
from ingest.embed import load_embeddings  # noqa: E402
from ingest.index import ingest  # noqa: E402
from ingest.store import open_store  # noqa: E402

CHUNKS = 50_000
CHUNK_SIZE, CHUNK_OVERLAP = 300, 50


def disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def lexical_build(engine: Engine) -> tuple[float, float, float]:
    """(seconds to read every chunk, seconds to build BM25, peak MiB while building); the
    memory from a second build, since tracing slows Python down several times."""
    started = time.perf_counter()
    chunks = open_store(engine.settings).chunks()
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    LexicalIndex(chunks)
    build_s = time.perf_counter() - started
    tracemalloc.start()
    LexicalIndex(chunks)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return read_s, build_s, peak


def run(chunks_wanted: int = CHUNKS) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        corpus, data = Path(tmp) / "corpus", Path(tmp) / "data"
        started = time.perf_counter()
        files, chunks = make_corpus(corpus, chunks=chunks_wanted, chunk_size=CHUNK_SIZE,
                                    chunk_overlap=CHUNK_OVERLAP)
        made_s = time.perf_counter() - started
        settings = Settings(corpus_dir=corpus, data_dir=data, chunk_size=CHUNK_SIZE,
                            chunk_overlap=CHUNK_OVERLAP)
        load_embeddings(settings.embedding_model)
        full = ingest(settings)
        size = disk_mib(settings.chroma_path)
        engine = Engine(settings)
        read_s, build_s, peak = lexical_build(engine)
        warm, floor = latencies(engine, settings.top_k)
        edited = corpus / f"report-{files // 2:05d}.md"  # any file; one in the middle
        edit_lines(edited)
        edit = ingest(settings)
        time.sleep(REFRESH_SECONDS)  # how often the app looks for a re-ingest
        started = time.perf_counter()
        picked_up = engine.refresh()
        pickup_s = time.perf_counter() - started
        edit_lines(edited, seed=2)
        env = os.environ | {"DATA_DIR": str(data), "CORPUS_DIR": str(corpus),
                            "CHUNK_SIZE": str(CHUNK_SIZE), "CHUNK_OVERLAP": str(CHUNK_OVERLAP)}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ingest"], cwd=PROJECT, env=env, check=True,
                       capture_output=True)
        cli_s = time.perf_counter() - started
    p50, p95 = percentile(warm, 0.5), percentile(warm, 0.95)
    f50, f95 = percentile(floor, 0.5), percentile(floor, 0.95)
    return [
        ("synthetic corpus", f"{files} files, {full.chunks_added:,} chunks "
                             f"(CHUNK_SIZE {CHUNK_SIZE}), written in {made_s:.1f} s"),
        ("full ingest, model loaded", f"{full.seconds:.0f} s "
                                      f"({full.chunks_added / full.seconds:.0f} chunks/s)"),
        ("store size on disk", f"{size:.0f} MiB"),
        ("BM25 index: read every chunk from the store, then build",
         f"{read_s:.2f} s + {build_s:.2f} s"),
        ("BM25 index: peak memory while building (tracemalloc)", f"{peak:.0f} MiB"),
        (f"warm answer latency p50 / p95 ({len(warm)} questions)",
         f"{p50:.1f} ms / {p95:.1f} ms"),
        ("floor: embed question + one Chroma query, p50 / p95", f"{f50:.1f} ms / {f95:.1f} ms"),
        ("warm p50 ÷ floor p50", f"{p50 / f50:.1f}× (target: within 3×)"),
        ("5-line edit of one file, re-ingest with the model loaded",
         f"{edit.seconds:.2f} s, {edit.chunks_embedded} chunks and {edit.sentences_embedded} "
         "sentences embedded (target: under 5 s)"),
        ("5-line edit, whole `python -m ingest` process (model load included)",
         f"{cli_s:.2f} s"),
        ("the app's lexical index after that edit (re-reads one file's chunks)",
         f"{pickup_s:.2f} s" if picked_up else "not picked up (a bug)"),
        ("peak RSS of this process (ingest, then the engine)",
         f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"),
    ]


if __name__ == "__main__":
    for key, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else CHUNKS):
        print(f"| {key} | {value} |", flush=True)
