from __future__ import annotations

import random
from typing import Any

import pytest

from veracity.errors import ConfigError, EvaluationError
from veracity.evaluate.ir_metrics import ndcg_at_k
from veracity.retrieve.fusion import Ranked, fuse
from veracity.retrieve.tuning.grid import ALPHAS, Candidate, fusion_grid, simplicity, tune_fusion
from veracity.retrieve.tuning.queries import cloze_queries, synthetic_queries

Runs = dict[str, dict[str, Ranked]]
Qrels = dict[str, dict[str, int]]


def _adversarial(good: str, n_queries: int = 12) -> tuple[Runs, Qrels]:
    """``good`` ranks the relevant doc first; the other retriever misses it and ranks first the
    doc ``good`` has second. Min-max convex then finds the relevant doc first iff the weight on
    the bad list is < 1/3 (good list scores 10, 5, 0: (1-a) * 1 > (1-a) * 0.5 + a), so alphas
    0.0..0.3 (good = bm25) or 0.7..1.0 (good = dense) are perfect, and rrf is not.
    """
    bad = "dense" if good == "bm25" else "bm25"
    runs: dict[str, dict[str, Ranked]] = {}
    qrels: dict[str, dict[str, int]] = {}
    for q in range(n_queries):
        rel, x, y, z = 100 * q + 1, 100 * q + 2, 100 * q + 3, 100 * q + 4
        runs[f"q{q}"] = {good: [(rel, 10.0), (x, 5.0), (y, 0.0)], bad: [(x, 0.9), (z, 0.1)]}
        qrels[f"q{q}"] = {str(rel): 1}
    return runs, qrels


def test_grid_shape() -> None:
    grid = fusion_grid()
    assert len(grid) == 4 + 3 * 11
    assert ALPHAS[3] == 0.3 and ALPHAS[-1] == 1.0
    assert ("rrf", {"k": 60}) in grid


def test_bm25_good_picks_alpha_point_three() -> None:
    runs, qrels = _adversarial("bm25")
    result = tune_fusion(runs, qrels, ndcg_at_k)
    assert result.method == "convex"
    assert result.params == {"alpha": 0.3, "normalization": "minmax"}
    assert result.ndcg == pytest.approx(1.0)
    by_label = {c.label: c.ndcg for c in result.table}
    assert by_label["convex(minmax, alpha=0.4)"] < 1.0
    assert by_label["rrf(k=60)"] < 1.0
    assert len(result.table) == 37
    assert "convex(minmax, alpha=0.3)" in result.reason
    assert "only 12 queries" in result.reason


def test_dense_good_picks_alpha_point_seven() -> None:
    runs, qrels = _adversarial("dense")
    result = tune_fusion(runs, qrels, ndcg_at_k)
    assert result.params == {"alpha": 0.7, "normalization": "minmax"}


def test_all_perfect_prefers_rrf_60() -> None:
    runs = {
        f"q{q}": {"bm25": [(q, 3.0), (q + 100, 1.0)], "dense": [(q, 0.9), (q + 200, 0.2)]}
        for q in range(40)
    }
    qrels = {f"q{q}": {str(q): 1} for q in range(40)}
    result = tune_fusion(runs, qrels, ndcg_at_k)
    assert (result.method, result.params) == ("rrf", {"k": 60})
    assert "36 other candidate(s)" in result.reason
    assert "noisy" not in result.reason


def test_simplicity_order() -> None:
    cands = [
        Candidate("convex", {"alpha": 0.5, "normalization": "dbsf"}, 1.0),
        Candidate("convex", {"alpha": 0.2, "normalization": "minmax"}, 1.0),
        Candidate("convex", {"alpha": 0.5, "normalization": "minmax"}, 1.0),
        Candidate("rrf", {"k": 100}, 1.0),
        Candidate("rrf", {"k": 30}, 1.0),
        Candidate("rrf", {"k": 60}, 1.0),
    ]
    labels = [c.label for c in sorted(cands, key=simplicity)]
    assert labels == [
        "rrf(k=60)",
        "rrf(k=30)",
        "rrf(k=100)",
        "convex(minmax, alpha=0.5)",
        "convex(minmax, alpha=0.2)",
        "convex(dbsf, alpha=0.5)",
    ]


