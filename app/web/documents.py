"""The Documents tab's handlers: the list of documents, adding and indexing uploads in one
step, re-ingest, reading a document and deleting one.

- `add_and_index`: each uploaded file is checked by ingest's own loader and chunker
  (`ingest.index.read_chunks`) before it is saved (`uploads.py`); the good ones are
  saved, then an incremental ingest indexes them (and whatever else changed in the
  folder), with a progress bar. Each file gets its own line: added, refused with the
  reason, or saved but not indexed. The upload widget is emptied afterwards.
- `delete`: the file and everything the index holds of it go (`ingest.index.remove_document`).
- `rows`: one `DocRow` per file in the folder or the index, with a status in words
  ("indexed", "failed: <reason>", "not indexed yet", ...).

Ingest runs under the ingest lock, so questions are answered meanwhile and a terminal
ingest running at the same time gets a message, not a clash. This module lays out no
page (`app.py`) and builds no HTML itself (`render.py`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import gradio as gr

from app.engine import Engine
from app.settings import Settings
from app.web import render
from app.web.handlers import event_data, friendly
from app.web.uploads import save_uploads
from ingest.corpus import source_path, source_text
from ingest.errors import CorpusError, EmbeddingModelError, IngestBusy, StoreError
from ingest.index import IngestReport, failures, ingest, read_chunks, remove_document
from ingest.load import scan_corpus
from ingest.store import DONE

BUSY = ("Another ingest is running (perhaps `python -m ingest` in a terminal); try again when "
        "it has finished.")


@dataclass(frozen=True)
class DocRow:
    """One document as the Documents tab lists it."""

    title: str  # "" before its first ingest
    source: str  # its path in the corpus folder
    passages: int  # chunks in the index
    indexed_at: str  # "2026-05-01 12:00 UTC", or ""
    status: str  # in words, e.g. "failed: binary content, not text"
    state: str  # one word for its style: indexed, failed, waiting, missing


class Documents:
    """The Documents tab's event handlers over one engine and the settings."""

    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings
        self.corpus = settings.corpus_dir.resolve()

    # --- the list
    def rows(self) -> list[DocRow]:
        """Every file in the corpus folder or the index, by path."""
        records = {r.source: r for r in self.engine.documents()}
        on_disk = {p.relative_to(self.corpus).as_posix() for p in scan_corpus(self.corpus)[0]} \
            if self.corpus.is_dir() else set()
        bad = failures(self.settings)
        rows = []
        for source in sorted(set(records) | on_disk):
            r = records.get(source)
            when = r.ingested_at[:16].replace("T", " ") + " UTC" if r else ""
            if source not in on_disk:
                status, state = "missing from the folder", "missing"
            elif source in bad:
                status, state = f"failed: {bad[source]}", "failed"
                if r:
                    status += " (an earlier version is still answered from)"
            elif r is None:
                status, state = "not indexed yet", "waiting"
            elif r.status != DONE:
                status, state = "interrupted: re-ingest", "waiting"
            else:
                status, state = "indexed", "indexed"
            rows.append(DocRow(r.title if r else "", source, r.chunks if r else 0, when, status,
                               state))
        return rows

    @friendly
    def listing(self) -> str:
        return render.documents_html(self.rows())

    @friendly
    def table(self) -> list[dict]:
        """The list for API clients: one dict per `DocRow`."""
        return [asdict(r) for r in self.rows()]

    @friendly
    def open(self, evt: gr.EventData) -> str:
        source = _source_of(evt)
        if source_path(self.corpus, source) is None:
            return ""
        titles = {r.source: r.title for r in self.engine.documents()}
        return render.document_html(titles.get(source) or source, source,
                                    source_text(self.corpus, source))

    # --- changes
    @friendly
    def reingest(self, progress=gr.Progress()):
        report, problem = self._ingest(progress)
        summary = render.message_html(problem, bad=True) if problem else render.ingest_html(report)
        return summary, self.listing()

    @friendly
    def add_and_index(self, paths: list[str] | None, progress=gr.Progress()):
        """Check, save and index the uploads; returns (results, the list, an empty widget)."""
        s = self.settings
        if not paths:
            return render.message_html("Choose one or more files to add."), self.listing(), None
        saved, refused = save_uploads(
            [Path(p) for p in paths], self.corpus, max_bytes=int(s.max_upload_mb * 1e6),
            max_files=s.max_upload_files, max_corpus_bytes=int(s.max_corpus_mb * 1e6),
            check=lambda path, data: read_chunks(path, self.corpus, s, data))
        report, problem = self._ingest(progress) if saved else (None, "")
        passages = {r.source: r.passages for r in self.rows()}
        failed = dict(report.failed) if report else {}
        items = []
        for one in saved:
            verb = "Replaced" if one.replaced else "Added"
            if problem:
                items.append(("wait", f"{verb}, not indexed", f"{one.name}: {problem} Press "
                              "Re-ingest corpus to index it."))
            elif one.name in failed:
                items.append(("bad", f"{verb}, not indexed", f"{one.name}: {failed[one.name]}"))
            else:
                n = passages.get(one.name, 0)
                renamed = f" ({one.renamed_from} is another file, kept)" if one.renamed_from else ""
                items.append(("ok", verb, f"{one.name}{renamed}: indexed, {n} passage"
                              f"{'s' * (n != 1)}; ask about it in the Chat tab."))
        items += [("bad", "Refused", reason) for reason in refused]
        if report and _other_changes(report, len(saved)):
            items.append(("info", "", "Other changes in the corpus folder were indexed too."))
        return render.files_html(_headline(items), items), self.listing(), None

    @friendly
    def delete(self, evt: gr.EventData):
        """From the page's Delete button: (result, the list, an empty viewer)."""
        return self.delete_source(_source_of(evt)), self.listing(), ""

    @friendly
    def delete_source(self, source: str) -> str:
        """Delete the document `source` (its file and its passages); the result as HTML."""
        try:
            removal = remove_document(self.settings, source)
        except IngestBusy:
            return render.message_html(BUSY, bad=True)
        except (CorpusError, StoreError) as exc:
            return render.message_html(f"Could not delete {source}: {exc}", bad=True)
        if not removal.found:
            return render.message_html(f"No document {source!r} in the corpus folder or the "
                                       "index; nothing was deleted.", bad=True)
        self.engine.sync()  # questions stop finding it from now on
        n = removal.chunks_removed
        return render.files_html("Deleted", [("ok", "Deleted", (
            f"{source}: the file and its {n} passage{'s' * (n != 1)} are gone; questions "
            "are no longer answered from it."))])

    def _ingest(self, progress) -> tuple[IngestReport | None, str]:
        """Bring the index up to date: (the report, "") or (None, why it did not run)."""
        progress(0, desc="Reading the corpus folder")

        def embedded(done: int, total: int) -> None:
            if total:
                progress((done, total), desc="Indexing new and changed passages", unit="texts")

        try:
            report = ingest(self.settings, progress=embedded)
        except IngestBusy:
            return None, BUSY
        except (CorpusError, StoreError, EmbeddingModelError) as exc:
            return None, f"Indexing failed: {exc}."
        self.engine.sync()  # the new index serves from the next question on
        return report, ""


def _source_of(evt: gr.EventData) -> str:
    source = event_data(evt).get("source")
    return source if isinstance(source, str) else ""


def _other_changes(report: IngestReport, uploads: int) -> bool:
    return report.files_added + report.files_updated > uploads or report.files_deleted > 0


def _headline(items: list[tuple[str, str, str]]) -> str:
    """"2 added and indexed, 1 refused" from the result lines (kind, tag, text)."""
    indexed = sum(1 for kind, _, _ in items if kind == "ok")
    waiting = sum(1 for kind, _, _ in items if kind in ("wait", "bad")) - \
        sum(1 for _, tag, _ in items if tag == "Refused")
    refused = sum(1 for _, tag, _ in items if tag == "Refused")
    parts = [f"{indexed} added and indexed"] if indexed else []
    parts += [f"{waiting} added but not indexed"] if waiting else []
    parts += [f"{refused} refused"] if refused else []
    return ", ".join(parts) or "Nothing added"
