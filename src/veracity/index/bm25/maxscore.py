"""Dynamic pruning for small k: term-at-a-time MaxScore over a dense score array (numba).

Turtle and Flood, "Query evaluation: strategies and optimizations" (IP&M 1995), in a
term-at-a-time form. Each segment keeps, per term, the largest cached tfc of its postings
(``Segment.term_max``), so ``float32(max_tfc * idf)`` bounds what the term adds to any
document. Per query whose postings cover a good part of the segment (those that ``numba_kernel``
scores densely) and k < 32:

1. Take the terms in the canonical order, rarest first. The last terms whose bounds sum to at
   most ``SPLIT`` of the total are *non-essential*: their sum ``rest`` is all they can add.
2. Add the essential terms' postings into the dense array. The k-th largest block maximum of
   the partial scores (``numba_kernel._kth_block``) is ``theta``: k eligible documents already
   score at least ``theta``, so the final k-th score is no lower.
3. A block whose maximum plus ``rest`` is below ``theta`` cannot hold a top-k document, nor can a
   document whose partial score plus ``rest`` is. Each non-essential term is added to the others
   (the survivors) only: a branch-free binary search in its postings per survivor, or a masked
   walk when they are many; more are dropped as ``rest`` shrinks. The survivors go to the heap.
4. When ``theta`` does not clear ``rest`` or the survivors are too many, the remaining terms are
   added densely and the query ends as the exhaustive kernel does.

Measured (one thread, kernel alone, docs/benchmarks.md for the whole index): exact, but no faster
than the exhaustive kernel on the corpora at hand, so ``BM25Index(prune="none")`` stays the
default. On SciFact at k=10 the split leaves 1-3 common terms per query and pruning applies to
about 250 of 300 queries, skipping about half of their postings, but with about 70 survivors per
query a binary search costs ~20 ns per survivor and term, as much as reading the postings it
saves (~1.1 ns each): 7.5-7.7 against 7.3-7.7 us per query (SPLIT 0.03-0.05; 0.1 leaves more
survivors and is 10 us). A direct doc-to-posting map for common terms (O(1) probes, 2.4 MB more
for SciFact) was only ~8% faster than exhaustive in a prototype; since the dense rows of
``Segment.columns`` (which both kernels add, and through which this one probes its survivors in
O(1)), the two run level on SciFact (1.61x and 1.62x bm25s at k=10, docs/benchmarks.md). On the
200k-document Zipf corpus
(2-5 term queries, scored sparsely) a simulation found 78% of the postings skippable at k=10 but
a median of 725 survivors per query, too many to probe profitably. MaxScore pays where
non-essential terms have postings far longer than the survivors times a search (millions of
documents, long queries).

Scores stay identical bit for bit: a query's terms arrive in the canonical order (idf, highest
first; ``kernels``), the essential terms are a prefix of it and the non-essential ones the rest, so
every document's float32 sum adds the same contributions in the same order as the exhaustive
kernels do. Each pruning test allows for float32 rounding: n more additions may round a sum up to
``(1 + 2**-24)**n`` times its exact value, under the slack ``1 + (n + 1) * 2**-23``. Pruning tests
are strict (a document tying the k-th score may win on its smaller id), so ids and tie order match.

Bounds stay bounds under updates: they are recomputed with a term's tfc cache whenever the average
length changes, tombstones only remove postings (a stale maximum is still an upper bound), and the
idf is the query's. Tombstones and the ``allowed`` pre-filter
(``eligible``) are applied before a document counts towards ``theta`` or is offered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from veracity.index.bm25.numba_kernel import (
    W,
    _add_term,
    _block_max,
    _dense,
    _drain,
    _kth_block,
    _push,
    _select_blocks,
    query_top_k,
    scratch,
)
from veracity.index.bm25.numba_kernel import segment_top_k as exhaustive_top_k

ULP = 2.0**-23  # twice float32's unit roundoff: the slack per term of a pruning test
SPLIT = 0.05  # non-essential terms: the lowest bounds that sum to at most this share of all


@njit(cache=True, nogil=True)
def _gather(
    t_max: Any, q_pos: Any, q_w: Any, start: int, end: int, tp: Any, tw: Any, tu: Any
) -> int:
    """The query's scoring terms into (tp, tw, tu), in the canonical order; how many."""
    nt = 0
    for j in range(start, end):
        p = q_pos[j]
        w = q_w[j]
        if p < 0 or w <= 0.0:
            continue
        tp[nt] = p
        tw[nt] = w
        tu[nt] = np.float64(t_max[p] * w)  # the same float32 product as a posting's
        nt += 1
    return nt


