"""Chunking time against file size: heading-dense Markdown, plain prose, a 50 MB file.

Each case runs `chunk_document` (default settings) on a generated document
(`bench/chunk_docs.py`; plain prose has no heading-like lines, the repeated
default corpus has many) in its own process, killed after `--timeout` seconds,
so code that does not scale reports "timed out" instead of hanging the run.
The 50 MB case writes a heading-dense `.md` file into a temporary folder and
loads it as the ingest would; its time is the chunking alone. Reports numbers
and asserts nothing (this is not a test); `bench/run.py` puts its table in
BENCHMARKS.md.

    $ python bench/chunk_bench.py [--timeout SECONDS]
    | heading-dense Markdown, 50 KB | 0.05 s, 262 chunks |
    ...
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

KB, MB = 1_000, 1_000_000
CASES = [("markdown", 50 * KB), ("markdown", 100 * KB), ("markdown", 200 * KB),
         ("markdown", 1 * MB), ("prose", 1 * MB), ("prose", 2 * MB), ("prose", 4 * MB),
         ("corpus", 1 * MB), ("file", 50 * MB)]
NAMES = {"markdown": "heading-dense Markdown", "prose": "plain prose",
         "corpus": "plain text with detected headings (the default corpus, repeated)",
         "file": "heading-dense `.md` file"}
TIMEOUT = 600  # seconds per case


def measure(kind: str, size: int) -> dict:
    """Chunk one generated document in this process: seconds, chunks, headings."""
    from bench.chunk_docs import heading_dense_markdown, prose
    from ingest.chunk import chunk_document
    from ingest.load import Document, load_document, read_text

    if kind == "file":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dense.md"
            path.write_text(heading_dense_markdown(size), encoding="utf-8")
            doc = load_document(path, root=Path(tmp))
    elif kind == "markdown":
        doc = load_document(Path("dense.md"), root=Path(""),
                            data=heading_dense_markdown(size).encode())
    elif kind == "corpus":
        corpus = "\n\n".join(read_text(p) for p in sorted((PROJECT / "corpus").iterdir()))
        doc = Document("corpus.txt", (corpus * (size // len(corpus) + 1))[:size], None, "text")
    else:
        doc = Document("prose.txt", prose(size), None, "text")
    started = time.perf_counter()
    chunks = chunk_document(doc)
    return {"seconds": time.perf_counter() - started, "chunks": len(chunks),
            "headings": len(doc.headings)}  # format headings only: plain text's are detected


def _size(size: int) -> str:
    return f"{size // MB} MB" if size >= MB else f"{size // KB} KB"


def run(timeout: float = TIMEOUT) -> list[tuple[str, str]]:
    rows = []
    for kind, size in CASES:
        name = f"{NAMES[kind]}, {_size(size)}"
        try:
            done = subprocess.run([sys.executable, __file__, "--case", kind, str(size)],
                                  cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
                                  check=True)
        except subprocess.TimeoutExpired:
            rows.append((name, f"timed out after {timeout:.0f} s"))
            continue
        result = json.loads(done.stdout)
        headings = f", {result['headings']} headings" if result["headings"] else ""
        rows.append((name, f"{result['seconds']:.2f} s ({result['chunks']} chunks{headings})"))
        print(f"| {rows[-1][0]} | {rows[-1][1]} |", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per case")
    parser.add_argument("--case", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case[0], int(args.case[1]))))
        return
    print("| measure | value |\n|---|---|")
    for name, value in run(args.timeout):
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
