from __future__ import annotations

import math
import random

import pytest

from veracity.errors import ConfigError, EvaluationError
from veracity.evaluate.ir_metrics import (
    mrr_at_k,
    mrr_at_k_per_query,
    ndcg_at_k,
    ndcg_at_k_per_query,
    precision_at_k,
    precision_at_k_per_query,
    query_ndcg,
    recall_at_k,
    recall_at_k_per_query,
)

QRELS = {
    "q1": {"a": 2, "b": 1, "c": 0, "d": -1},
    "q2": {"x": 1},
    "q3": {"y": 0},  # no relevant document
}
RUN = {
    "q1": ["d", "c", "a", "e", "b"],
    "q2": ["z", "w"],
    "q3": ["y"],
    "q9": ["a"],  # not in qrels: ignored
}


def test_ndcg_hand_computed() -> None:
    # q1 top 3: d (gain 0: negative grade), c (0), a (2 at rank 3 -> 2 / log2 4 = 1).
    idcg3 = 2 + 1 / math.log2(3)
    assert query_ndcg(QRELS["q1"], RUN["q1"], k=3) == pytest.approx(1 / idcg3)
    # top 5 adds b (1 at rank 5 -> 1 / log2 6)
    dcg5 = 1 + 1 / math.log2(6)
    per = ndcg_at_k_per_query(QRELS, RUN, k=5)
    assert per == pytest.approx({"q1": dcg5 / idcg3, "q2": 0.0, "q3": 0.0})
    assert ndcg_at_k(QRELS, RUN, k=5) == pytest.approx(dcg5 / idcg3 / 3)


def test_perfect_ranking_is_one() -> None:
    assert query_ndcg({"a": 3, "b": 1}, ["a", "b", "c"]) == pytest.approx(1.0)
    assert query_ndcg({"a": 3, "b": 1}, ["b", "a"]) < 1.0


def test_recall_precision_mrr_hand_computed() -> None:
    assert recall_at_k_per_query(QRELS, RUN, k=3) == {"q1": 0.5, "q2": 0.0, "q3": 0.0}
    assert recall_at_k_per_query(QRELS, RUN, k=5)["q1"] == 1.0
    assert precision_at_k_per_query(QRELS, RUN, k=5)["q1"] == pytest.approx(2 / 5)
    # P@k divides by k even when fewer were retrieved
    assert precision_at_k({"q": {"a": 1}}, {"q": ["a"]}, k=10) == pytest.approx(0.1)
    assert mrr_at_k_per_query(QRELS, RUN, k=10)["q1"] == pytest.approx(1 / 3)
    assert mrr_at_k_per_query(QRELS, RUN, k=2)["q1"] == 0.0
    assert recall_at_k(QRELS, RUN, k=5) == pytest.approx(1 / 3)
    assert mrr_at_k(QRELS, RUN, k=10) == pytest.approx(1 / 9)


def test_missing_query_scores_zero_and_duplicates_count_once() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    assert ndcg_at_k(qrels, {"q1": ["a"]}) == pytest.approx(0.5)
    # "a" repeated: the second copy neither counts again nor takes a slot
    assert precision_at_k({"q": {"a": 1, "b": 1}}, {"q": ["a", "a", "b"]}, k=2) == 1.0


def test_errors() -> None:
    with pytest.raises(EvaluationError, match="empty"):
        ndcg_at_k({}, RUN)
    with pytest.raises(ConfigError, match="k must"):
        ndcg_at_k(QRELS, RUN, k=0)


def _random_case(seed: int) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(30)]
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, list[str]] = {}
    for q in range(15):
        qid = f"q{q}"
        judged = rng.sample(docs, rng.randint(1, 8))
        qrels[qid] = {d: rng.choice([-1, 0, 0, 1, 1, 2, 3]) for d in judged}
        run[qid] = rng.sample(docs, rng.randint(0, 20))
    return qrels, run


@pytest.mark.parametrize("seed", range(5))
def test_oracle_pytrec_eval(seed: int) -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run = _random_case(seed)
    # pytrec_eval takes scores; give strictly decreasing ones so it keeps our order.
    scored = {q: {d: float(len(ds) - i) for i, d in enumerate(ds)} for q, ds in run.items()}
    measures = {"ndcg_cut.5", "ndcg_cut.10", "recall.5", "recall.10", "P.5", "P.10"}
    ref = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(scored)
    for k in (5, 10):
        ours = {
            f"ndcg_cut_{k}": ndcg_at_k_per_query(qrels, run, k),
            f"recall_{k}": recall_at_k_per_query(qrels, run, k),
            f"P_{k}": precision_at_k_per_query(qrels, run, k),
        }
        for name, values in ours.items():
            for qid in qrels:
                expected = ref[qid][name] if qid in ref else 0.0
                assert values[qid] == pytest.approx(expected, abs=1e-9), (name, qid)
    # recip_rank has no cut-off in trec_eval: compare MRR@k on runs cut at k
    for k in (3, 10):
        cut = {q: {d: s for d, s in ds.items() if s > len(ds) - k} for q, ds in scored.items()}
        ref_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)
        ours_rr = mrr_at_k_per_query(qrels, run, k)
        for qid in qrels:
            expected = ref_rr[qid]["recip_rank"] if qid in ref_rr else 0.0
            assert ours_rr[qid] == pytest.approx(expected, abs=1e-9), qid