@njit(cache=True, nogil=True)
def _survivors(
    acc: Any, bm: Any, eligible: Any, rest: float, theta: float, safe: float, cand: Any,
    n_docs: int,
) -> int:  # fmt: skip
    """The eligible documents whose partial score plus ``rest`` reaches ``theta``, into ``cand``."""
    c = 0
    nb = len(bm)
    for b in range(nb):
        if (bm[b] + rest) * safe < theta:
            continue
        for d in range(b, min(b + W * nb, n_docs), nb):  # block b: strided, see _block_max
            cand[c] = d
            c += eligible[d] & ((acc[d] + rest) * safe >= theta)
    return c


@njit(cache=True, nogil=True)
def _probe(
    indptr: Any, docs: Any, tfc: Any, p: int, w: Any, cand: Any, c: int, acc: Any, mask: Any,
    columns: Any,
) -> None:  # fmt: skip
    """Add term ``p`` to the ``c`` candidates only: from its dense row when it has one, else a
    binary search in its postings per candidate, or one masked walk over them when cheaper."""
    col_of, cols = columns
    if p < len(col_of) and col_of[p] >= 0:
        row = cols[col_of[p]]
        for t in range(c):
            acc[cand[t]] += row[cand[t]] * w  # 0.0 where the document lacks the term
        return
    lo0, hi0 = indptr[p], indptr[p + 1]
    if c * 16 < hi0 - lo0:
        for t in range(c):
            d = cand[t]
            base = lo0
            size = hi0 - lo0
            while size > 1:  # branch-free halving: a conditional move, no mispredictions
                half = size >> 1
                base = base + half if docs[base + half] <= d else base
                size -= half
            if docs[base] == d:
                acc[d] += tfc[base] * w
        return
    for t in range(c):
        mask[cand[t]] = 1.0
    for i in range(lo0, hi0):
        d = docs[i]
        acc[d] += mask[d] * (tfc[i] * w)  # + 0.0 elsewhere: branch-free
    for t in range(c):
        mask[cand[t]] = 0.0


@njit(cache=True, nogil=True)
def _prune(cand: Any, c: int, acc: Any, rest: float, theta: float, safe: float) -> int:
    """Keep the candidates whose partial score plus ``rest`` reaches ``theta``."""
    m = 0
    for t in range(c):
        d = cand[t]
        cand[m] = d
        m += (acc[d] + rest) * safe >= theta
    return m


@njit(cache=True, nogil=True)
def _maxscore(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    tp: Any, tw: Any, tu: Any, nt: int, k: int, floor: float, work: Any, mask: Any,
    columns: Any,
) -> int:  # fmt: skip
    """One dense query, its terms in the canonical order; returns the heap size (see the
    module docstring)."""
    acc, cand, _, _, heap_s, heap_i, bm, sel, live, masked = work
    col_of, cols = columns
    n_docs = len(ids)
    safe = 1.0 + (nt + 1) * ULP  # above (1 + u)**nt: what float32 sums may round up
    total = 0.0
    for i in range(nt):
        total += tu[i]
    s = nt  # the first non-essential term
    rest = 0.0
    while s > 1 and rest + tu[s - 1] <= SPLIT * total:
        s -= 1
        rest += tu[s]
    left = 0
    for i in range(s, nt):
        left += indptr[tp[i] + 1] - indptr[tp[i]]
    for i in range(s):
        _add_term(indptr, docs, tfc, tp[i], tw[i], acc, col_of, cols)
    top = _block_max(acc, live, masked, bm, sel)
    if s < nt and top > 0.0:
        # k blocks each hold an eligible document whose partial score, hence its final one,
        # is at least the k-th largest block maximum: a floor on the final k-th score.
        theta = max(_kth_block(bm, sel, k)[0], floor)
        if rest * safe < theta:
            c = _survivors(acc, bm, eligible, rest, theta, safe, cand, n_docs)
            if c * 8 < left:
                n = _finish(
                    indptr, docs, tfc, ids, tp, tw, tu, s, nt, k, work, mask, columns, c, theta
                )
                acc[:] = 0.0
                return n
    for i in range(s, nt):  # no pruning: the rest of the terms, densely
        _add_term(indptr, docs, tfc, tp[i], tw[i], acc, col_of, cols)
    if s < nt:
        _block_max(acc, live, masked, bm, sel)
    n = _select_blocks(acc, bm, sel, ids, eligible, heap_s, heap_i, k, floor)
    acc[:] = 0.0
    return n


