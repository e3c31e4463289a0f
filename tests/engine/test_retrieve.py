"""Tests for app/retrieve.py: RRF, the BM25 index, the three search modes and refresh."""

from __future__ import annotations

import pytest

from app.engine.retrieve import RRF_K, LexicalIndex, Passage, Retriever, rrf
from app.engine.terms import terms
from app.settings import Settings
from ingest.chunk import chunk_document
from ingest.index import ingest
from ingest.load import load_document
from ingest.store import open_store
from tests.conftest import DEFAULT_CORPUS

HUBERMAN = "mdma-therapeutic-potential-hubermanlab.txt"
CORPUS_CHUNKS = [c for p in sorted(DEFAULT_CORPUS.glob("*.txt"))
                 for c in chunk_document(load_document(p, root=DEFAULT_CORPUS))]
MODES = ["dense", "lexical", "hybrid"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def retriever(answer_settings, embeddings) -> Retriever:
    return Retriever(open_store(answer_settings), embeddings)


@pytest.fixture(scope="module")
def lexical() -> LexicalIndex:
    return LexicalIndex(CORPUS_CHUNKS)


# --- rrf ---------------------------------------------------------------------------------

def test_rrf_docstring_example():
    fused = rrf([["a", "b"], ["b", "c"]], k=60)
    assert [key for key, _ in fused] == ["b", "a", "c"]
    assert [score for _, score in fused] == pytest.approx([1 / 62 + 1 / 61, 1 / 61, 1 / 62])


@pytest.mark.parametrize("rankings, order", [
    ([["y", "x"], ["x", "y"]], ["x", "y"]),  # equal sums: by id
    ([["b"], ["a"]], ["a", "b"]),
    ([["c", "b", "a"]], ["c", "b", "a"]),  # one list: its own order
    ([[], []], []),
])
def test_rrf_ties_are_broken_by_id(rankings, order):
    assert [key for key, _ in rrf(rankings)] == order


def test_rrf_default_k_damps_the_first_ranks():
    [(_, first), (_, second)] = rrf([["a", "b"]])
    assert (first, second) == pytest.approx((1 / (RRF_K + 1), 1 / (RRF_K + 2)))


# --- LexicalIndex ------------------------------------------------------------------------

def test_idf_is_highest_for_a_term_no_chunk_contains(lexical):
    known = [lexical.idf(t) for t in lexical.df]
    assert lexical.idf("zorblatt") > max(known)
    assert lexical.idf("mdma") < lexical.idf("oxytocin")  # everywhere vs. a few chunks
    assert min(known) > 0


@pytest.mark.parametrize("question, phrase", [
    ("symptoms of serotonin syndrome", "Restlessness"),
    ("oxytocin connection", "oxytocin"),
    ("SSRIs fluoxetine sertraline", "fluoxetine"),
])
def test_lexical_search_ranks_chunks_with_the_terms_first(lexical, question, phrase):
    found = lexical.search(terms(question), k=3)
    assert 1 <= len(found) <= 3
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert phrase.casefold() in found[0][0].text.casefold()


@pytest.mark.parametrize("index, query", [
    (LexicalIndex([]), ["serotonin"]),
    (LexicalIndex(CORPUS_CHUNKS), []),
    (LexicalIndex(CORPUS_CHUNKS), ["zorblatt"]),  # no chunk scores above 0
])
def test_lexical_search_finds_nothing_when_nothing_matches(index, query):
    assert index.search(query, k=5) == []


# --- Retriever.search ---------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 5])
def test_search_returns_k_scored_passages(retriever, mode, k):
    found = retriever.search("How does MDMA affect serotonin?", k=k, mode=mode)
    assert len(found) == k and all(isinstance(p, Passage) for p in found)
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True)
    assert len({p.chunk.id for p in found}) == k
    for p in found:
        if mode == "dense":
            assert p.dense == p.score and p.lexical is None and -1 <= p.dense <= 1
        elif mode == "lexical":
            assert p.lexical == p.score > 0 and p.dense is None
        else:
            assert p.dense is not None or p.lexical is not None
            assert 0 < p.score < 10 / RRF_K


def test_hybrid_fuses_both_retrievers(retriever):
    found = retriever.search("How does MDMA affect serotonin?", k=5, mode="hybrid")
    assert any(p.dense is not None and p.lexical is not None for p in found)
    assert all(p.to_dict()["score"] == round(p.score, 6) for p in found)


def test_therapy_doses_are_in_the_top_five(retriever):
    found = retriever.search("What doses of MDMA are used in therapy?", k=5, mode="hybrid")
    assert any("75–125 mg" in p.chunk.text for p in found)


