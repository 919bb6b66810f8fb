"""A deterministic, dependency-free embedder for tests: hashed word and character-trigram features.

Texts sharing words get similar vectors, so retrieval tests behave sensibly, yet nothing is
downloaded and the result is identical on every machine.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from veracity.embed.base import normalize

_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """Feature hashing of lowercase words (weight 1) and their character trigrams (weight 0.5)."""

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            from veracity.errors import ConfigError

            raise ConfigError(f"hash embedder dim must be >= 8, got {dim}")
        self.dim = dim
        self.name = f"hash-{dim}"

    def _features(self, text: str) -> list[tuple[int, float]]:
        feats: list[tuple[int, float]] = []
        for word in _WORD.findall(text.lower()):
            h = zlib.crc32(word.encode("utf-8"))
            feats.append((h, 1.0))
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                feats.append((zlib.crc32(padded[i : i + 3].encode("utf-8")), 0.5))
        return feats

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for row, text in enumerate(texts):
            for h, weight in self._features(text):
                sign = 1.0 if (h >> 31) & 1 else -1.0
                out[row, h % self.dim] += sign * weight
        return normalize(out)
