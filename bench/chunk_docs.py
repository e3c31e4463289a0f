"""Generated documents for the chunking tests and benchmark, reproducible from a seed.

- `heading_dense_markdown(size)`: Markdown with a heading every few lines, at
  levels 1-4, many of them with nothing under them (the shape that made
  chunking time grow with the cube of the heading count);
- `prose(size)`: plain text paragraphs with no headings at all;
- `varied_documents()`: small documents of every kind the chunker sees
  (Markdown, HTML, plain text with heading-like lines, PDF-like pages, repeated
  text, CRLF line breaks, navigation and table-of-contents residue, odd
  whitespace), loaded through `ingest.load` like real files.

Words come from a fixed list, so nothing here reads the corpus folder.

    >>> len(heading_dense_markdown(5_000)) >= 5_000
    True
    >>> heading_dense_markdown(5_000) == heading_dense_markdown(5_000)
    True
"""

from __future__ import annotations

import random
from pathlib import Path

from ingest.load import Document, Page, load_document

WORDS = ("serotonin dopamine release receptor neurons brain therapy trial patients dose "
         "effects memory fear anxiety trauma session study results placebo safety risk "
         "heart rate temperature plasticity network cortex amygdala empathy trust "
         "oxytocin sleep mood depression recovery").split()
HEADING_WORDS = ("Mechanisms Effects Risks Safety Dosage History Research Results Methods "
                 "Overview Background Therapy Trials Neuroscience Memory Trauma").split()


def _sentence(rng: random.Random, words: int | None = None) -> str:
    n = words or rng.randint(5, 18)
    body = " ".join(rng.choice(WORDS) for _ in range(n))
    return body[:1].upper() + body[1:] + rng.choice([".", ".", ".", "!", "?", "..."])


def _paragraph(rng: random.Random, sentences: int | None = None) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences or rng.randint(1, 6)))


def _heading(rng: random.Random) -> str:
    return " ".join(rng.choice(HEADING_WORDS) for _ in range(rng.randint(1, 4)))


def heading_dense_markdown(size: int, seed: int = 0) -> str:
    """At least `size` characters of Markdown: a heading, mostly level 1 or 2, every 1-3 lines.

    About one heading per 60 characters; a quarter have nothing under them.
    """
    rng = random.Random(seed)
    lines = ["# Report on dense headings", ""]
    total = 0
    while total < size:
        block = [f"{'#' * rng.choice([1, 2, 2, 3, 4])} {_heading(rng)}", ""]
        kind = rng.random()
        if kind < 0.25:
            pass  # a heading with nothing under it
        elif kind < 0.35:
            block += [f"- {_sentence(rng, 4)}", f"- {_sentence(rng, 4)}", ""]
        else:
            block += [_sentence(rng, rng.randint(3, 8)) if kind < 0.9 else _paragraph(rng, 3), ""]
        lines += block
        total += sum(len(b) + 1 for b in block)
    return "\n".join(lines)


def prose(size: int, seed: int = 0) -> str:
    """At least `size` characters of plain paragraphs, no heading-like lines."""
    rng = random.Random(seed)
    parts, total = [], 0
    while total < size:
        parts.append(_paragraph(rng, rng.randint(3, 8)))
        total += len(parts[-1]) + 2
    return "\n\n".join(parts)


def _messy_markdown(rng: random.Random) -> str:
    lines = ["---", "title: Front matter title", "---", ""]
    for _ in range(rng.randint(8, 14)):
        lines += [f"{'#' * rng.randint(1, 3)} {_heading(rng)}", ""]
        choice = rng.randrange(7)
        if choice == 0:
            lines += ["```python", "# not a heading", "x = 1", "```", ""]
        elif choice == 1:
            lines += ["| Myth | Fact |", "|---|---|",
                      f"| {_sentence(rng)} | {_sentence(rng)} |", ""]
        elif choice == 2:
            lines += [f"{_heading(rng)}:", f"  1. {_sentence(rng)}", f"  2. {_sentence(rng)}", ""]
        elif choice == 3:
            lines += ["Previous", _heading(rng), "Next", ""]
        elif choice == 4:
            lines += [_paragraph(rng, 12), ""]
        elif choice == 5:
            pass
        lines += [_paragraph(rng), "", f"{_sentence(rng)[:-1]} and the", ""]
    return "\n".join(lines)


