"""Shared by the sentiment commands: the UCI data folder and embeddings cached between runs."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from veracity.embed.base import Embedder

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "sentiment"


def cached_embed(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """``embedder.embed(texts)``, kept in the temp folder (outside the project: it holds dataset
    text) under a key of the embedder name and the texts, so reruns skip the model."""
    key = hashlib.sha256("\n".join([embedder.name, *texts]).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"veracity-sentiment-{embedder.name}-{key}.npy"
    if path.exists():
        cached: np.ndarray = np.load(path)
        return cached
    vectors = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    np.save(path, vectors)
    return vectors
