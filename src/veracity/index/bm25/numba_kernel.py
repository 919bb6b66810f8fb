"""The numba version of ``kernels.segment_top_k``, imported only when numba is installed.

Per query, in one compiled pass (measured on SciFact, 1 thread; see docs/benchmarks.md):

1. Accumulate float32 scores over the query terms' postings into a scratch array. When the
   postings are few next to the segment (``n_post * 4 < n_docs``) the touched documents are
   remembered, branch-free, so nothing scans the whole segment (on a 200k-document corpus this
   made k=10 about 1.2x and k=100 about 1.4x faster than the former cut at ``n_post * 16``).
2. Queries with k < 32 whose postings are at least 1/16 of the segment: the maximum of each block
   of ``W`` documents and of each group of ``W`` blocks, then a lower bound ``theta`` on the k-th
   largest block maximum (from the blocks of the best groups only, by bisection), and only the
   documents of blocks that reach ``theta`` are offered, when they reach it too. A block is strided
   (documents ``b, b + nb, ...``) so that its maxima are taken a row at a time, which vectorizes.
   This replaced (a) a scan of every document against the heap's worst score (about 65 heap offers
   per SciFact query, 11.0 us), then (b) contiguous blocks and a 64-bucket histogram of their
   maxima (about 25 offers, 9.3 us; the kernel alone then took 6.8-6.9 us per query and now
   5.9-6.1, interleaved in one process). For large k, a 256-bucket histogram of ``score / max``
   over the touched documents finds a floor that at least k candidates reach, so only about k
   candidates reach step 3 (this halved the time at k=100).
3. A min-heap keeps the k best in the total order (score descending, id ascending), as bm25s does
   with its numba selection (after retriv); its fast path is one float comparison.

Segments of more than ``TILE`` documents are scored a tile at a time (``_tiled_top_k``): a score
array of a million float64 (8 MB; float32 since) does not stay in cache, and a posting cost about 7
ns there against about 1 ns in a 32k-document tile (256 KB). On the 1M-document Zipf corpus of
``benchmarks.bm25_speed`` this took k=10 queries from 750 to 380 us (kernel alone, 1 thread); tiles
of 16k-128k documents were within 5% of each other, 256k was 1.3x slower.

What is left is mostly reading the postings (about 1.1 ns each here, 4.5-5 us of a SciFact
query's 9): ``maxscore`` skips some of them.

Editing this module: delete ``__pycache__/*.nbi`` and ``*.nbc`` beside it. numba's on-disk cache
checks only the source file of the function it caches, so ``maxscore`` and ``blockmax``, which
call into this module, keep machine code built against its old version (a segfault, seen when
the scratch arrays changed type). An install or upgrade replaces every file, so users are not
exposed.

Results equal ``kernels._topk_numpy`` bit for bit: the same float32 products, summed in float32
from 0.0 in the canonical term order. float32 sums (rather than float64) took SciFact queries from
about 5.7 to 5.0 us in the kernel: one conversion less per posting, half the scratch memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

W = 8  # documents per block of the dense top-k selection, blocks per group
BLOCKS_FROM = 16  # k < 32: block selection when postings * BLOCKS_FROM >= documents
BISECT = 7  # halvings in ``_floor_of_kth``: its bound is within 1/128 of the top score
TILE = 32768  # documents per tile of a larger segment: 128 KB of float32 scores stay in L2


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
def _n_postings(indptr: Any, q_pos: Any, q_w: Any, start: int, end: int) -> int:
    """How many postings a query's scoring terms hold in the segment."""
    n_post = 0
    for j in range(start, end):
        p = q_pos[j]
        if p >= 0 and q_w[j] > 0.0:
            n_post += indptr[p + 1] - indptr[p]
    return n_post


@njit(cache=True, nogil=True)
def _dense(indptr: Any, q_pos: Any, q_w: Any, start: int, end: int, n_docs: int) -> bool:
    """Whether a query's postings are many enough next to the segment to scan it densely."""
    return _n_postings(indptr, q_pos, q_w, start, end) * 4 >= n_docs


@njit(cache=True, nogil=True, inline="always")
def _add_term(
    indptr: Any, docs: Any, tfc: Any, p: int, w: Any, acc: Any, col_of: Any, cols: Any
) -> None:
    """Add term ``p``'s contributions to ``acc``: its dense row when it has one
    (``Segment.columns``; an absent term adds 0.0, which changes no sum), else its postings."""
    c = col_of[p] if p < len(col_of) else -1
    if c >= 0:
        row = cols[c]
        for d in range(len(row)):
            acc[d] += row[d] * w
    else:
        for i in range(indptr[p], indptr[p + 1]):
            acc[docs[i]] += tfc[i] * w


