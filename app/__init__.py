"""The chat application: retrieval, cited answers, safety policy, UI, evaluation.

Built on `ingest`: it reads the store through `ingest.store.open_store` and the
settings through `ingest.settings.get_settings`. Nothing here yet.
"""
