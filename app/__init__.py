"""The chat application over the index that `ingest` builds: answers with exact citations,
declines, refusals, evaluation and a web UI.

Folders by role, each a unit with one public surface (its `__init__`):
- `engine/`: question in, `Answer` out (retrieve, score, judge, compose, suggest);
- `policy/`: the safety policy asked before anything is retrieved;
- `evaluation/`: batch evaluation of case files against the engine;
- `web/`: the Gradio chat UI.
The three commands are `python -m app.ask` (one question), `python -m app.evaluate`
(a case file) and `python -m app.serve` (the UI). `settings.py` is the one settings
object; `schemas.py` holds the shapes checked at the edges (conversation turns).
"""
