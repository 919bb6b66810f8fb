"""Dynamic pruning for small k: block-max over fixed document ranges (numba).

Each segment cuts its local documents into blocks of ``segment.BLOCK`` and keeps, per term and
block, the largest cached tfc of the term's postings there (``Segment.blocks``). Blocks aligned to
document ranges are shared by all terms, as in the docid-aligned block-max indexes of Dimopoulos,
Nepomnyachiy and Suel (WSDM 2013) and block-max pruning of Mallia, Suel and Tonellotto (SIGIR
2024). Per query:

1. A block's bound is the sum over query terms of ``float32(blk_max * idf)``: one pass over the
   terms' block entries (a common term has about one per block, far fewer than its postings).
2. Two term-at-a-time passes over the terms' block entries, in the canonical term order. The
   first scores only blocks in the top buckets of a 64-bucket histogram of the bounds (about k
   blocks), which fills the heap with good documents; its worst score ``theta`` is then the
   bar. The second
   scores every other block whose bound is not *strictly* below ``theta`` (a document scoring
   exactly ``theta`` with a smaller id than the heap's worst still enters) and skips the postings
   of all the rest. Within a pass the bar is fixed, so a block is either scored for every term or
   for none.
3. A scored block's postings are added into a float32 accumulator from 0.0 in the canonical
   term order (``kernels``), the same float32 products and the same additions as the exhaustive
   kernels, so ids, scores and tie order are identical bit for bit; touched documents are
   remembered branch-free and offered to the heap after the pass.

Measured (one thread, kernel alone, same machine as docs/benchmarks.md): exact, but slower than
the exhaustive kernel on the corpora at hand, so ``BM25Index(prune="none")`` is the default. On
the 200k-document Zipf corpus at k=10 the second pass still scores about a quarter of the postings
(a tenth would reach the final k-th score), and walking the block entries costs about as much as
the postings they skip: its most common query terms hold about 2 postings per 32-document block,
so their entries are nearly as many as their postings (0.64x the exhaustive kernel's queries per
second). On SciFact (5k documents, about 10 terms a query) bounds are loose and 0.4x. Pruning
pays where posting lists are long next to the blocks (corpora of millions, long queries with
common terms); a document-at-a-time MaxScore tried first was slower still here (0.2x on
SciFact, 0.8x on the 200k corpus: a branchy step per document instead of a streamed one per
posting).

Bounds stay true bounds under updates: ``blk_max`` is recomputed with the term's tfc whenever the
average length changes, tombstones only remove postings, and idf is the query's. Each bound
dominates the scores of its block exactly (both are float32 sums in the same term order, each
term's block maximum is at least each of its postings there, and float rounding is monotonic);
``SAFE`` is slack on top. Tombstones and the ``allowed`` pre-filter (``eligible``) are
tested before a document is offered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from veracity.index.bm25.numba_kernel import _accumulate_dense, _drain, _push

SAFE = 1.0 + 1e-9
N_BUCKETS = 64


@njit(cache=True, nogil=True)
def lowest_cut(counts: Any, n_buckets: int, want: int) -> int:
    """The highest bucket ``cut`` such that ``counts[cut:n_buckets]`` sums to at least ``want``
    (0 when all buckets together hold fewer)."""
    total = 0
    cut = n_buckets - 1
    while cut > 0:
        total += counts[cut]
        if total >= want:
            break
        cut -= 1
    return cut


@njit(cache=True, nogil=True)
def _top_buckets(ub: Any, counts: Any, want: int) -> tuple[float, int]:
    """(scale, cut): ``int(ub * scale)`` is a bound's bucket in [0, N_BUCKETS), and the buckets
    from ``cut`` up hold at least ``want`` blocks (all of them when fewer exist)."""
    top = 0.0
    for b in range(len(ub)):
        top = max(top, ub[b])
    if top <= 0.0:
        return 0.0, N_BUCKETS
    scale = (N_BUCKETS - 0.001) / top
    counts[:] = 0
    for b in range(len(ub)):
        counts[int(ub[b] * scale)] += 1
    counts[0] = 0  # bucket 0 also counts the untouched blocks (bound 0)
    return scale, lowest_cut(counts, N_BUCKETS, want)


@njit(cache=True, nogil=True)
def _pass(
    lo: int, hi: int, scale: float, ub: Any,
    blk_ptr: Any, blk_ids: Any, blk_start: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_pos: Any, q_w: Any, start: int, end: int, acc: Any, cand: Any,
    heap_s: Any, heap_i: Any, n: int, k: int,
) -> int:  # fmt: skip
    """Score the blocks whose bucket is in [lo, hi) and whose bound reaches the heap's worst
    score (fixed for the pass); offer their documents. Returns the heap size."""
    full = n == k
    theta = heap_s[0] if full else 0.0
    m = 0
    for j in range(start, end):  # the canonical order, as the exhaustive kernels add
        p = q_pos[j]
        w = q_w[j]
        if p < 0 or w <= 0.0:
            continue
        for e in range(blk_ptr[p], blk_ptr[p + 1]):
            u = ub[blk_ids[e]]
            c = int(u * scale)
            if c < lo or c >= hi or (full and u * SAFE < theta):
                continue
            for i in range(blk_start[e], blk_start[e + 1]):
                d = docs[i]
                a = acc[d]
                cand[m] = d  # branch-free "first touch": the index advances only then
                m += a == 0.0
                acc[d] = a + tfc[i] * w
    for t in range(m):
        d = cand[t]
        s = acc[d]
        acc[d] = 0.0
        if s <= 0.0 or (n == k and s < heap_s[0]) or not eligible[d]:
            continue
        n = _push(s, ids[d], heap_s, heap_i, n, k)
    return n


@njit(cache=True, nogil=True)
def segment_top_k(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_ptr: Any, q_pos: Any, q_w: Any, k: int,
    blk_ptr: Any, blk_ids: Any, blk_start: Any, blk_max: Any, block: int,
) -> Any:  # fmt: skip
    """``numba_kernel.segment_top_k`` with block-max pruning; same results, bit for bit."""
    n_queries = len(q_ptr) - 1
    n_docs = len(ids)
    ub = np.zeros((n_docs + block - 1) // block, dtype=np.float32)
    counts = np.zeros(N_BUCKETS, dtype=np.int64)
    no_rows = (np.empty(0, dtype=np.int32), np.empty((0, 0), dtype=np.float32))
    acc = np.zeros(n_docs, dtype=np.float32)
    cand = np.empty(n_docs + 1, dtype=np.int64)
    heap_s = np.empty(k, dtype=np.float64)
    heap_i = np.empty(k, dtype=np.int64)
    out_ptr = np.zeros(n_queries + 1, dtype=np.int64)
    out_ids = np.empty(n_queries * k, dtype=np.int64)
    out_scores = np.empty(n_queries * k, dtype=np.float64)
    for q in range(n_queries):
        start, end = q_ptr[q], q_ptr[q + 1]
        # each block's bound: the weighted sum of its terms' block maxima, as postings sum
        _accumulate_dense(blk_ptr, blk_ids, blk_max, q_pos, q_w, start, end, ub, *no_rows)
        scale, cut = _top_buckets(ub, counts, k)
        n = 0
        for lo, hi in ((cut, N_BUCKETS), (0, cut)):
            n = _pass(
                lo, hi, scale, ub, blk_ptr, blk_ids, blk_start, docs, tfc, ids, eligible,
                q_pos, q_w, start, end, acc, cand, heap_s, heap_i, n, k,
            )  # fmt: skip
        ub[:] = 0.0
        out_ptr[q + 1] = _drain(heap_s, heap_i, n, out_ids, out_scores, out_ptr[q])
    return out_ptr, out_ids[: out_ptr[n_queries]], out_scores[: out_ptr[n_queries]]
