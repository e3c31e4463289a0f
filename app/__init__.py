"""The chat application: retrieval, cited answers, and (to come) safety policy, UI, evaluation.

Built on `ingest`: it reads the store through `ingest.store.open_store` and the
settings through `ingest.settings.get_settings`. `answer.py` is the entry point
(`answer(question, history) -> Answer`); `ask.py` is its command line.
"""
