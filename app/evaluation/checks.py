"""The exact checks of one evaluated case: decision, required words, citation quotes
against their files, each answer sentence against the quotes it cites, retrieval.

Each check is True, False, or None when it does not apply to the case. Answers are
extractive, so no LLM judge is needed; this module judges no fluency.

    >>> _comparable("  Serotonin\tSYNDROME ")
    'serotonin syndrome'
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from app.engine import Answer
from app.evaluation.cases import Case
from ingest.corpus import source_text
from ingest.sentences import supports

HIT_K = 5
CHECKS = ("decision", "must_include", "first_sentence", "citations_valid", "sentences_supported", "retrieval_hit",
          "source_cited")
# Metrics where a lower value is better: --fail-under on them would read backwards.

def checks(case: Case, result: Answer | None, corpus: Path) -> dict[str, bool | None]:
    """Each check: True, False, or None when it does not apply to this case."""
    decision = result.decision.value if result else "error"
    body = (" ".join(s.text for s in result.sentences) or result.message) if result else ""
    text = _comparable(body)
    cites = result.citations if result else []
    answered = decision == "answer"
    pieces = [(s.text, s.citations) for s in result.sentences] if answered else []
    quotes = {c.n: c.quote for c in cites}
    retrieved = [p.chunk.source for p in result.passages[:HIT_K]] if result else []
    return {
        "decision": decision in case.right_decisions() if case.right_decisions() else None,
        "must_include": all(any(_comparable(alt) in text for alt in group)
                            for group in case.must_include) if case.must_include else None,
        "first_sentence": all(any(_comparable(alt) in _comparable(pieces[0][0]) for alt in group)
                              for group in case.must_include)
        if case.must_include and case.expect == "answer" and pieces else
        (False if case.must_include and case.expect == "answer" else None),
        "citations_valid": all((source_text(corpus, c.source) or "")[c.start:c.end]
                               == c.quote for c in cites) if cites else None,
        "sentences_supported": (bool(pieces) and all(
            any(n in quotes and supports(quotes[n], s) for n in ns) for s, ns in pieces))
        if answered else None,
        "retrieval_hit": any(s in case.sources for s in retrieved)
        if case.sources and retrieved else None,
        "source_cited": any(c.source in case.sources for c in cites)
        if case.sources and answered else None,
    }


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def first_rank(case: Case, retrieved: list[dict]) -> int | None:
    """1-based rank of the first retrieved passage from `sources`, 0 if none; None without
    `sources`, or when nothing was retrieved (a refusal, an empty question)."""
    if not case.sources or not retrieved:
        return None
    return next((i for i, p in enumerate(retrieved, start=1) if p["source"] in case.sources), 0)
