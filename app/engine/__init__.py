"""The answer engine: a question in, an `Answer` with exact citations out (or a decline).

Public surface: `Engine` (load once, ask many times), `Answer` with its `AnswerSentence`s
and `Citation`s, `Decision`, `Assessment` (what the judge saw), `Passage`, the `Retriever`
and its `LexicalIndex` (plain hybrid search, for benchmarks and scripts), and the
module-level `answer()` over the configured store. Everything else in this package is
its own business; see `engine.py` for the phases.
"""

from app.engine.answer import Answer, AnswerSentence, Citation, Decision
from app.engine.engine import Assessment, Engine, answer, default_engine
from app.engine.retrieve import LexicalIndex, Passage, Retriever

__all__ = ["Answer", "AnswerSentence", "Assessment", "Citation", "Decision", "Engine",
           "LexicalIndex", "Passage", "Retriever", "answer", "default_engine"]
