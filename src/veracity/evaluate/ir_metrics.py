"""Ranked-retrieval metrics with trec_eval semantics, as pure functions.

Inputs, the shapes BEIR and pytrec_eval use:

- ``qrels``: ``{qid: {doc_id: relevance}}``; a document is relevant when ``relevance >= 1``
  (trec_eval's default ``relevance_level``); 0 and negative grades are non-relevant.
- ``run``: ``{qid: [doc_id, ...]}``, best first. A repeated doc id counts at its first position.

Semantics, checked against ``pytrec_eval`` (trec_eval 9.x) in the tests:

- nDCG@k (``ndcg_cut.k``; Järvelin & Kekäläinen 2002): linear gain = the graded relevance
  (negative grades give gain 0), discount ``1 / log2(rank + 1)``, ideal from the qrels' grades.
- Recall@k (``recall.k``): relevant in the top k / all relevant in the qrels.
- Precision@k (``P.k``): relevant in the top k / k, even when fewer than k were retrieved.
- MRR@k (``recip_rank`` on the run cut at k): 1 / rank of the first relevant hit, else 0.
- A query with no relevant document scores 0 on every metric, as in trec_eval.
- The mean is over every query in ``qrels`` (trec_eval ``-c``): a query the run lacks scores 0.
  Queries in the run but not in the qrels are ignored. Empty qrels raise ``EvaluationError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from veracity.errors import ConfigError, EvaluationError

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Sequence[str]]
QueryMetric = Callable[[Mapping[str, int], Sequence[str], int], float]


def _top_k(ranked: Sequence[str], k: int) -> list[str]:
    """The first ``k`` distinct doc ids of a ranking (a repeated id keeps its first position)."""
    seen: set[str] = set()
    out: list[str] = []
    for doc_id in ranked:
        if len(out) >= k:
            break
        if doc_id not in seen:
            seen.add(doc_id)
            out.append(doc_id)
    return out


def _check_k(k: int) -> None:
    if k < 1:
        raise ConfigError(f"k must be >= 1, got {k}")


# ---------------------------------------------------------------------------------------------
# One query: ``rels`` is that query's qrels, ``ranked`` its run.


def query_ndcg(rels: Mapping[str, int], ranked: Sequence[str], k: int = 10) -> float:
    """nDCG@k of one query: ``DCG@k / IDCG@k`` with ``DCG = sum gain_i / log2(i + 1)``."""
    _check_k(k)
    dcg = sum(max(rels.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(_top_k(ranked, k)))
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def query_recall(rels: Mapping[str, int], ranked: Sequence[str], k: int = 10) -> float:
    """Recall@k of one query: relevant retrieved in the top k / all relevant."""
    _check_k(k)
    n_rel = sum(1 for g in rels.values() if g >= 1)
    if n_rel == 0:
        return 0.0
    return sum(1 for d in _top_k(ranked, k) if rels.get(d, 0) >= 1) / n_rel


def query_precision(rels: Mapping[str, int], ranked: Sequence[str], k: int = 10) -> float:
    """Precision@k of one query: relevant in the top k / k (trec_eval's ``P.k``)."""
    _check_k(k)
    return sum(1 for d in _top_k(ranked, k) if rels.get(d, 0) >= 1) / k


def query_mrr(rels: Mapping[str, int], ranked: Sequence[str], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document within the top k, else 0."""
    _check_k(k)
    for i, d in enumerate(_top_k(ranked, k)):
        if rels.get(d, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


# ---------------------------------------------------------------------------------------------
# Per query over a run, and the mean.


def per_query(metric: QueryMetric, qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """``{qid: metric}`` for every query in ``qrels`` (a query missing from ``run`` scores 0)."""
    _check_k(k)
    return {qid: metric(rels, run.get(qid, ()), k) for qid, rels in qrels.items()}


def mean_over_queries(metric: QueryMetric, qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean of ``metric`` over the queries in ``qrels``; raises EvaluationError when it is empty."""
    if not qrels:
        raise EvaluationError("qrels are empty: there is no query to evaluate")
    scores = per_query(metric, qrels, run, k)
    return math.fsum(scores.values()) / len(scores)


def ndcg_at_k(qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean nDCG@k over the queries in ``qrels`` (trec_eval ``ndcg_cut.k`` with ``-c``)."""
    return mean_over_queries(query_ndcg, qrels, run, k)


def recall_at_k(qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean Recall@k over the queries in ``qrels`` (trec_eval ``recall.k`` with ``-c``)."""
    return mean_over_queries(query_recall, qrels, run, k)


def precision_at_k(qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean Precision@k over the queries in ``qrels`` (trec_eval ``P.k`` with ``-c``)."""
    return mean_over_queries(query_precision, qrels, run, k)


def mrr_at_k(qrels: Qrels, run: Run, k: int = 10) -> float:
    """Mean reciprocal rank cut at k over the queries in ``qrels``."""
    return mean_over_queries(query_mrr, qrels, run, k)


def ndcg_at_k_per_query(qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """nDCG@k per query in ``qrels``."""
    return per_query(query_ndcg, qrels, run, k)


def recall_at_k_per_query(qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """Recall@k per query in ``qrels``."""
    return per_query(query_recall, qrels, run, k)


def precision_at_k_per_query(qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """Precision@k per query in ``qrels``."""
    return per_query(query_precision, qrels, run, k)


def mrr_at_k_per_query(qrels: Qrels, run: Run, k: int = 10) -> dict[str, float]:
    """Reciprocal rank cut at k per query in ``qrels``."""
    return per_query(query_mrr, qrels, run, k)
