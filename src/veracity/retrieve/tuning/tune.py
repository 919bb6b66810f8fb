"""Tune a collection's hybrid fusion: rank labelled (or synthetic) queries, pick with ``grid``.

``tune_collection`` runs BM25 and dense retrieval once per query through the collection's own
indexes (batched: ``search_many`` and one embedding call), hands the ranked chunk lists to
``grid.tune_fusion``, and turns its choice into ``SearchOptions`` fields that the store's meta
keeps (``fusion_meta``), so later searches that name no fusion use it.

Labels come in two kinds:

- given ``queries`` and ``qrels`` keyed by document uri: fusion works on chunks, as ``search``
  does, and the metric maps each fused chunk to its document before scoring (a document counts
  at its best chunk);
- none given: ``queries.cloze_queries`` draws a sentence of a chunk as the query, leaves the
  chunks holding it out of the ranking, and scores the fused run on documents, so the answer is
  the sentence's document found through its other chunks (the inverse cloze task). A collection
  of one-chunk documents cannot give those; it gets ``queries.synthetic_queries`` (the
  sentence's own chunk as the answer, half its words dropped), which leans lexical.

The metric is passed in (``evaluate.ir_metrics.ndcg_at_k``): ``retrieve`` sits below
``evaluate`` in the layer map.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from veracity.embed.base import Embedder
from veracity.errors import ConfigError, EvaluationError
from veracity.index.sync import IndexSet
from veracity.retrieve.fusion import Ranked
from veracity.retrieve.search import SearchOptions
from veracity.retrieve.tuning.grid import Qrels, Run, RunMetric, TuneResult, tune_fusion
from veracity.retrieve.tuning.queries import cloze_queries, synthetic_queries
from veracity.store.protocols import Store

# Store meta keys holding the tuned choice.
META_FUSION, META_ALPHA, META_RRF_K = "fusion", "alpha", "rrf_k"
META_REASON = "fusion_reason"

# Synthetic tuning uses inverse-cloze queries when a collection yields at least this many (or
# n_synthetic when smaller); else verbatim-sentence queries keeping this share of their words.
MIN_CLOZE = 30
SYNTHETIC_KEEP = 0.5


def ranked_lists(
    indexes: IndexSet, embedder: Embedder, queries: Mapping[str, str], depth: int
) -> dict[str, dict[str, Ranked]]:
    """``{qid: {"bm25": [(rid, score), ...], "dense": [...]}}``, each cut at ``depth``."""
    qids = list(queries)
    texts = [queries[q] for q in qids]
    qvecs = embedder.embed(texts)  # (n, dim)
    with indexes.reading() as view:  # both lists from one state of the collection
        assert view.bm25 is not None and view.vectors is not None
        lexical = view.bm25.search_many(texts, depth)
        ids, scores = view.vectors.search(qvecs, depth)  # (n, depth) each
    runs: dict[str, dict[str, Ranked]] = {}
    for i, qid in enumerate(qids):
        b_ids, b_scores = lexical[i]
        dense = [(int(d), float(s)) for d, s in zip(ids[i], scores[i], strict=True) if d >= 0]
        bm25 = list(zip(b_ids.tolist(), b_scores.tolist(), strict=True))
        runs[qid] = {"bm25": bm25, "dense": dense}
    return runs


def _document_metric(
    store: Store, runs: Mapping[str, Mapping[str, Ranked]], metric: RunMetric
) -> RunMetric:
    """``metric`` on runs of chunk rids, scored on their documents' uris."""
    rids = {rid for lists in runs.values() for ranked in lists.values() for rid, _ in ranked}
    uri_of = {str(c.rid): c.uri for c in store.chunks(sorted(rids))}

    def on_documents(qrels: Qrels, run: Run, k: int) -> float:
        docs = {q: [uri_of.get(r, r) for r in ids] for q, ids in run.items()}
        return metric(qrels, docs, k)

    return on_documents


def _without(
    runs: Mapping[str, Mapping[str, Ranked]], exclude: Mapping[str, frozenset[str]], depth: int
) -> dict[str, dict[str, Ranked]]:
    """Each query's ranked lists without its excluded chunk ids, cut at ``depth``."""
    return {
        qid: {
            name: [(rid, s) for rid, s in ranked if str(rid) not in exclude.get(qid, ())][:depth]
            for name, ranked in lists.items()
        }
        for qid, lists in runs.items()
    }


def _synthetic_set(
    store: Store,
    indexes: IndexSet,
    embedder: Embedder,
    ndcg_at_k: RunMetric,
    n: int,
    seed: int,
    depth: int,
) -> tuple[dict[str, dict[str, Ranked]], Qrels, RunMetric, str]:
    """Runs, labels, metric and a description of the synthetic queries to tune on.

    Inverse-cloze queries when the collection yields enough of them (documents of two or more
    chunks), else a chunk's own sentence with half its words dropped, which leans lexical."""
    chunks = _all_chunks(store)
    uri_of = store.chunk_uris()
    cloze = cloze_queries(chunks, uri_of, n, seed)
    if cloze.queries and len(cloze.queries) >= min(n, MIN_CLOZE):
        widest = max(map(len, cloze.exclude.values()))
        ranked = ranked_lists(indexes, embedder, cloze.queries, depth + widest)
        runs = _without(ranked, cloze.exclude, depth)
        labels = {q: {uri_of[int(next(iter(rel)))]: 1} for q, rel in cloze.qrels.items()}
        source = (
            f"{len(cloze.queries)} inverse-cloze queries (a sentence of a chunk as the query, "
            f"the chunks holding it left out of the ranking, its document as the answer; "
            f"seed {seed})"
        )
        return runs, labels, _document_metric(store, runs, ndcg_at_k), source
    queries, qrels = synthetic_queries(chunks, n, seed, keep=SYNTHETIC_KEEP)
    if not queries:
        raise EvaluationError(
            "the collection has no sentence of 6-30 words to draw a synthetic query from; "
            "add documents first, or tune on labelled queries (--qrels)"
        )
    source = (
        f"{len(queries)} synthetic queries (half the words of a sentence of a chunk as the "
        f"query, that chunk as the answer; seed {seed}; too few documents of two or more chunks "
        "for inverse-cloze queries); these favour BM25, so read the choice as leaning lexical"
    )
    return ranked_lists(indexes, embedder, queries, depth), qrels, ndcg_at_k, source


