"""Scanning a corpus folder with a loop of symlinks: the links are skipped with a reason,
the rest is ingested, nothing raises."""

from __future__ import annotations

from langchain_core.embeddings import DeterministicFakeEmbedding

from app.settings import Settings
from ingest.index import ingest
from ingest.load import scan_corpus, skip_reason


def test_a_loop_of_symlinks_is_skipped_with_a_reason(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.md").write_text("# Sleep\n\nSleep helps serotonin recover after use.\n")
    (corpus / "a.md").symlink_to("b.md")
    (corpus / "b.md").symlink_to("a.md")
    files, skipped = scan_corpus(corpus)
    assert [p.name for p in files] == ["ok.md"] and {p.name for p in skipped} == {"a.md", "b.md"}
    assert "loop" in skip_reason(corpus / "a.md", corpus)
    report = ingest(Settings(corpus_dir=corpus, data_dir=tmp_path / "data"),
                    embeddings=DeterministicFakeEmbedding(size=8))
    assert report.ok and report.files_added == 1 and len(report.skipped) == 2