@njit(cache=True, nogil=True)
def _accumulate_dense(
    indptr: Any, docs: Any, tfc: Any, q_pos: Any, q_w: Any, start: int, end: int, acc: Any,
    col_of: Any, cols: Any,
) -> None:  # fmt: skip
    for j in range(start, end):
        p = q_pos[j]
        w = q_w[j]
        if p < 0 or w <= 0.0:
            continue
        _add_term(indptr, docs, tfc, p, w, acc, col_of, cols)


@njit(cache=True, nogil=True)
def _accumulate(
    indptr: Any, docs: Any, tfc: Any, q_pos: Any, q_w: Any, start: int, end: int,
    acc: Any, cand: Any, cand_s: Any, col_of: Any, cols: Any,
) -> int:  # fmt: skip
    """Score one query into ``acc``; move the scored docs to (cand, cand_s), clear ``acc``."""
    n_docs = len(acc)
    sparse = not _dense(indptr, q_pos, q_w, start, end, n_docs)
    m = 0
    for j in range(start, end):
        p = q_pos[j]
        w = q_w[j]
        if p < 0 or w <= 0.0:
            continue  # idf 0 adds nothing; skipping it keeps "acc == 0" meaning "untouched"
        if sparse:
            for i in range(indptr[p], indptr[p + 1]):
                d = docs[i]
                a = acc[d]
                cand[m] = d  # branch-free: a "first touch?" branch mispredicts half the time
                m += a == 0.0
                acc[d] = a + tfc[i] * w
        else:
            _add_term(indptr, docs, tfc, p, w, acc, col_of, cols)
    if sparse:
        for t in range(m):
            cand_s[t] = acc[cand[t]]
            acc[cand[t]] = 0.0
        return m
    for d in range(n_docs):
        s = acc[d]
        acc[d] = 0.0
        cand[m] = d
        cand_s[m] = s
        m += s > 0.0
    return m


@njit(cache=True, nogil=True)
def _prefilter(cand: Any, cand_s: Any, m: int, k: int, hist: Any, eligible: Any) -> int:
    """Keep the eligible candidates in the histogram buckets that hold the k best eligible ones.

    Returns the new count; the buckets count eligible candidates only, or a floor could drop
    eligible documents that a pre-filter or tombstones need to fill k.
    """
    top = 0.0
    for t in range(m):
        top = max(top, cand_s[t])
    scale = 255.999 / top
    hist[:] = 0
    for t in range(m):
        hist[int(cand_s[t] * scale)] += eligible[cand[t]]
    total = 0
    floor = 255
    while floor > 0:
        total += hist[floor]
        if total >= k:
            break
        floor -= 1
    if floor == 0:
        return m
    c = 0
    for t in range(m):
        s = cand_s[t]
        d = cand[t]
        cand_s[c] = s
        cand[c] = d
        c += (int(s * scale) >= floor) & eligible[d]
    return c


@njit(cache=True, nogil=True)
def _push(s: float, doc_id: int, heap_s: Any, heap_i: Any, n: int, k: int) -> int:
    """Offer (s, doc_id) to the heap of size ``n`` (capacity k); returns the new size."""
    if n < k:
        heap_s[n] = s
        heap_i[n] = doc_id
        _sift_up(heap_s, heap_i, n)
        return n + 1
    if _worse(heap_s[0], heap_i[0], s, doc_id):
        heap_s[0] = s
        heap_i[0] = doc_id
        _sift_down(heap_s, heap_i, n)
    return n


@njit(cache=True, nogil=True)
def _drain(heap_s: Any, heap_i: Any, n: int, out_ids: Any, out_scores: Any, start: int) -> int:
    """Pop the heap of size ``n`` worst-first into ``out_*[start : start + n]`` back to front,
    so the output runs best first, ties by ascending id; returns ``start + n``."""
    for r in range(n - 1, -1, -1):
        out_scores[start + r] = heap_s[0]
        out_ids[start + r] = heap_i[0]
        heap_s[0] = heap_s[r]
        heap_i[0] = heap_i[r]
        _sift_down(heap_s, heap_i, r)
    return start + n


