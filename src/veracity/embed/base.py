"""The ``Embedder`` protocol and the registry of embedders by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from veracity.errors import ConfigError, MissingDependency
from veracity.text.tokens import TokenCounter


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalized float32 vectors of shape ``(n, dim)``.

    An embedder may also offer ``token_counter() -> TokenCounter | None``: the exact counter of
    the tokens its model reads (no special tokens), so chunk budgets are real model tokens. It is
    optional (not part of the protocol); use ``token_counter_of`` to ask for it.
    """

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def token_counter_of(embedder: object) -> TokenCounter | None:
    """The exact token counter ``embedder`` offers through ``token_counter()``, else None (the
    chunker then falls back to its model-free estimate)."""
    method = getattr(embedder, "token_counter", None)
    if method is None:
        return None
    counter = method()
    return counter if isinstance(counter, TokenCounter) else None


# Embedders that compute the same vectors as another (within quantization noise: minilm-onnx is
# cosine >= 0.99 to minilm) share its calibrated weights (relevance floor, groundedness judge).
_CALIBRATED_AS = {"minilm-onnx": "minilm"}


def calibration_name(name: str) -> str:
    """The embedder name whose fitted weights apply to ``name`` (``name`` itself by default)."""
    return _CALIBRATED_AS.get(name, name)


def _hash(**kw: Any) -> Embedder:
    from veracity.embed.hashing import HashEmbedder

    return HashEmbedder(**kw)


def _minilm(**kw: Any) -> Embedder:
    from veracity.embed.minilm import MiniLMEmbedder

    return MiniLMEmbedder(**kw)


def _minilm_onnx(**kw: object) -> Embedder:
    from veracity.embed.onnx import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder(**kw)  # type: ignore[arg-type]


EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    "hash": _hash,
    "minilm": _minilm,
    "minilm-onnx": _minilm_onnx,
}


def check_embedder_name(name: str) -> None:
    """Raise ``ConfigError`` (listing the known names) unless ``name`` can name an embedder."""
    if name in EMBEDDERS or "/" in name or name.startswith((".", "~")):
        return
    known = ", ".join(sorted(EMBEDDERS))
    raise ConfigError(
        f"unknown embedder {name!r}; known: {known}, or a sentence-transformers model path or "
        "Hugging Face id such as 'sentence-transformers/all-MiniLM-L6-v2'"
    )


def get_embedder(name: str, **options: object) -> Embedder:
    """The embedder called ``name``. Names not in the registry that look like a model path or a
    Hugging Face id (``org/model``) load through sentence-transformers."""
    check_embedder_name(name)
    if name in EMBEDDERS:
        return EMBEDDERS[name](**options)
    from veracity.embed.minilm import MiniLMEmbedder

    return MiniLMEmbedder(model=name, **options)  # type: ignore[arg-type]


def load_with_fallback(name: str, fallback: str) -> Embedder:
    """``get_embedder(name)``, or ``get_embedder(fallback)`` when ``name`` lacks an optional
    library. For the default ``minilm-onnx`` (fallback ``minilm``): both compute all-MiniLM-L6-v2
    vectors (cosine >= 0.99), the ONNX one 3x faster, so a machine without ``onnxruntime`` still
    works, only slower. The returned embedder's ``name`` says which one loaded. If neither loads,
    the error names both extras."""
    try:
        return get_embedder(name)
    except MissingDependency as first:
        try:
            return get_embedder(fallback)
        except MissingDependency:
            raise MissingDependency(
                f"the default embedder ({name}, or {fallback} without it)",
                extra=",".join(dict.fromkeys([first.extra, "torch"])),
            ) from first


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalization; zero rows stay zero. ``(n, dim)`` float32 in and out."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: np.ndarray = v / norms
    return out
