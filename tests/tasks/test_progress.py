"""Task progress: the embedder wrapper embeds in batches, reports each, and changes nothing."""

from __future__ import annotations

import numpy as np

from veracity.embed.hashing import HashEmbedder
from veracity.tasks.progress import ProgressEmbedder, with_progress


def test_batches_are_reported_and_the_vectors_are_unchanged() -> None:
    inner = HashEmbedder(dim=32)
    seen: list[tuple[int, int]] = []
    wrapped = ProgressEmbedder(inner, lambda done, total: seen.append((done, total)), batch=4)
    texts = [f"complaint number {i}" for i in range(10)]
    np.testing.assert_array_equal(wrapped.embed(texts), inner.embed(texts))
    assert seen == [(4, 10), (8, 10), (10, 10)]
    assert wrapped.dim == inner.dim  # every other attribute is the inner embedder's
    small = wrapped.embed(["one", "two"])
    assert small.shape == (2, 32) and seen[-1] == (2, 2)


def test_with_progress_works_without_a_terminal() -> None:
    inner = HashEmbedder(dim=16)
    texts = [f"t{i}" for i in range(600)]
    np.testing.assert_array_equal(with_progress(inner).embed(texts), inner.embed(texts))