@njit(cache=True, nogil=True)
def _offer(
    s: float, d: int, ids: Any, eligible: Any, heap_s: Any, heap_i: Any, n: int, k: int
) -> int:
    """Offer local document ``d`` with score ``s`` when it is eligible."""
    if not eligible[d]:
        return n
    return _push(s, ids[d], heap_s, heap_i, n, k)


@njit(cache=True, nogil=True)
def _strided_max(src: Any, dst: Any, n: int) -> None:
    """``dst[b] = max(src[b], src[b + n], ..., src[b + (W-1)*n])`` for ``b < n``: whole rows of
    ``src`` at a time, which vectorizes (a maximum over W neighbours does not)."""
    for b in range(n):
        dst[b] = src[b]
    for j in range(1, W):
        o = j * n
        for b in range(n):
            x = src[o + b]
            y = dst[b]
            dst[b] = x if x > y else y


@njit(cache=True, nogil=True)
def _block_max(acc: Any, live: Any, masked: bool, bm: Any, sel: Any) -> float:
    """``bm[b]``: the best eligible score of block ``b``, the documents ``b + j*len(bm)`` for
    ``j < W``; ``sel[0]`` the same over groups of W blocks. Returns the best score.

    ``live`` (float 1.0/0.0 per document) zeroes ineligible ones when ``masked``."""
    nb = len(bm)
    if masked:
        for b in range(nb):
            bm[b] = acc[b] * live[b]
        for j in range(1, W):
            o = j * nb
            for b in range(nb):
                x = acc[o + b] * live[o + b]
                y = bm[b]
                bm[b] = x if x > y else y
    else:
        _strided_max(acc, bm, nb)
    groups = sel[0]
    _strided_max(bm, groups, len(groups))
    top = 0.0
    for g in range(len(groups)):
        top = max(top, groups[g])
    return top


@njit(cache=True, nogil=True)
def _floor_of_kth(x: Any, n: int, k: int, lo: float) -> float:
    """A lower bound on the k-th largest of ``x[:n]``, within 1/2**BISECT of the largest (``lo``
    when fewer than k exceed it), by bisection on counts: each count is a branch-free pass,
    where keeping a sorted top k (as this kernel did) mispredicts a branch at most insertions.
    On SciFact at k=10 that took the choice of blocks from about 0.95 to 0.55 us per query."""
    hi = lo
    for t in range(n):
        hi = max(hi, x[t])
    for _ in range(BISECT):
        mid = 0.5 * (lo + hi)
        count = 0
        for t in range(n):
            count += x[t] >= mid
        if count >= k:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _kth_block(bm: Any, sel: Any, k: int) -> tuple[float, int]:
    """``(theta, c)``: ``theta`` a lower bound on the k-th largest block maximum (0.0 when fewer
    than k blocks score), so k eligible documents score at least ``theta``; ``sel[1][:c]`` the
    blocks that may reach it. A bound on the k-th largest group maximum is one too, so only the
    blocks of the groups that reach it are looked at (about k groups of W blocks)."""
    groups, blocks, maxima = sel
    n_groups = len(groups)
    bound = _floor_of_kth(groups, n_groups, k, 0.0)  # k groups hold a block at least this good
    c = 0
    for g in range(n_groups):
        if groups[g] < bound or groups[g] == 0.0:
            continue
        for j in range(W):
            b = g + j * n_groups
            x = bm[b]
            blocks[c] = b
            maxima[c] = x
            c += (x >= bound) & (x > 0.0)
    return _floor_of_kth(maxima, c, k, bound), c


@njit(cache=True, nogil=True)
def _select_blocks(
    acc: Any, bm: Any, sel: Any, ids: Any, eligible: Any,
    heap_s: Any, heap_i: Any, k: int, floor: float,
) -> int:  # fmt: skip
    """Top k of a dense score array (``bm`` and ``sel`` filled by ``_block_max``), offering only
    the documents of blocks that reach a lower bound on the k-th largest block maximum: k
    blocks reach it, each holding an eligible document at least as good, so a lower document
    cannot be in the top k. Returns the heap size."""
    theta, c = _kth_block(bm, sel, k)
    blocks = sel[1]
    nb = len(bm)
    n_docs = len(ids)
    worst = max(theta, floor, 5e-324)  # > 0: also skips unscored documents and the padding
    n = 0
    for t in range(c):
        b = blocks[t]
        if bm[b] < worst:
            continue
        for j in range(W):
            d = b + j * nb
            s = acc[d]
            if s < worst or d >= n_docs:
                continue
            n = _offer(s, d, ids, eligible, heap_s, heap_i, n, k)
            if n == k:
                worst = heap_s[0]
    return n