@njit(cache=True, nogil=True)
def _finish(
    indptr: Any, docs: Any, tfc: Any, ids: Any, tp: Any, tw: Any, tu: Any,
    s: int, nt: int, k: int, work: Any, mask: Any, columns: Any, c: int, theta: float,
) -> int:  # fmt: skip
    """Add the non-essential terms ``s:nt`` to the ``c`` survivors, in order; offer them."""
    acc, cand, _, _, heap_s, heap_i, _, _, _, _ = work
    safe = 1.0 + (nt + 1) * ULP
    rest = 0.0
    for i in range(s, nt):
        rest += tu[i]
    for i in range(s, nt):
        _probe(indptr, docs, tfc, tp[i], tw[i], cand, c, acc, mask, columns)
        rest -= tu[i]
        if i + 1 < nt:
            c = _prune(cand, c, acc, max(rest, 0.0), theta, safe)
    n = 0
    for t in range(c):
        d = cand[t]
        sc = acc[d]
        if sc < theta or (n == k and sc < heap_s[0]):
            continue  # below theta: k documents score more
        n = _push(sc, ids[d], heap_s, heap_i, n, k)
    return n


@njit(cache=True, nogil=True)
def segment_top_k(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_ptr: Any, q_pos: Any, q_w: Any, k: int, floor: Any, t_max: Any, columns: Any, tile: int,
) -> Any:  # fmt: skip
    """``numba_kernel.segment_top_k`` with MaxScore pruning; the same results, bit for bit.
    A segment of more than ``tile`` documents is scored exhaustively, a tile at a time: MaxScore
    here works on a dense score array of the whole segment, which that segment would not keep
    in cache."""
    n_docs = len(ids)
    if n_docs > tile:
        return exhaustive_top_k(
            indptr, docs, tfc, ids, eligible, q_ptr, q_pos, q_w, k, floor, columns, tile
        )  # fmt: skip
    n_queries = len(q_ptr) - 1
    work = scratch(n_docs, k, eligible, tile)
    heap_s, heap_i = work[4], work[5]
    mask = np.zeros(n_docs, dtype=np.float32)
    width = 1
    for q in range(n_queries):
        width = max(width, q_ptr[q + 1] - q_ptr[q])
    tp = np.empty(width, dtype=np.int64)  # the query's scoring terms: positions,
    tw = np.empty(width, dtype=np.float32)  # weights (idf),
    tu = np.empty(width, dtype=np.float64)  # and bounds
    out_ptr = np.zeros(n_queries + 1, dtype=np.int64)
    out_ids = np.empty(n_queries * k, dtype=np.int64)
    out_scores = np.empty(n_queries * k, dtype=np.float64)
    for q in range(n_queries):
        start, end = q_ptr[q], q_ptr[q + 1]
        nt = _gather(t_max, q_pos, q_w, start, end, tp, tw, tu)
        if nt > 1 and k < 32 and _dense(indptr, q_pos, q_w, start, end, n_docs):
            n = _maxscore(
                indptr, docs, tfc, ids, eligible, tp, tw, tu, nt, k, floor[q], work, mask, columns
            )
        else:
            n = query_top_k(
                indptr, docs, tfc, ids, eligible, q_pos, q_w, start, end, k, floor[q], work,
                columns, tile,
            )  # fmt: skip
        out_ptr[q + 1] = _drain(heap_s, heap_i, n, out_ids, out_scores, out_ptr[q])
    return out_ptr, out_ids[: out_ptr[n_queries]], out_scores[: out_ptr[n_queries]]
