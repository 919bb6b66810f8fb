"""The default embedder (minilm-onnx, falling back to minilm) and what a missing library says."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import veracity
from veracity.embed import base
from veracity.embed.base import calibration_name, get_embedder, load_with_fallback
from veracity.embed.hashing import HashEmbedder
from veracity.errors import MissingDependency


def test_missing_onnxruntime_names_the_onnx_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import now raises ImportError
    with pytest.raises(MissingDependency, match=r"pip install 'veracity\[onnx\]'") as info:
        get_embedder("minilm-onnx")
    assert info.value.extra == "onnx"


def _named_hash(name: str) -> HashEmbedder:
    emb = HashEmbedder(dim=32)
    emb.name = name
    return emb


def _missing(extra: str) -> HashEmbedder:
    raise MissingDependency("a test embedder", extra=extra)


def test_default_falls_back_to_pytorch_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(base.EMBEDDERS, "minilm-onnx", lambda **kw: _missing("onnx"))
    monkeypatch.setitem(base.EMBEDDERS, "minilm", lambda **kw: _named_hash("minilm"))
    assert load_with_fallback("minilm-onnx", "minilm").name == "minilm"


def test_neither_default_names_both_extras(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(base.EMBEDDERS, "minilm-onnx", lambda **kw: _missing("onnx"))
    monkeypatch.setitem(base.EMBEDDERS, "minilm", lambda **kw: _missing("torch"))
    with pytest.raises(MissingDependency, match=r"veracity\[onnx,torch\]"):
        load_with_fallback("minilm-onnx", "minilm")


def test_new_collection_records_the_embedder_that_loaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(base.EMBEDDERS, "minilm-onnx", lambda **kw: _named_hash("minilm-onnx"))
    col = veracity.open(tmp_path / "a")
    assert col.embedder().name == "minilm-onnx" and col.embedder_name == "minilm-onnx"
    monkeypatch.setitem(base.EMBEDDERS, "minilm-onnx", lambda **kw: _missing("onnx"))
    monkeypatch.setitem(base.EMBEDDERS, "minilm", lambda **kw: _named_hash("minilm"))
    col = veracity.open(tmp_path / "b")
    assert col.embedder().name == "minilm" and col.embedder_name == "minilm"
    col.store.close()
    # An existing collection keeps its recorded embedder, whatever the default is now.
    assert veracity.open(tmp_path / "b").embedder().name == "minilm"


def test_onnx_minilm_shares_minilm_calibration() -> None:
    assert calibration_name("minilm-onnx") == "minilm"
    assert calibration_name("hash-256") == "hash-256"


def test_onnx_minilm_uses_the_minilm_relevance_model() -> None:
    from veracity.rag.relevance import RelevanceModel

    assert RelevanceModel.load("minilm-onnx") == RelevanceModel.load("minilm")
    assert RelevanceModel.load("minilm") != RelevanceModel.load("default")
