"""The vectorized feature hasher gives bit for bit the matrix of the per-string definition."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest
import scipy.sparse

from veracity.guard.features import _BLOCK_ROWS, _MAX_SPAN, MAX_CHARS, _tokens, featurize


def reference(texts: list[str], dim: int, char_ngrams: tuple[int, int]) -> scipy.sparse.csr_matrix:
    """The original featurizer: each feature string hashed with zlib, buckets in a dict."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, text in enumerate(texts):
        bucket: dict[int, float] = {}
        for f in _tokens(text[:MAX_CHARS], char_ngrams):
            h = zlib.crc32(f.encode("utf-8"))
            bucket[h % dim] = bucket.get(h % dim, 0.0) + (1.0 if (h >> 31) & 1 else -1.0)
        v = np.array(list(bucket.values()))
        v = np.sign(v) * np.log1p(np.abs(v))
        norm = float(np.linalg.norm(v)) or 1.0
        rows += [r] * len(bucket)
        cols += list(bucket)
        vals += (v / norm).tolist()
    return scipy.sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(texts), dim)
    )


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = list("abcdeiorst 0123'.,!?-_\n") + list("éßμ–’中🙂\u00a0\u3000") + ["ab" * 20]
    texts = ["", " ", "a", "ab", "x" * (_MAX_SPAN + 5), "y " * (MAX_CHARS // 2 + 10)]
    for _ in range(n):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))))
    texts.append("the quick brown fox " * 200)  # longer than MAX_CHARS
    texts.append(" ".join(["supercalifragilistic" * 3, "pneumonoultramicroscopic"] * 10))
    return texts


@pytest.mark.parametrize(
    ("dim", "char_ngrams"), [(1 << 18, (3, 5)), (1024, (3, 4)), (97, (0, 2)), (1 << 20, (2, 6))]
)
def test_featurize_equals_the_per_string_definition(dim: int, char_ngrams: tuple[int, int]) -> None:
    texts = _random_texts(_BLOCK_ROWS + 40, seed=dim)  # more than one block of rows
    got = featurize(texts, dim, char_ngrams, already_canonical=True)
    want = reference(texts, dim, char_ngrams)
    assert got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert got.data.dtype == np.float32
    assert got.data.tobytes() == want.data.tobytes()  # bit for bit, norms included


def test_featurize_one_text_equals_a_batch() -> None:
    texts = _random_texts(30, seed=7)
    batch = featurize(texts, already_canonical=True)
    for i, t in enumerate(texts):
        one = featurize([t], already_canonical=True)
        assert (one != batch[i]).nnz == 0


def test_featurize_edge_inputs() -> None:
    assert featurize([]).shape == (0, 1 << 18)
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate cannot be hashed, as before
        featurize(["ok \ud800"], already_canonical=True)