def _html(rng: random.Random) -> str:
    body = ["<html><head><title>An HTML page</title></head><body>",
            "<nav><a href='/'>Home</a></nav>"]
    for _ in range(rng.randint(6, 12)):
        level = rng.randint(1, 4)
        body.append(f"<h{level}>{_heading(rng)}</h{level}>")
        for _ in range(rng.randint(0, 3)):
            body.append(f"<p>{_paragraph(rng)}</p>" if rng.random() < 0.7 else
                        f"<ul><li>{_sentence(rng)}</li><li>{_sentence(rng)}</li></ul>")
    return "\n".join(body + ["</body></html>"])


def _plain_with_headings(rng: random.Random) -> str:
    parts = []
    for n in range(rng.randint(8, 14)):
        shape = rng.randrange(6)
        if shape == 0:
            parts.append(_heading(rng))
        elif shape == 1:
            parts.append(f"{n}. {_heading(rng)}:")
        elif shape == 2:
            parts.append(f"What does {rng.choice(WORDS)} do to the brain?")
        elif shape == 3:
            parts.append(f"  • {_heading(rng)}")
        elif shape == 4:
            parts.append("Table of Contents\n" + "\n".join(f"- {h}" for h in HEADING_WORDS[:3]))
            parts += HEADING_WORDS[:3]
        else:
            parts.append(f"{_heading(rng)}\n{_heading(rng)}")  # two headings, nothing between
        parts.append(_paragraph(rng) if rng.random() < 0.8 else f"- {_sentence(rng)}\n- {_sentence(rng)}")
    parts.append("From: example.org")
    return "\n\n".join(parts)


def _pdf_like(rng: random.Random, name: str) -> Document:
    pages_text = [f"{_heading(rng)}\n{_paragraph(rng, 8)}\n{_paragraph(rng, 5)}"
                  for _ in range(rng.randint(2, 5))]
    pages, offset = [], 0
    for number, page_text in enumerate(pages_text, start=1):
        pages.append(Page(offset, offset + len(page_text), number))
        offset += len(page_text) + 2
    return Document(name, "\n\n".join(pages_text), None, "pdf", pages=pages)


def _load(name: str, text: str) -> Document:
    return load_document(Path(name), root=Path(""), data=text.encode())


def varied_documents(seed: int = 0) -> list[Document]:
    """A few dozen small documents of every kind, loaded as the ingest loads files."""
    rng = random.Random(seed)
    docs = []
    for i in range(2):
        docs.append(_load(f"dense-{i}.md", heading_dense_markdown(rng.randint(2_000, 6_000), seed + i)))
        docs.append(_load(f"messy-{i}.md", _messy_markdown(rng)))
        docs.append(_load(f"page-{i}.html", _html(rng)))
        docs.append(_load(f"notes-on-mdma-{i}.txt", _plain_with_headings(rng)))
        docs.append(_pdf_like(rng, f"paper-{i}.pdf"))
    docs.append(_load("crlf.md", _messy_markdown(rng).replace("\n", "\r\n")))
    docs.append(_load("crlf.txt", _plain_with_headings(rng).replace("\n", "\r\n")))
    docs.append(_load("prose.txt", prose(5_000, seed)))
    paragraph = _paragraph(rng, 4)
    docs.append(_load("repeated.txt", "\n\n".join([paragraph] * 12)))
    docs.append(_load("repeated.md", "\n\n".join([f"## Same heading\n\n{paragraph}"] * 8)))
    docs.append(_load("one-long-line.txt", " ".join(_sentence(rng) for _ in range(80))))
    docs.append(_load("headings-only.md", "\n\n".join(f"# {_heading(rng)}" for _ in range(30))))
    odd = ["\ufeffIntroduction Section", "", _paragraph(rng), "\x0c", "Second Part Here",
           "\u00a0\u00a0" + _paragraph(rng), "\u2028", "Third Part", " \t ", _paragraph(rng),
           "Dr. Smith et al. said e.g. this (i.e. that). A. B. Carter spoke…  Then left."]
    docs.append(_load("odd-whitespace.txt", "\n".join(odd)))
    return docs
