"""Exact inner-product top-k by blocked matrix products, and the repair of short filtered results.

``exact_search`` is the exact backend's search and every backend's ground truth and fallback; its
blocks bound the score buffer whatever the index and query sizes. ``search_filtered`` wraps an
approximate library search so that a filtered query still returns k hits whenever k matching
vectors exist.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

QUERY_CHUNK = 256  # queries per matmul block
ROW_CHUNK = 32_768  # rows per matmul block: a (256, 32768) float32 block is 32 MiB


def empty_result(n_queries: int) -> tuple[np.ndarray, np.ndarray]:
    return np.empty((n_queries, 0), np.int64), np.empty((n_queries, 0), np.float32)


def topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the ``k`` largest per row, best first. ``(q, n) -> (q, k)``."""
    n = scores.shape[1]
    k = min(k, n)
    if k < n:
        # Partition at n-k (the top k land at the end): no negated copy of a large block.
        part = np.argpartition(scores, n - k, axis=1)[:, n - k :]
    else:
        part = np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)


def exact_search(
    matrix: np.ndarray,
    row_ids: np.ndarray,
    queries: np.ndarray,
    k: int,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inner-product top-k of ``queries`` ``(q, d)`` over ``matrix`` ``(n, d)``, ids from ``row_ids``.

    Blocks of QUERY_CHUNK x ROW_CHUNK bound the score buffer (32 MiB) whatever n and q are; each
    row block's top-k merges into a running top-k, so memory is O(q*k) beyond one block. With
    ``mask`` ``(n,)`` bool, rows where it is False score -inf; the caller keeps ``k`` at most the
    number of True rows, so no -inf row can reach the merged top-k.
    """
    n = matrix.shape[0]
    k = min(k, n)
    if k == 0:
        return empty_result(queries.shape[0])
    out_ids = np.empty((queries.shape[0], k), np.int64)
    out_scores = np.empty((queries.shape[0], k), np.float32)
    for q0 in range(0, queries.shape[0], QUERY_CHUNK):
        qb = queries[q0 : q0 + QUERY_CHUNK]  # (b, d)
        best_s = np.empty((qb.shape[0], 0), np.float32)
        best_i = np.empty((qb.shape[0], 0), np.int64)
        for r0 in range(0, n, ROW_CHUNK):
            scores = qb @ matrix[r0 : r0 + ROW_CHUNK].T  # (b, rows)
            if mask is not None:
                scores[:, ~mask[r0 : r0 + ROW_CHUNK]] = -np.inf
            cols, vals = topk_rows(scores, k)
            best_s = np.concatenate([best_s, vals], axis=1)
            best_i = np.concatenate([best_i, cols + r0], axis=1)
            if best_s.shape[1] > k:
                keep, best_s = topk_rows(best_s, k)
                best_i = np.take_along_axis(best_i, keep, axis=1)
        out_ids[q0 : q0 + qb.shape[0]] = row_ids[best_i]
        out_scores[q0 : q0 + qb.shape[0]] = best_s
    return out_ids, out_scores


def search_filtered(
    queries: np.ndarray,
    k: int,
    candidates: np.ndarray,
    approximate: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    vectors: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``approximate`` and repair any query it answered with fewer than k hits.

    ``candidates`` are the sorted ids a query may return (live and allowed); ``approximate``
    returns ``(q, k)`` ids padded with -1 where the library found fewer; ``vectors(ids)`` gives
    the stored vectors for an exact search over the candidates, which answers the short rows.
    Graph search under a filter can strand itself in a region with no allowed nodes; this makes
    "k results whenever k matching vectors exist" hold whatever the library does.
    """
    k = min(k, len(candidates))
    if k == 0:
        return empty_result(queries.shape[0])
    ids, scores = approximate(queries, k)
    short = (ids[:, :k] < 0).any(axis=1) if ids.shape[1] >= k else np.ones(len(ids), bool)
    if ids.shape[1] < k:
        ids = np.pad(ids, ((0, 0), (0, k - ids.shape[1])), constant_values=-1)
        scores = np.pad(scores, ((0, 0), (0, k - scores.shape[1])), constant_values=-np.inf)
    ids, scores = ids[:, :k].copy(), scores[:, :k].astype(np.float32)
    if short.any():
        fix_ids, fix_scores = exact_search(vectors(candidates), candidates, queries[short], k)
        ids[short], scores[short] = fix_ids, fix_scores
    return ids, scores