def test_tune_errors_and_custom_grid() -> None:
    runs, qrels = _adversarial("bm25", 3)
    with pytest.raises(EvaluationError, match="empty"):
        tune_fusion(runs, {}, ndcg_at_k)
    with pytest.raises(EvaluationError, match="no query"):
        tune_fusion({"other": runs["q0"]}, qrels, ndcg_at_k)
    with pytest.raises(ConfigError, match="grid is empty"):
        tune_fusion(runs, qrels, ndcg_at_k, grid=[])
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        tune_fusion(runs, qrels, ndcg_at_k, grid=[("convex", {"alpha": 2.0})])
    result = tune_fusion(runs, qrels, ndcg_at_k, grid=[("rrf", {"k": 60}), ("rrf", {"k": 1})])
    assert len(result.table) == 2
    custom: list[tuple[str, dict[str, Any]]] = [
        ("convex", {"weights": {"bm25": 1.0, "dense": 0.0}}),
        ("rrf", {"k": 60}),
    ]
    result = tune_fusion(runs, qrels, ndcg_at_k, grid=custom)
    assert result.table[0].label == "convex(weights={'bm25': 1.0, 'dense': 0.0})"
    assert result.params == {"weights": {"bm25": 1.0, "dense": 0.0}}  # bm25 is perfect here


# --- synthetic queries -------------------------------------------------------------------------

CHUNKS = [
    (3, "Intro.\nThe quick brown fox jumps over the lazy dog today. Short one. Final words here."),
    (1, "# Heading\nSolar panels convert sunlight into electricity using photovoltaic cells. End."),
    (2, "Too short. Also short. Tiny."),
    (7, "Other. Solar panels convert sunlight into electricity using photovoltaic cells. More."),
]


def test_synthetic_queries_deterministic_and_valid() -> None:
    q1, r1 = synthetic_queries(CHUNKS, n=10, seed=4)
    q2, r2 = synthetic_queries(list(reversed(CHUNKS)), n=10, seed=4)
    assert (q1, r1) == (q2, r2)  # input order does not matter
    assert set(q1) == set(r1)
    assert 1 <= len(q1) <= 3  # chunk 2 has no sentence of 6-30 words; duplicates are dropped
    texts = dict(CHUNKS)
    for qid, sentence in q1.items():
        assert 6 <= len(sentence.split()) <= 30
        assert all(sentence in " ".join(texts[int(d)].split()) for d in r1[qid])


def test_synthetic_queries_marks_overlapping_chunks() -> None:
    queries, qrels = synthetic_queries(CHUNKS[1:2] + CHUNKS[3:], n=1, seed=0)
    (qid,) = queries
    assert queries[qid].startswith("Solar panels")
    assert set(qrels[qid]) == {"1", "7"}


def test_synthetic_queries_prefers_middle_sentence() -> None:
    text = (
        "One two three four five six seven first. "
        "Alpha beta gamma delta epsilon zeta middle. "
        "Eight nine ten eleven twelve thirteen last."
    )
    for seed in range(5):
        queries, _ = synthetic_queries([(1, text)], n=1, seed=seed)
        assert list(queries.values()) == ["Alpha beta gamma delta epsilon zeta middle."]


def test_synthetic_queries_seed_and_n() -> None:
    chunks = [
        (i, f"Start. Sentence number {i} has quite a few words in it. End.") for i in range(50)
    ]
    a, _ = synthetic_queries(chunks, n=5, seed=1)
    b, _ = synthetic_queries(chunks, n=5, seed=2)
    assert len(a) == 5 and a != b
    assert synthetic_queries(chunks, n=0, seed=1) == ({}, {})
    with pytest.raises(ConfigError):
        synthetic_queries(chunks, n=-1, seed=1)


# --- inverse-cloze queries ---------------------------------------------------------------------

SOLAR = "Solar panels convert sunlight into electricity using photovoltaic cells."
DOCS = {
    10: ("a", f"Intro line. {SOLAR} More text."),
    11: ("a", f"{SOLAR} Overlap copy of the sentence."),  # an overlapping chunker repeats it
    12: ("a", "Inverters turn the direct current into alternating current for the grid. Done."),
    20: ("b", "Only chunk. The quick brown fox jumps over the lazy dog today. Bye."),
    30: ("c", "Start. Wind turbines turn moving air into electricity for many homes. End."),
    31: ("c", "Start. Offshore farms place the turbines where the wind is strongest. End."),
}


