"""Hashed word and character n-gram features for the injection classifier (numpy/scipy only).

Feature hashing (Weinberger et al. 2009) keeps the model a fixed-size weight vector with no
vocabulary to ship: words, word bigrams and character 3-5-grams of the canonical text are hashed
with CRC32 into ``dim`` signed buckets, counts are log-scaled and each row is L2-normalized.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse

from veracity.guard.normalize import canonical

DEFAULT_DIM = 1 << 18
MAX_CHARS = 3000  # features from the first 3000 canonical characters; floods add nothing later
_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9]")


def _tokens(text: str, char_ngrams: tuple[int, int]) -> list[str]:
    words = _WORD.findall(text)
    feats = [f"w:{w}" for w in words]
    feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    lo, hi = char_ngrams
    padded = f" {text} "
    for n in range(lo, hi + 1):
        feats += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    feats.append(f"len:{int(math.log2(len(text) + 1))}")
    feats.append(f"lines:{min(text.count(chr(10)), 8)}")
    return feats


def featurize(
    texts: Sequence[str],
    dim: int = DEFAULT_DIM,
    char_ngrams: tuple[int, int] = (3, 5),
    *,
    already_canonical: bool = False,
) -> scipy.sparse.csr_matrix:
    """A ``(len(texts), dim)`` float32 CSR matrix of hashed, log-scaled, L2-normalized features."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, text in enumerate(texts):
        t = (text if already_canonical else canonical(text))[:MAX_CHARS]
        bucket: dict[int, float] = {}
        for f in _tokens(t, char_ngrams):
            h = zlib.crc32(f.encode("utf-8"))
            col = h % dim
            bucket[col] = bucket.get(col, 0.0) + (1.0 if (h >> 31) & 1 else -1.0)
        if not bucket:
            continue
        keys = list(bucket)
        v = np.array([bucket[k] for k in keys])
        v = np.sign(v) * np.log1p(np.abs(v))
        norm = float(np.linalg.norm(v)) or 1.0
        rows += [r] * len(keys)
        cols += keys
        vals += (v / norm).tolist()
    return scipy.sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(texts), dim)
    )