def _all_chunks(store: Store) -> list[tuple[int, str]]:
    # Every chunk: queries are drawn from a seeded shuffle of all of them.
    return [row for rows in store.iter_chunk_texts() for row in rows]


def tune_collection(
    store: Store,
    indexes: IndexSet,
    embedder: Embedder,
    ndcg_at_k: RunMetric,
    *,
    queries: Mapping[str, str] | None = None,
    qrels: Qrels | None = None,
    n_synthetic: int = 200,
    seed: int = 0,
    depth: int = 100,
) -> TuneResult:
    """Choose the fusion with the best mean nDCG@10 on the labelled set, or on ``n_synthetic``
    synthetic queries when none is given. The reason says which kind of queries it used."""
    if (queries is None) != (qrels is None):
        raise ConfigError("tune needs both queries and qrels, or neither (synthetic queries)")
    if queries is not None and qrels is not None:
        judged = {q: t for q, t in queries.items() if q in qrels}
        if not judged:
            raise EvaluationError("no query of the qrels has a text in queries; nothing to tune")
        runs = ranked_lists(indexes, embedder, judged, depth)
        metric = _document_metric(store, runs, ndcg_at_k)
        source = f"{len(judged)} labelled queries (relevance judged per document)"
        labels: Qrels = {q: qrels[q] for q in judged}
    else:
        runs, labels, metric, source = _synthetic_set(
            store, indexes, embedder, ndcg_at_k, n_synthetic, seed, depth
        )
    result = tune_fusion(runs, labels, metric, k=10)
    return dataclasses.replace(result, reason=f"tuned on {source}: {result.reason}")


def options_of(result: TuneResult) -> dict[str, str]:
    """The store meta for a tuned choice: ``fusion`` as ``SearchOptions`` names it, ``alpha``,
    ``rrf_k``. ``rrf(k)`` is equal-weight RRF (alpha 0.5); ``convex(norm, alpha)`` is ``norm``."""
    p = result.params
    if result.method == "rrf" and set(p) == {"k"}:
        fusion, alpha, rrf_k = "rrf", 0.5, float(p["k"])
    elif result.method == "convex" and set(p) == {"alpha", "normalization"}:
        fusion, alpha, rrf_k = str(p["normalization"]), float(p["alpha"]), 60.0
    else:
        raise ConfigError(
            f"cannot search with {result.method}({dict(p)}); tune with the default grid"
        )
    SearchOptions(fusion=fusion, alpha=alpha, rrf_k=rrf_k)  # validates
    return {
        META_FUSION: fusion, META_ALPHA: repr(alpha), META_RRF_K: repr(rrf_k),
        META_REASON: result.reason,
    }  # fmt: skip


def tuned_options(store: Store) -> dict[str, float | str]:
    """The persisted choice as ``SearchOptions`` keyword arguments (empty when never tuned)."""
    fusion = store.get_meta(META_FUSION)
    if fusion is None:
        return {}
    out: dict[str, float | str] = {"fusion": fusion}
    for key in (META_ALPHA, META_RRF_K):
        value = store.get_meta(key)
        if value is not None:
            out[key] = float(value)
    return out


def resolve_options(
    store: Store,
    *,
    mode: str = "hybrid",
    alpha: float | None = None,
    fusion: str | None = None,
    explain: bool = False,
    mmr_lambda: float | None = None,
) -> SearchOptions:
    """``SearchOptions`` where ``fusion`` and ``alpha`` left None come from the tuned choice (when
    the collection was tuned), else the defaults rrf and 0.5. Naming another fusion than the tuned
    one drops the tuned alpha and rrf k with it (they were chosen for that fusion)."""
    tuned = tuned_options(store)
    use_tuned = bool(tuned) and (fusion is None or fusion == tuned["fusion"])
    chosen = fusion if fusion is not None else str(tuned.get("fusion", "rrf"))
    if alpha is None:
        alpha = float(tuned.get("alpha", 0.5)) if use_tuned else 0.5
    rrf_k = float(tuned.get("rrf_k", 60.0)) if use_tuned else 60.0
    return SearchOptions(
        mode=mode, fusion=chosen, alpha=alpha, rrf_k=rrf_k, explain=explain, mmr_lambda=mmr_lambda
    )


def describe(result: TuneResult, top: int = 5) -> list[tuple[str, float]]:
    """The ``top`` candidates by nDCG (label, score), best first, for reports."""
    ranked: Sequence[tuple[str, float]] = sorted(
        ((c.label, c.ndcg) for c in result.table), key=lambda x: -x[1]
    )
    return list(ranked[:top])
