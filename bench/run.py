"""Run every benchmark and write BENCHMARKS.md: `make bench`.

Each benchmark module's `run()` returns (measure, value) rows; this script adds
the command and the machine, prints the tables and writes them to BENCHMARKS.md.
Names of sections' modules as arguments rerun only those and keep the other sections
of the file as they are (`python bench/run.py chunk_bench`): the whole run takes
most of an hour.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench import answer_bench, chunk_bench, ingest_bench, load_bench, policy_bench, scale_bench  # noqa: E402

SECTIONS = [("Ingest", ingest_bench), ("Chunking time against file size", chunk_bench),
            ("Answers", answer_bench), ("Policy check", policy_bench), ("Chat UI under load", load_bench),
            ("Scale: a synthetic corpus of 50,000 chunks", scale_bench)]


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"Python {platform.python_version()}")


def main(only: list[str]) -> None:
    unknown = set(only) - {m.__name__.rpartition(".")[2] for _, m in SECTIONS}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
    path = PROJECT / "BENCHMARKS.md"
    kept = _sections(path.read_text(encoding="utf-8")) if only and path.exists() else {}
    parts = ["# Benchmarks", "Command: `make bench` (`python bench/run.py`)", f"Machine: {machine()}"]
    for title, module in SECTIONS:
        if only and module.__name__.rpartition(".")[2] not in only:
            if title in kept:
                parts.append(kept[title])
            continue
        rows = module.run()
        table = "\n".join(["| measure | value |", "|---|---|",
                           *(f"| {k} | {v} |" for k, v in rows)])
        parts.append(f"## {title}\n\n{table}")
        print(f"## {title}\n{table}\n", flush=True)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    """{title: "## title ... table"} of a BENCHMARKS.md."""
    found = {}
    for block in text.split("\n## ")[1:]:
        title = block.split("\n", 1)[0].strip()
        found[title] = "## " + block.strip()
    return found


if __name__ == "__main__":
    main(sys.argv[1:])
