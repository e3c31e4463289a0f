"""The chat application: a safety policy, retrieval, cited answers; (to come) UI and evaluation.

Built on `ingest`: it reads the store through `ingest.store.open_store` and the
settings through `ingest.settings.get_settings`. `answer.py` is the entry point
(`answer(question, history) -> Answer`), which asks `policy.py` first; `ask.py` is its
command line.
"""
