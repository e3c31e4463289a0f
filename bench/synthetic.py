"""A synthetic corpus of any size, made from the default corpus's own sentences.

Each file is a Markdown report: a title, sections under headings drawn from a
fixed pool, and paragraphs of two corpus sentences in which about a third of
the words are swapped for random words of the corpus vocabulary. So the text
reads like the corpus (same sentence shapes, same words) without repeating it,
and retrieval has real work to do. Files are written until chunking them with
the given settings yields at least `chunks` chunks; nothing is embedded here.

    >>> make_corpus(Path("/tmp/big"), chunks=50_000, chunk_size=300, chunk_overlap=50)  # doctest: +SKIP
    (463, 50021)
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from ingest.chunk import chunk_document
from ingest.load import load_document, read_text

PROJECT = Path(__file__).resolve().parent.parent
SWAP = 0.3  # share of words replaced in each sentence
HEADINGS = 200  # distinct section headings across the corpus
PARAGRAPHS = 12  # per section
SECTIONS = 9  # per file


def _material() -> tuple[list[str], list[str]]:
    """(sentences, vocabulary) of the default corpus."""
    text = " ".join(read_text(p) for p in sorted((PROJECT / "corpus").iterdir()))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
                 if 40 <= len(s.strip()) <= 220]
    vocabulary = sorted({w for w in re.findall(r"[A-Za-z][a-z]{3,}", text)})
    return sentences, vocabulary


def _sentence(rng: random.Random, sentences: list[str], vocabulary: list[str]) -> str:
    words = rng.choice(sentences).split()
    return " ".join(rng.choice(vocabulary) if rng.random() < SWAP and w.isalpha() else w
                    for w in words)


def make_corpus(target: Path, *, chunks: int, chunk_size: int, chunk_overlap: int,
                seed: int = 0) -> tuple[int, int]:
    """Write files into `target` until they hold `chunks` chunks; (files, chunks)."""
    rng = random.Random(seed)
    sentences, vocabulary = _material()
    headings = [f"{rng.choice(vocabulary).title()} and {rng.choice(vocabulary)}"
                for _ in range(HEADINGS)]
    target.mkdir(parents=True, exist_ok=True)
    files = total = 0
    while total < chunks:
        lines = [f"# Report {files}: {rng.choice(vocabulary).title()} {rng.choice(vocabulary)}", ""]
        for _ in range(SECTIONS):
            lines += [f"## {rng.choice(headings)}", ""]
            for _ in range(PARAGRAPHS):
                lines += [" ".join(_sentence(rng, sentences, vocabulary) for _ in range(2)), ""]
        path = target / f"report-{files:05d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        doc = load_document(path, root=target)
        total += len(chunk_document(doc, chunk_size=chunk_size, chunk_overlap=chunk_overlap))
        files += 1
    return files, total


def edit_lines(path: Path, n: int = 5, *, seed: int = 1) -> None:
    """Replace `n` paragraph lines of `path` with new synthetic ones (a small edit)."""
    rng = random.Random(seed)
    sentences, vocabulary = _material()
    lines = path.read_text(encoding="utf-8").split("\n")
    paragraphs = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    for i in rng.sample(paragraphs, n):
        lines[i] = " ".join(_sentence(rng, sentences, vocabulary) for _ in range(2))
    path.write_text("\n".join(lines), encoding="utf-8")