@njit(cache=True, nogil=True)
def scratch(n_docs: int, k: int, eligible: Any, tile: int) -> Any:
    """Per-call work arrays, shared by this kernel and ``maxscore``. Documents form ``nb``
    strided blocks of W and the blocks ``nb / W`` strided groups of W (see ``_block_max``);
    ``acc`` is padded to ``nb * W`` documents, its padding never written. A segment of more than
    ``tile`` documents is scored a tile at a time, so its arrays hold one tile: a single query
    on a 1M-document segment no longer allocates and fills 33 MB."""
    tiled = n_docs > tile
    n = tile if tiled else n_docs
    n_groups = ((n + W - 1) // W + W - 1) // W
    nb = n_groups * W
    live = np.zeros(nb * W, dtype=np.float32)
    masked = False
    for d in range(0 if tiled else n_docs):  # block maxima only: not used by tiles
        live[d] = 1.0 if eligible[d] else 0.0
        masked |= not eligible[d]
    sel = (
        np.zeros(n_groups, dtype=np.float32),  # group maxima
        np.empty(nb, dtype=np.int64),  # blocks that may hold a top-k document
        np.empty(nb, dtype=np.float32),  # their maxima
    )
    return (
        np.zeros(nb * W, dtype=np.float32),  # acc: dense scores, all zero between queries
        np.empty(n + 1, dtype=np.int64),  # cand: touched documents
        np.empty(n + 1, dtype=np.float32),  # cand_s: their scores
        np.zeros(256, dtype=np.int64),  # hist
        np.empty(k, dtype=np.float64),  # heap scores: the k best so far, worst at the root
        np.empty(k, dtype=np.int64),  # heap ids
        np.zeros(nb, dtype=np.float32),  # bm: block maxima
        sel,
        live,
        masked,
    )


@njit(cache=True, nogil=True)
def _first_at_least(docs: Any, lo: int, hi: int, d: int) -> int:
    """The first position in ``docs[lo:hi]`` (ascending) holding ``d`` or more; ``hi`` if none."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if docs[mid] < d:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _tiled_top_k(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_pos: Any, q_w: Any, start: int, end: int, k: int, floor: float, work: Any, tile: int,
) -> int:  # fmt: skip
    """``query_top_k`` for a segment larger than ``tile`` documents, one tile at a time.

    Postings are sorted by document, so each term's postings for a tile are one run: every
    tile's scores are summed (terms in query order, as everywhere) into the first ``tile``
    entries of ``acc``, which stay in cache, and offered to the heap before the next tile."""
    acc, cand, _, _, heap_s, heap_i, _, _, _, _ = work
    n_docs = len(ids)
    cur = np.empty(end - start, dtype=np.int64)  # per query term: its next posting
    for j in range(start, end):
        p = q_pos[j]
        cur[j - start] = indptr[p] if p >= 0 and q_w[j] > 0.0 else -1
    lo = max(floor, 5e-324)
    n = 0
    for base in range(0, n_docs, tile):
        stop = min(base + tile, n_docs)
        m = 0
        for j in range(start, end):
            i0 = cur[j - start]
            if i0 < 0:
                continue
            w = q_w[j]
            i1 = _first_at_least(docs, i0, indptr[q_pos[j] + 1], stop)
            for i in range(i0, i1):  # as ``_accumulate``, sparse: touched documents to ``cand``
                d = docs[i] - base
                a = acc[d]
                cand[m] = d
                m += a == 0.0
                acc[d] = a + tfc[i] * w
            cur[j - start] = i1
        for t in range(m):
            d = cand[t]
            s = acc[d]
            acc[d] = 0.0
            if s < lo or (n == k and s < heap_s[0]):
                continue
            n = _offer(s, base + d, ids, eligible, heap_s, heap_i, n, k)
    return n


@njit(cache=True, nogil=True)
def query_top_k(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_pos: Any, q_w: Any, start: int, end: int, k: int, floor: float, work: Any,
    columns: Any, tile: int,
) -> int:  # fmt: skip
    """One query's top k, exhaustively, into the heap of ``work``; returns the heap size. Only
    documents scoring at least ``floor`` (a lower bound on the final k-th score) are kept.
    ``columns`` is ``Segment.columns`` (or empty arrays). Segments of more than ``tile``
    documents are scored a tile at a time (``_tiled_top_k``), without columns."""
    acc, cand, cand_s, hist, heap_s, heap_i, bm, sel, live, masked = work
    col_of, cols = columns
    if len(ids) > tile:
        return _tiled_top_k(
            indptr, docs, tfc, ids, eligible, q_pos, q_w, start, end, k, floor, work, tile
        )
    n = 0
    if k < 32 and _n_postings(indptr, q_pos, q_w, start, end) * BLOCKS_FROM >= len(ids):
        # Small k over a dense score array: block maxima, then the best blocks only.
        _accumulate_dense(indptr, docs, tfc, q_pos, q_w, start, end, acc, col_of, cols)
        _block_max(acc, live, masked, bm, sel)
        n = _select_blocks(acc, bm, sel, ids, eligible, heap_s, heap_i, k, floor)
        acc[:] = 0.0
        return n
    m = _accumulate(indptr, docs, tfc, q_pos, q_w, start, end, acc, cand, cand_s, col_of, cols)
    if k >= 32 and m > 4 * k:
        m = _prefilter(cand, cand_s, m, k, hist, eligible)
    lo = max(floor, 5e-324)  # scores are >= 0: "s < lo" also drops 0.0 in one test
    for t in range(m):
        s = cand_s[t]
        if s < lo or (n == k and s < heap_s[0]):
            continue  # 0.0: a document whose float32 products all underflowed
        n = _offer(s, cand[t], ids, eligible, heap_s, heap_i, n, k)
    return n


@njit(cache=True, nogil=True)
def segment_top_k(
    indptr: Any, docs: Any, tfc: Any, ids: Any, eligible: Any,
    q_ptr: Any, q_pos: Any, q_w: Any, k: int, floor: Any, columns: Any, tile: int,
) -> Any:  # fmt: skip
    """Per query, the segment's k best scoring at least ``floor[q]`` (see ``kernels``)."""
    n_queries = len(q_ptr) - 1
    work = scratch(len(ids), k, eligible, tile)
    heap_s, heap_i = work[4], work[5]
    out_ptr = np.zeros(n_queries + 1, dtype=np.int64)
    out_ids = np.empty(n_queries * k, dtype=np.int64)
    out_scores = np.empty(n_queries * k, dtype=np.float64)
    for q in range(n_queries):
        n = query_top_k(
            indptr,
            docs,
            tfc,
            ids,
            eligible,
            q_pos,
            q_w,
            q_ptr[q],
            q_ptr[q + 1],
            k,
            floor[q],
            work,
            columns,
            tile,
        )
        out_ptr[q + 1] = _drain(heap_s, heap_i, n, out_ids, out_scores, out_ptr[q])
    return out_ptr, out_ids[: out_ptr[n_queries]], out_scores[: out_ptr[n_queries]]


@njit(cache=True, nogil=True)
def merge_top_k(ptrs: Any, ids: Any, scores: Any, k: int) -> Any:
    """Merge per-segment top-k lists: ``ptrs`` (P, Q+1) index the concatenated ``ids``/``scores``."""
    n_parts, n_queries = ptrs.shape[0], ptrs.shape[1] - 1
    heap_s = np.empty(k, dtype=np.float64)
    heap_i = np.empty(k, dtype=np.int64)
    out_ptr = np.zeros(n_queries + 1, dtype=np.int64)
    out_ids = np.empty(n_queries * k, dtype=np.int64)
    out_scores = np.empty(n_queries * k, dtype=np.float64)
    for q in range(n_queries):
        only = -1  # the one part with hits for this query; -2: several
        for part in range(n_parts):
            if ptrs[part, q + 1] > ptrs[part, q]:
                only = part if only == -1 else -2
        if only != -2:  # none or one: that list is already in the total order, at most k long
            lo = ptrs[only, q] if only >= 0 else 0
            m = ptrs[only, q + 1] - lo if only >= 0 else 0
            out_ids[out_ptr[q] : out_ptr[q] + m] = ids[lo : lo + m]
            out_scores[out_ptr[q] : out_ptr[q] + m] = scores[lo : lo + m]
            out_ptr[q + 1] = out_ptr[q] + m
            continue
        n = 0
        for part in range(n_parts):
            for t in range(ptrs[part, q], ptrs[part, q + 1]):
                s = scores[t]
                if n == k and s < heap_s[0]:
                    break  # each list is sorted best first: the rest of it cannot enter
                n = _push(s, ids[t], heap_s, heap_i, n, k)
        out_ptr[q + 1] = _drain(heap_s, heap_i, n, out_ids, out_scores, out_ptr[q])
    return out_ptr, out_ids[: out_ptr[n_queries]], out_scores[: out_ptr[n_queries]]
