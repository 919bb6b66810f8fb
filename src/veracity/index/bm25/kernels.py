"""Per-segment scoring and top-k: a numba kernel and a numpy fallback with identical results.

Both score every query of a batch against one segment and keep, per query, the segment's best
``k`` documents in the total order (score descending, id ascending). Because a document lives in
exactly one segment, the index's top k is the top k of the per-segment lists merged in that order.

Arithmetic is fixed so that the two backends, and any segment layout, agree bit for bit: each
posting contributes ``float32(tfc) * float32(idf)`` (a float32 product), and a document's
contributions are summed in float32 from 0.0 in query-term order, which ``BM25Index`` makes
canonical: each query's terms sorted by idf, highest first (ties in the query's order). The
order depends on the query and the index's statistics only, so every segment layout adds the
same numbers in the same order, and the pruning kernels can add a query's rarest terms first
and its commonest last, as the exhaustive ones do. float32 sums (the scores are float32 anyway)
are faster than float64 ones in the numba kernel (``numba_kernel``: one conversion less per
posting, half the scratch memory).

numba is optional (``backend="auto"`` uses it when installed). Measured on SciFact and a 200k
document corpus (1 thread, docs/benchmarks.md) the batched numba kernel answers 4-6x more queries
per CPU-second than the numpy path, whose cost is Python and numpy call overhead per query and
term; the first search in a process compiles the kernel (about 15 s, then cached on disk by
numba's ``cache=True``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
Docs = npt.NDArray[np.integer[Any]]  # as ``segment.Docs``
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
# (out_ptr (Q+1,), out_ids (<= Q*k,), out_scores float64 (<= Q*k,))
Result = tuple[I64, I64, F64]
# (blk_ptr, blk_ids, blk_start, blk_max, block size): see ``Segment.blocks``
Blocks = tuple[I64, I32, I64, F32, int]


_NO_ROWS = (np.empty(0, dtype=np.int32), np.empty((0, 0), dtype=np.float32))  # no dense rows


def _topk_numpy(
    indptr: I64, docs: Docs, tfc: F32, ids: I64, eligible: Bool,
    q_ptr: I64, q_pos: I64, q_w: F32, k: int, columns: tuple[I32, F32] = _NO_ROWS,
) -> Result:  # fmt: skip
    n_docs = len(ids)
    col_of, cols = columns
    out_ptr = np.zeros(len(q_ptr), dtype=np.int64)
    out_ids: list[I64] = []
    out_scores: list[F64] = []
    for q in range(len(q_ptr) - 1):
        acc = np.zeros(n_docs, dtype=np.float32)
        scored = False
        for j in range(int(q_ptr[q]), int(q_ptr[q + 1])):
            p = int(q_pos[j])
            if p >= 0 and q_w[j] > 0:
                if p < len(col_of) and col_of[p] >= 0:
                    acc += cols[col_of[p]] * q_w[j]  # as the numba kernels: + 0.0 is a no-op
                else:
                    s, e = indptr[p], indptr[p + 1]
                    np.add.at(acc, docs[s:e], tfc[s:e] * q_w[j])
                scored = True
        if scored:
            pos = np.flatnonzero((acc > 0) & eligible)
            top_ids, top_scores = order_top_k(ids[pos], acc[pos].astype(np.float64), k)
        else:
            top_ids, top_scores = np.zeros(0, dtype=np.int64), np.zeros(0)
        out_ids.append(top_ids)
        out_scores.append(top_scores)
        out_ptr[q + 1] = out_ptr[q] + len(top_ids)
    return out_ptr, np.concatenate(out_ids), np.concatenate(out_scores)


def order_top_k(ids: I64, scores: F64, k: int) -> tuple[I64, F64]:
    """The ``k`` best pairs by descending score, then ascending id (a strict total order)."""
    if len(ids) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= threshold  # every tie at the boundary, so ids can break it
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def _merge_numpy(ptrs: I64, ids: I64, scores: F64, k: int) -> Result:
    """Merge per-segment top-k lists: ``ptrs`` (P, Q+1) index the concatenated arrays."""
    out_ptr = np.zeros(ptrs.shape[1], dtype=np.int64)
    out_ids, out_scores = [], []
    for q in range(ptrs.shape[1] - 1):
        take = np.concatenate([np.arange(row[q], row[q + 1]) for row in ptrs])
        top_ids, top_scores = order_top_k(ids[take], scores[take], k)
        out_ids.append(top_ids)
        out_scores.append(top_scores)
        out_ptr[q + 1] = out_ptr[q] + len(top_ids)
    return out_ptr, np.concatenate(out_ids), np.concatenate(out_scores)


def _compile() -> Any:
    """The numba kernels, or None when numba is not installed (compiled on first call)."""
    try:
        from veracity.index.bm25 import blockmax, maxscore, numba_kernel
    except ImportError:
        return None
    return (
        numba_kernel.segment_top_k,
        numba_kernel.merge_top_k,
        blockmax.segment_top_k,
        maxscore.segment_top_k,
    )


class Kernels:
    """Resolves a backend name to a top-k function; numba is compiled on first use only."""

    def __init__(self, backend: str) -> None:
        from veracity.errors import ConfigError, MissingDependency

        if backend not in ("auto", "numba", "numpy"):
            raise ConfigError(f"unknown BM25 backend {backend!r}; known: auto, numba, numpy")
        self.requested = backend
        self._fns: Any = None
        if backend == "numba":
            self._fns = _compile()
            if self._fns is None:
                raise MissingDependency("The numba BM25 backend", "fast", "numba")

    @property
    def name(self) -> str:
        return "numpy" if self._resolve()[0] is _topk_numpy else "numba"

    def _resolve(self) -> Any:
        if self._fns is None:
            compiled = _compile() if self.requested == "auto" else None
            self._fns = compiled or (_topk_numpy, _merge_numpy, None, None)
        return self._fns

    def segment_top_k(
        self, indptr: I64, docs: Docs, tfc: F32, ids: I64, eligible: Bool,
        q_ptr: I64, q_pos: I64, q_w: F32, k: int, blocks: Blocks | None = None,
        bounds: F32 | None = None, floor: F64 | None = None,
        columns: tuple[I32, F32] | None = None,
    ) -> Result:  # fmt: skip
        """Per query: the segment's best ``k`` (ids, float64 scores) in the total order.

        With ``blocks`` (``Segment.blocks`` and the block size) the numba backend prunes with
        block-max bounds (``blockmax``), with ``bounds`` (``Segment.term_max``) by MaxScore
        (``maxscore``); the results are the same, bit for bit. The numpy backend always scores
        exhaustively. ``floor`` (Q,): per query a score that k documents of the index reach, so
        the numba kernels may leave out documents below it (the merged top k is the same).
        ``columns`` (``Segment.columns``): dense rows of common terms, which both backends add
        whole instead of their postings (same scores; block-max pruning does not read them)."""
        exhaustive, _, blockmax, maxscore = self._resolve()
        args = (indptr, docs, tfc, ids, eligible, q_ptr, q_pos, q_w, k)
        rows = _NO_ROWS if columns is None else columns
        if blocks is not None and blockmax is not None:
            result: Result = blockmax(*args, *blocks)
        elif exhaustive is _topk_numpy:
            result = exhaustive(*args, rows)
        else:
            from veracity.index.bm25.numba_kernel import TILE  # read per call: tests shrink it

            at_least = np.zeros(len(q_ptr) - 1) if floor is None else floor
            if bounds is not None:
                result = maxscore(*args, at_least, bounds, rows, TILE)
            else:
                result = exhaustive(*args, at_least, rows, TILE)
        return result

    def merge_top_k(self, parts: list[Result], k: int) -> Result:
        """Per query, the best ``k`` of several segments' lists, in the same total order."""
        if len(parts) == 1:
            return parts[0]
        ptrs = np.stack([p[0] + offset for p, offset in zip(parts, _offsets(parts), strict=True)])
        ids = np.concatenate([p[1] for p in parts])
        scores = np.concatenate([p[2] for p in parts])
        result: Result = self._resolve()[1](ptrs, ids, scores, k)
        return result


def _offsets(parts: list[Result]) -> list[int]:
    sizes = [len(p[1]) for p in parts]
    return [sum(sizes[:i]) for i in range(len(parts))]
