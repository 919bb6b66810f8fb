"""Progress for long task runs: an embedder wrapper that reports each batch it embeds.

The long part of every task over many items (sentiment of a CSV, complaints over a collection,
a summary of a folder) is embedding. Wrapping the embedder shows a progress bar on a terminal
(none when stderr is not one, so pipes and logs stay clean) without threading a callback through
every task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from veracity.embed.base import Embedder

BATCH = 256


class ProgressEmbedder:
    """``inner`` with progress: texts are embedded in batches of ``batch`` and each finished
    batch calls ``on_batch(done, total)``; every other attribute is ``inner``'s."""

    def __init__(
        self, inner: Embedder, on_batch: Callable[[int, int], None], batch: int = BATCH
    ) -> None:
        self.inner = inner
        self.on_batch = on_batch
        self.batch = batch

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) <= self.batch:
            out = np.asarray(self.inner.embed(texts))
            self.on_batch(len(texts), len(texts))
            return out
        parts = []
        for start in range(0, len(texts), self.batch):
            parts.append(np.asarray(self.inner.embed(texts[start : start + self.batch])))
            self.on_batch(min(start + self.batch, len(texts)), len(texts))
        return np.vstack(parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def with_progress(embedder: Embedder, desc: str = "embedding") -> Embedder:
    """``embedder`` with a progress bar on stderr (shown only when stderr is a terminal)."""
    from tqdm import tqdm

    bars: dict[int, Any] = {}

    def on_batch(done: int, total: int) -> None:
        bar = bars.get(total)
        if bar is None or bar.n > done:  # a new run of texts
            bar = bars[total] = tqdm(total=total, desc=desc, unit="text", disable=None, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    wrapped: Embedder = ProgressEmbedder(embedder, on_batch)
    return wrapped
