"""Chunking output is pinned, and its time grows about linearly with the text.

`tests/data/chunk_fixture.json` holds generated documents (`bench/chunk_docs.py`)
with the residue, chunks and sentences the code made of them when the fixture
was written (`tests/ingest/make_chunk_fixture.py`); any change to that output fails
here. The scaling tests compare times at sizes N and 4N: linear growth gives a
ratio near 4, quadratic 16, cubic 64; the bound of 8 leaves room for a noisy,
shared machine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bench.chunk_docs import heading_dense_markdown, prose
from ingest.chunk import chunk_document
from ingest.clean import find_residue
from ingest.load import Document, load_document
from ingest.sentences import split_sentences
from tests.ingest.make_chunk_fixture import FIXTURE, SETTINGS, doc_from_json, outputs

CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))
MAX_RATIO = 8  # time(4N) / time(N)


@pytest.mark.parametrize("case", CASES, ids=[c["doc"]["source"] for c in CASES])
def test_output_matches_the_fixture(case):
    doc = doc_from_json(case["doc"])
    got = outputs(doc)
    assert got == case["expected"]
    for size, overlap in SETTINGS:  # the fixture leaves chunk texts out: they are slices
        for chunk in chunk_document(doc, chunk_size=size, chunk_overlap=overlap):
            assert doc.text[chunk.start:chunk.end] == chunk.text


def test_fixture_covers_dense_headings_residue_pages_and_crlf():
    docs = [doc_from_json(c["doc"]) for c in CASES]
    assert max(len(d.headings) for d in docs) >= 30
    assert {d.kind for d in docs} == {"markdown", "html", "text", "pdf"}
    assert any("\r\n" in d.text for d in docs)
    assert sum(len(c["expected"]["residue"]) for c in CASES) >= 50


def best_time(fn, repeats: int = 3) -> float:
    """The least CPU time of `repeats` runs: the least disturbed by other work on the machine."""
    times = []
    for _ in range(repeats):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def ratio(make, run, size: int) -> float:
    small, large = make(size), make(4 * size)
    run(small)  # warm up imports and caches
    return best_time(lambda: run(large)) / best_time(lambda: run(small))


def markdown(size: int) -> Document:
    return load_document(Path("dense.md"), root=Path(""), data=heading_dense_markdown(size).encode())


def test_chunking_heading_dense_markdown_scales_near_linearly():
    # before: 100 KB 3 s, 200 KB 25 s (cubic)
    assert ratio(markdown, chunk_document, 100_000) < MAX_RATIO


def notes(size: int) -> Document:
    """Plain text with a short capitalised line, a heading `outline` detects, per paragraph."""
    body = "".join(f"Mechanisms of Action\n\n{p}\n\n" for p in prose(size, seed=1).split("\n\n"))
    return Document("notes.txt", body, None, "text")


def test_chunking_plain_text_with_detected_headings_scales_near_linearly():
    assert ratio(notes, chunk_document, 50_000) < MAX_RATIO


def test_finding_residue_with_many_contents_lists_scales_near_linearly():
    def text(repeats: int) -> str:
        return "\n".join(["Contents", "- Risks", "- Effects"] * repeats)

    # before: cubic (1,000 lists took 17 s)
    assert ratio(text, find_residue, 500) < MAX_RATIO


def test_splitting_a_long_line_into_sentences_scales_near_linearly():
    def line(size: int) -> str:
        return prose(size, seed=2).replace("\n\n", " ")

    # before: quadratic, each sentence end copied the line up to it
    assert ratio(line, split_sentences, 400_000) < MAX_RATIO
