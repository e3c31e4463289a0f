"""Ingestion: corpus files -> clean, section-aware chunks -> embeddings -> Chroma.

Modules, in pipeline order: `load` (files to text), `clean` (residue),
`chunk` (sections and chunks with exact offsets), `embed` (the model),
`store` (Chroma access), `index` (incremental sync), `settings` (configuration).
Run it with `python -m ingest`. Answering questions is the `app` package's job.
"""
