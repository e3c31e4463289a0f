"""Write tests/data/chunk_fixture.json: generated documents and what ingest makes of them.

The fixture pins the exact output of `find_residue`, `chunk_document` and
`sentences` for the documents of `bench.chunk_docs.varied_documents()`, so a
faster implementation can be checked against the one it replaces
(`tests/test_chunk_equivalence.py`). Each document is stored with its text,
headings and pages, so the check does not depend on the generator or the loaders.

Run it only when the output is meant to change, and say so in the commit:

    $ python tests/ingest/make_chunk_fixture.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
FIXTURE = PROJECT / "tests" / "data" / "chunk_fixture.json"
SETTINGS = [(1000, 150), (200, 50)]  # (chunk_size, chunk_overlap): the default and a small one


def doc_to_json(doc) -> dict:
    return {"source": doc.source, "text": doc.text, "title": doc.title, "kind": doc.kind,
            "headings": [[h.start, h.end, h.level] for h in doc.headings],
            "pages": [[p.start, p.end, p.number] for p in doc.pages]}


def doc_from_json(data: dict):
    from ingest.load import Document, Heading, Page

    return Document(data["source"], data["text"], data["title"], data["kind"],
                    [Heading(*h) for h in data["headings"]], [Page(*p) for p in data["pages"]])


def outputs(doc) -> dict:
    """Everything ingest derives from `doc`, as JSON values.

    A chunk's text is left out: it is `doc.text[start:end]`, and its id hashes it.
    """
    from ingest.chunk import chunk_document
    from ingest.clean import find_residue
    from ingest.sentences import sentences

    out = {"residue": [[r.start, r.end, r.kind] for r in find_residue(doc.text)]}
    for n, (size, overlap) in enumerate(SETTINGS):
        chunks = chunk_document(doc, chunk_size=size, chunk_overlap=overlap)
        out[f"chunks {size}/{overlap}"] = [
            [c.id, c.title, c.section, c.start, c.end, c.page, c.page_end]
            # sentences of the default chunks only: the small ones repeat them
            + ([[[s.start, s.end, s.section, s.text] for s in sentences(c)]] if n == 0 else [])
            for c in chunks]
    return out


def main() -> None:
    sys.path.insert(0, str(PROJECT))
    from bench.chunk_docs import varied_documents

    cases = [{"doc": doc_to_json(doc), "expected": outputs(doc)} for doc in varied_documents()]
    FIXTURE.parent.mkdir(exist_ok=True)
    lines = ",\n".join(json.dumps(case, ensure_ascii=False) for case in cases)  # a line a document
    FIXTURE.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{FIXTURE.relative_to(PROJECT)}: {len(cases)} documents")


if __name__ == "__main__":
    main()