def test_lexical_search_understands_slang(retriever):
    found = retriever.search("Does molly deplete serotonin?", k=3, mode="lexical")
    assert found and all("MDMA" in p.chunk.text or "MDMA" in p.chunk.title for p in found)


@pytest.mark.parametrize("mode", MODES)
def test_search_an_empty_store_finds_nothing(tmp_path, fake_embeddings, mode):
    store = open_store(Settings(data_dir=tmp_path / "empty"))
    assert Retriever(store, fake_embeddings).search("What is SERT?", k=5, mode=mode) == []


def test_all_chunks_match_the_corpus(retriever):
    stored = {(c.id, c.source, c.start, c.end, c.text) for c in retriever.all_chunks()}
    assert stored == {(c.id, c.source, c.start, c.end, c.text) for c in CORPUS_CHUNKS}


# --- refresh after a re-ingest (lexical only: the fake model serves) ------------------------

def test_refresh_picks_up_a_reingest(settings, fake_embeddings):
    for path in settings.corpus_dir.iterdir():  # one small file keeps the ingests quick
        if path.name != HUBERMAN:
            path.unlink()
    ingest(settings, embeddings=fake_embeddings)
    retriever = Retriever(open_store(settings), fake_embeddings)
    assert retriever.refresh(force=True)
    before = retriever.signature()
    assert retriever.search("zorblatt", k=3, mode="lexical") == []

    path = settings.corpus_dir / HUBERMAN
    path.write_text(path.read_text(encoding="utf-8")
                    + "\n\nResearchers named the new serotonin receptor variant zorblatt.\n",
                    encoding="utf-8")
    ingest(settings, embeddings=fake_embeddings)
    assert retriever.signature() != before
    assert retriever.refresh(force=True)
    found = retriever.search("zorblatt", k=3, mode="lexical")
    assert found and "zorblatt" in found[0].chunk.text
    assert not retriever.refresh()  # nothing changed since


def test_the_engine_says_when_a_reingest_changed_what_it_answers_from(settings, fake_embeddings,
                                                                      monkeypatch):
    from app.engine import Engine

    monkeypatch.setattr("app.engine.retrieve.REFRESH_SECONDS", 0.0)
    for path in settings.corpus_dir.iterdir():
        if path.name != HUBERMAN:
            path.unlink()
    ingest(settings, embeddings=fake_embeddings)
    engine = Engine(settings, embeddings=fake_embeddings)
    engine.refresh()
    assert not engine.refresh()  # nothing changed since
    (settings.corpus_dir / "notes.txt").write_text("Zorblatt\n\nZorblatt receptors bind quinzite.\n")
    ingest(settings, embeddings=fake_embeddings)  # reopened by sync, then nothing left to refresh
    assert engine.refresh()
    assert "notes.txt" in {c.source for c in engine.search("zorblatt quinzite", k=3, mode="lexical")
                           for c in [c.chunk]}
    assert not engine.refresh()


def test_refresh_rereads_only_the_files_that_changed(settings, fake_embeddings, monkeypatch):
    monkeypatch.setattr("app.engine.retrieve.REFRESH_SECONDS", 0.0)
    ingest(settings, embeddings=fake_embeddings)
    retriever = Retriever(open_store(settings), fake_embeddings)
    assert retriever.refresh()
    read: list = []
    full_read = retriever.all_chunks
    monkeypatch.setattr(retriever, "all_chunks", lambda sources=None: read.append(sources)
                        or full_read(sources))
    path = settings.corpus_dir / HUBERMAN
    path.write_text(path.read_text(encoding="utf-8") + "\n\nThe zorblatt receptor binds it.\n",
                    encoding="utf-8")
    (settings.corpus_dir / "mdma-brain-rewiring-study.txt").unlink()
    ingest(settings, embeddings=fake_embeddings)
    assert retriever.refresh() and read == [[HUBERMAN]]
    fresh = LexicalIndex(full_read())
    assert [c.id for c in retriever.lexical.chunks] == [c.id for c in fresh.chunks]
    assert retriever.lexical.tokens == fresh.tokens and retriever.lexical.df == fresh.df
    query = terms("zorblatt serotonin receptor")
    assert (retriever.lexical.bm25.get_scores(query) == fresh.bm25.get_scores(query)).all()
    assert not retriever.refresh() and read == [[HUBERMAN]]
    monkeypatch.setattr("app.engine.retrieve.REREAD_MAX_FILES", 0)  # as if every file had changed
    path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    ingest(settings, embeddings=fake_embeddings)
    assert retriever.refresh() and read[-1] is None  # one full read
