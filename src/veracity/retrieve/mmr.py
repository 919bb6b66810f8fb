"""Maximal marginal relevance: re-order candidates to trade relevance against redundancy.

Carbonell & Goldstein 1998, "The Use of MMR, Diversity-Based Reranking for Reordering Documents
and Producing Summaries", SIGIR. Greedily pick

    argmax_{i in R \\ S}  lambda * rel(i) - (1 - lambda) * max_{j in S} sim(i, j)

where ``R`` are the candidates, ``S`` those already picked, ``rel`` the relevance to the query and
``sim`` the cosine similarity between candidates. ``lambda = 1`` is plain relevance order;
``lambda = 0`` is pure diversity after the first pick.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from veracity.errors import ConfigError

FloatArray = npt.NDArray[np.floating]


def _unit_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """L2-normalize rows; a zero row stays zero (cosine 0 with everything, never NaN)."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    out: npt.NDArray[np.float64] = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    return out


def _check(
    query_vec: FloatArray, cand_vecs: FloatArray, relevance: FloatArray | None, k: int, lam: float
) -> None:
    if cand_vecs.ndim != 2:
        raise ConfigError(f"cand_vecs must be 2-D (n, d), got shape {cand_vecs.shape}")
    if query_vec.shape != (cand_vecs.shape[1],):
        raise ConfigError(
            f"query_vec must have shape (d,) = ({cand_vecs.shape[1]},), got {query_vec.shape}"
        )
    if relevance is not None and relevance.shape != (cand_vecs.shape[0],):
        raise ConfigError(
            f"relevance must have shape (n,) = ({cand_vecs.shape[0]},), got {relevance.shape}"
        )
    if k < 0:
        raise ConfigError(f"k must be >= 0, got {k}")
    if not 0.0 <= lam <= 1.0:  # also rejects NaN
        raise ConfigError(f"lambda_ must be in [0, 1] (1 = relevance only), got {lam}")
    arrays = [query_vec, cand_vecs] + ([relevance] if relevance is not None else [])
    if not all(np.isfinite(a).all() for a in arrays):
        raise ConfigError("mmr inputs contain NaN or infinite values; drop those candidates first")


def mmr(
    query_vec: FloatArray,
    cand_vecs: FloatArray,
    relevance: FloatArray | None,
    k: int,
    lambda_: float = 0.5,
) -> list[int]:
    """Indices of up to ``k`` candidates in MMR selection order (Carbonell & Goldstein 1998).

    ``query_vec`` (d,), ``cand_vecs`` (n, d), ``relevance`` (n,). When ``relevance`` is None it is
    the cosine similarity of each candidate to the query. Relevance should be on the scale of a
    cosine (roughly [-1, 1]); rescale raw BM25 scores (e.g. ``fusion.minmax``) before passing them,
    or the redundancy term is drowned out.

    The first pick is always the most relevant candidate (with ``S`` empty the formula reduces to
    relevance; for ``lambda = 0`` this keeps it defined). Ties go to the lowest index.
    Cost: O(k * n * d) time, O(n) extra memory (no n x n similarity matrix).
    """
    q = np.asarray(query_vec, dtype=np.float64)  # (d,)
    c = np.asarray(cand_vecs, dtype=np.float64)  # (n, d)
    rel = None if relevance is None else np.asarray(relevance, dtype=np.float64)  # (n,)
    _check(q, c, rel, k, float(lambda_))
    units = _unit_rows(c)  # (n, d)
    if rel is None:
        rel = units @ _unit_rows(q[None, :])[0]  # (n,)
    n = c.shape[0]
    k = min(k, n)
    if k == 0:
        return []
    available = np.ones(n, dtype=bool)  # (n,)
    max_sim = np.zeros(n)  # (n,) max cosine to any selected candidate
    # With nothing selected the formula reduces to relevance: start from the most relevant.
    selected = [int(np.argmax(rel))]  # argmax returns the first maximum: lowest index on ties
    for _ in range(k - 1):
        last = selected[-1]
        available[last] = False
        np.maximum(max_sim, units @ units[last], out=max_sim)
        gain = lambda_ * rel - (1.0 - lambda_) * max_sim  # (n,)
        gain[~available] = -np.inf
        selected.append(int(np.argmax(gain)))
    return selected
