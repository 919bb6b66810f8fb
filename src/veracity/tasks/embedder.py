"""The embedder tasks use when none is given: the same default a collection uses."""

from __future__ import annotations

from veracity.embed.base import Embedder, load_with_fallback

# the collection default (``veracity.collection.DEFAULT_EMBEDDER``): both compute
# all-MiniLM-L6-v2 vectors, the ONNX one faster; the fallback needs only PyTorch
DEFAULT_EMBEDDER = "minilm-onnx"
FALLBACK_EMBEDDER = "minilm"


def default_embedder() -> Embedder:
    """all-MiniLM-L6-v2 through ONNX Runtime, else sentence-transformers."""
    return load_with_fallback(DEFAULT_EMBEDDER, FALLBACK_EMBEDDER)