def test_cloze_queries_answer_with_the_other_chunks_of_the_document() -> None:
    chunks = [(cid, text) for cid, (_, text) in DOCS.items()]
    doc_of = {cid: doc for cid, (doc, _) in DOCS.items()}
    got = cloze_queries(chunks, doc_of, n=10, seed=3)
    again = cloze_queries(list(reversed(chunks)), doc_of, n=10, seed=3)
    assert got == again  # input order does not matter
    assert set(got.queries) == set(got.qrels) == set(got.exclude)
    texts = {cid: " ".join(t.split()) for cid, t in chunks}
    for qid, sentence in got.queries.items():
        assert 6 <= len(sentence.split()) <= 30
        held = {cid for cid, t in texts.items() if sentence in t}
        assert {str(c) for c in held} <= got.exclude[qid]  # every chunk holding it is left out
        answers = {int(c) for c in got.qrels[qid]}
        assert answers and not answers & held
        assert len({doc_of[c] for c in answers | held}) == 1  # one document
    # A one-chunk document cannot give a query: no other chunk could answer it.
    assert not any("fox" in q for q in got.queries.values())
    solar = [q for q, s in got.queries.items() if s == SOLAR]
    if solar:
        assert got.exclude[solar[0]] == frozenset({"10", "11"})
        assert got.qrels[solar[0]] == {"12": 1}


def test_cloze_queries_edge_cases() -> None:
    chunks = [(cid, text) for cid, (_, text) in DOCS.items()]
    assert cloze_queries(chunks, {}, n=5).queries == {}  # no document known
    assert cloze_queries(chunks, {c: d for c, (d, _) in DOCS.items()}, n=0).queries == {}
    with pytest.raises(ConfigError):
        cloze_queries(chunks, {}, n=-1)


def test_table_matches_plain_fuse() -> None:
    # The grid evaluation normalizes once per normalization; it must score exactly like fuse().
    rng = random.Random(7)
    runs: Runs = {}
    qrels: Qrels = {}
    for q in range(15):
        docs = rng.sample(range(40), 20)
        bm25 = sorted(((d, float(rng.randint(0, 5))) for d in docs[:12]), key=lambda t: -t[1])
        dense = sorted(((d, rng.uniform(-1, 1)) for d in docs[6:]), key=lambda t: -t[1])
        runs[f"q{q}"] = {"bm25": bm25, "dense": dense}
        qrels[f"q{q}"] = {str(d): rng.randint(0, 2) for d in docs[:8]}
    result = tune_fusion(runs, qrels, ndcg_at_k)
    for c in result.table:
        run = {
            q: [str(f.id) for f in fuse(lists, c.method, **c.params)] for q, lists in runs.items()
        }
        assert c.ndcg == ndcg_at_k(qrels, run), c.label


def test_synthetic_query_whitespace_is_normalized() -> None:
    text = "Title line here.\nThe   committee approved\nthe new budget for   next year. Done."
    other = "Seen: The committee approved the new budget for next year. Yes."
    queries, qrels = synthetic_queries([(1, text), (2, other)], n=2, seed=0)
    assert "The committee approved the new budget for next year." in queries.values()
    qid = next(q for q, s in queries.items() if s.startswith("The committee"))
    assert set(qrels[qid]) == {"1", "2"}


def test_synthetic_queries_can_drop_words_deterministically() -> None:
    text = "Alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima."
    full, _ = synthetic_queries([(1, text)], n=1, seed=3)
    half, qrels = synthetic_queries([(1, text)], n=1, seed=3, keep=0.5)
    again, _ = synthetic_queries([(1, text)], n=1, seed=3, keep=0.5)
    words = half["syn-0"].split()
    assert half == again and qrels == {"syn-0": {"1": 1}}
    assert 4 <= len(words) < len(full["syn-0"].split())
    assert all(w in full["syn-0"].split() for w in words)
