"""Batch evaluation without an LLM judge: cases in, checked results and a summary out.

Public surface: `Case` and `read_cases` (JSONL or CSV case files), `run_all` (ask every
case, check every answer), `summarize` and `gate` (metrics and thresholds),
`write_results` (results.jsonl, summary.json, report.html), and `main`, the command
`python -m app.evaluate`. Modules: `cases`, `checks`, `metrics`, `report`, `run`.
"""

from app.evaluation.cases import Case, read_cases
from app.evaluation.metrics import gate, summarize
from app.evaluation.run import main, run_all, write_results

__all__ = ["Case", "gate", "main", "read_cases", "run_all", "summarize", "write_results"]
