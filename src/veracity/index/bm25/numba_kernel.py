"""The numba version of ``kernels.segment_top_k``: one pass per query, a heap for the top k.

Imported only when numba is installed. Per query it accumulates float64 scores over the query
terms' postings into a scratch array (remembering which documents it touched, so it never scans or
clears the whole segment), then keeps the k best in a min-heap ordered by (score, -id), as bm25s
does with its numba selection (after retriv). Results equal ``kernels._topk_numpy`` bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _worse(s1: float, i1: int, s2: float, i2: int) -> bool:
    """True when (s1, i1) ranks below (s2, i2): lower score, or equal score and larger id."""
    return s1 < s2 or (s1 == s2 and i1 > i2)


@njit(cache=True, nogil=True)
def _sift_down(hs: Any, hi: Any, n: int) -> None:
    """Restore the min-heap (worst at the root) after replacing the root."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= n:
            break
        right = child + 1
        if right < n and _worse(hs[right], hi[right], hs[child], hi[child]):
            child = right
        if not _worse(hs[child], hi[child], hs[pos], hi[pos]):
            break
        hs[pos], hs[child] = hs[child], hs[pos]
        hi[pos], hi[child] = hi[child], hi[pos]
        pos = child


@njit(cache=True, nogil=True)
def _sift_up(hs: Any, hi: Any, pos: int) -> None:
    while pos > 0:
        parent = (pos - 1) >> 1
        if not _worse(hs[pos], hi[pos], hs[parent], hi[parent]):
            break
        hs[pos], hs[parent] = hs[parent], hs[pos]
        hi[pos], hi[parent] = hi[parent], hi[pos]
        pos = parent


@njit(cache=True, nogil=True)
def segment_top_k(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_ptr: Any, q_pos: Any, q_w: Any, k: int,
) -> Any:  # fmt: skip
    n_docs = len(ids)
    n_queries = len(q_ptr) - 1
    acc = np.zeros(n_docs, dtype=np.float64)
    stamp = np.zeros(n_docs, dtype=np.int64)  # query number + 1 that last touched a doc
    touched = np.empty(n_docs, dtype=np.int64)
    heap_s = np.empty(k, dtype=np.float64)  # min-heap of the k best so far, worst at the root
    heap_i = np.empty(k, dtype=np.int64)
    out_ptr = np.zeros(n_queries + 1, dtype=np.int64)
    out_ids = np.empty(n_queries * k, dtype=np.int64)
    out_scores = np.empty(n_queries * k, dtype=np.float64)
    for q in range(n_queries):
        m = 0
        for j in range(q_ptr[q], q_ptr[q + 1]):
            p = q_pos[j]
            if p < 0:
                continue
            w = q_w[j]
            for i in range(indptr[p], indptr[p + 1]):
                d = docs[i]
                if stamp[d] != q + 1:
                    stamp[d] = q + 1
                    touched[m] = d
                    m += 1
                acc[d] += np.float64(tfc[i] * w)
        n = 0
        for t in range(m):
            d = touched[t]
            s = acc[d]
            acc[d] = 0.0
            if s <= 0.0 or not eligible[d]:
                continue
            doc_id = ids[d]
            if n < k:
                heap_s[n] = s
                heap_i[n] = doc_id
                _sift_up(heap_s, heap_i, n)
                n += 1
            elif _worse(heap_s[0], heap_i[0], s, doc_id):
                heap_s[0] = s
                heap_i[0] = doc_id
                _sift_down(heap_s, heap_i, n)
        # Pop worst-first into the output back to front: best first, ties by ascending id.
        start = out_ptr[q]
        for r in range(n - 1, -1, -1):
            out_scores[start + r] = heap_s[0]
            out_ids[start + r] = heap_i[0]
            heap_s[0] = heap_s[r]
            heap_i[0] = heap_i[r]
            _sift_down(heap_s, heap_i, r)
        out_ptr[q + 1] = start + n
    return out_ptr, out_ids[: out_ptr[n_queries]], out_scores[: out_ptr[n_queries]]
