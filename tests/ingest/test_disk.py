"""A full or failing disk during ingest: refused before writing when it cannot fit, a
clear error when a write fails half-way, and a store that opens and is repaired by a
plain re-ingest afterwards (in the same process too); a store that no longer opens is
set aside and rebuilt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from app.settings import Settings
from ingest.errors import StoreError
from ingest.index import ingest
from ingest.store import open_store
from tests.conftest import DEFAULT_CORPUS, PROJECT

FAKE = DeterministicFakeEmbedding(size=384)


def copy_settings(root: Path, data: Path) -> Settings:
    shutil.copytree(DEFAULT_CORPUS, root / "corpus")
    return Settings(corpus_dir=root / "corpus", data_dir=data)


def test_an_ingest_that_cannot_fit_is_refused_before_it_writes(tmp_path, monkeypatch):
    settings = copy_settings(tmp_path, tmp_path / "data")
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=5 * 2**20))
    with pytest.raises(StoreError, match=r"only 5 MB free .* Nothing was changed"):
        ingest(settings, embeddings=FAKE)
    assert open_store(settings).count() == 0 and open_store(settings).file_records() == {}


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB tmpfs mounted for the test (root only), unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs",
                                            str(mount)], capture_output=True).returncode:
        pytest.skip("needs root to mount a size-limited tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("free_mb", [0.7, 0.9, 1.1])
def test_a_disk_that_fills_up_mid_write_gives_a_clear_error_and_a_repairable_store(
        tmp_path, small_disk, monkeypatch, free_mb):
    settings = copy_settings(tmp_path, small_disk / "data")
    import ingest.index as index
    monkeypatch.setattr(index, "MIN_FREE_BYTES", 0)  # let the write start: the disk fills mid-way
    monkeypatch.setattr(index, "BYTES_PER_TEXT", 0)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - int(free_mb * 2**20)))
    with pytest.raises(StoreError, match="ingest stopped at .* run ingest again"):
        ingest(settings, embeddings=FAKE)
    filler.unlink()
    report = ingest(settings, embeddings=FAKE)  # same process: a fresh chromadb system
    assert report.ok and report.files_seen == 3
    store = open_store(settings)
    records = store.file_records()
    assert len(records) == 3 and all(r.status == "done" for r in records.values())
    assert store.count() == sum(r.chunks for r in records.values()) > 0


REINGEST = """
import json, sys
from pathlib import Path
from langchain_core.embeddings import DeterministicFakeEmbedding
from app.settings import Settings
from ingest.index import ingest
from ingest.store import open_store
settings = Settings(corpus_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]))
report = ingest(settings, embeddings=DeterministicFakeEmbedding(size=384))
print(json.dumps([report.rebuilt, report.chunks_added, open_store(settings).count()]))
"""


@pytest.mark.slow  # two Python processes
def test_a_store_that_no_longer_opens_is_set_aside_and_rebuilt(tmp_path):
    settings = copy_settings(tmp_path, tmp_path / "data")
    first = ingest(settings, embeddings=FAKE)
    for db in settings.chroma_path.glob("*.sqlite3"):
        db.write_bytes(b"this is not a database" * 100)
    opened = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path\n"
                             "from app.settings import Settings\nfrom ingest.store import open_store\n"
                             "open_store(Settings(data_dir=Path(sys.argv[1])))", str(settings.data_dir)],
                            capture_output=True, text=True, cwd=PROJECT)
    assert opened.returncode and "cannot open the Chroma store" in opened.stderr  # damaged
    # a new process, as after a crash: chromadb caches nothing of the damaged store
    out = subprocess.run([sys.executable, "-c", REINGEST, str(settings.corpus_dir),
                          str(settings.data_dir)], check=True, capture_output=True, text=True,
                         cwd=PROJECT).stdout
    rebuilt, added, count = json.loads(out.splitlines()[-1])
    assert "could not be opened" in rebuilt and "damaged" in rebuilt
    assert added == count == first.chunks_added
    assert list(settings.data_dir.glob("chroma.damaged-*"))


def test_a_file_that_failed_is_not_parsed_again_until_it_changes(tmp_path, monkeypatch):
    settings = copy_settings(tmp_path, tmp_path / "data")
    bad = settings.corpus_dir / "bad.txt"
    bad.write_bytes(b"\xff\xfe not text")
    import ingest.index as index
    loads = []
    real = index.load_document
    monkeypatch.setattr(index, "load_document",
                        lambda path, **kw: loads.append(path.name) or real(path, **kw))
    first = ingest(settings, embeddings=FAKE)
    assert [s for s, _ in first.failed] == ["bad.txt"] and "bad.txt" in loads
    loads.clear()
    second = ingest(settings, embeddings=FAKE)
    assert "bad.txt" not in loads  # remembered by content hash
    (reason,) = [r for s, r in second.failed if s == "bad.txt"]
    assert "invalid UTF-8" in reason and "not read again" in reason
    bad.write_text("Now it is text about serotonin and sleep.", encoding="utf-8")
    third = ingest(settings, embeddings=FAKE)
    assert third.ok and "bad.txt" in loads and third.files_added == 1


def test_a_rebuild_that_cannot_fit_is_refused_and_keeps_the_index(tmp_path, monkeypatch):
    settings = copy_settings(tmp_path, tmp_path / "data")
    first = ingest(settings, embeddings=FAKE)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=2**20))
    with pytest.raises(StoreError, match="Nothing was changed"):
        ingest(settings, embeddings=FAKE, rebuild=True)
    assert open_store(settings).count() == first.chunks_added


def test_a_full_disk_at_open_keeps_a_sound_store(tmp_path, small_disk, monkeypatch):
    settings = copy_settings(tmp_path, small_disk / "data")
    import ingest.index as index
    monkeypatch.setattr(index, "MIN_FREE_BYTES", 0)  # the 6 MB disk holds the default corpus
    first = ingest(settings, embeddings=FAKE)
    filler = small_disk / "filler"
    with open(filler, "wb") as f:  # every last block
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    out = subprocess.run([sys.executable, "-c", REINGEST, str(settings.corpus_dir),
                          str(settings.data_dir)], capture_output=True, text=True, cwd=PROJECT)
    assert not list(settings.data_dir.glob("chroma.damaged-*"))  # full, not damaged: kept
    filler.unlink()
    if out.returncode:  # the disk stood in the way: a message, not a traceback of damage
        assert "StoreError" in out.stderr
    assert open_store(settings).count() == first.chunks_added


def test_a_reader_that_failed_this_time_is_tried_again(tmp_path, monkeypatch):
    from ingest.errors import TransientLoadError

    settings = copy_settings(tmp_path, tmp_path / "data")
    import ingest.index as index
    real = index.load_document

    def flaky(path, **kw):
        if path.name.startswith("mdma-brain") and not flaky.failed:
            flaky.failed = True
            raise TransientLoadError("PDF reader crashed (SIGKILL); not indexed")
        return real(path, **kw)

    flaky.failed = False
    monkeypatch.setattr(index, "load_document", flaky)
    assert len(ingest(settings, embeddings=FAKE).failed) == 1
    second = ingest(settings, embeddings=FAKE)
    assert second.ok and second.files_added == 1
