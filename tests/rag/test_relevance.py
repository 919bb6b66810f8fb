"""The relevance model, BM25 query coverage, the blend reranker, and the abstention floor."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import veracity
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.generate.fake import ScriptedGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.rag.relevance import MODEL_PATH, BlendReranker, RelevanceModel, query_coverage
from veracity.records import Document, Hit
from veracity.retrieve.search import SearchOptions

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SAMPLES_SET = Path(__file__).with_name("abstention_samples.jsonl")

TINY = {
    "cats": "Cats are small domestic felines that purr and chase mice around the house.",
    "rivers": "The Danube river flows through Vienna, Budapest and Belgrade to the Black Sea.",
    "bread": "Sourdough bread rises with a starter of wild yeast and lactic acid bacteria.",
    "tax": "Quarterly tax returns are filed with the revenue office before the deadline.",
}


@pytest.fixture
def tiny(tmp_path: Path) -> Collection:
    col = veracity.open(tmp_path / "tiny", embedder="hash")
    col.add([Document.make(f"tiny:{k}", v, title=k) for k, v in TINY.items()])
    return col


# -- RelevanceModel.probability ---------------------------------------------------------------


def test_probability_is_the_logistic_of_the_linear_score() -> None:
    m = RelevanceModel(w_cosine=2.0, w_coverage=3.0, bias=-1.0, floor=0.5)
    z = 2.0 * 0.4 + 3.0 * 0.5 - 1.0
    assert m.probability(0.4, 0.5) == pytest.approx(1 / (1 + math.exp(-z)))
    assert RelevanceModel(0.0, 0.0, 0.0, 0.5).probability(0.9, 0.9) == pytest.approx(0.5)


def test_probability_is_monotone_and_stable_at_extremes() -> None:
    m = RelevanceModel(w_cosine=5.0, w_coverage=20.0, bias=-8.0, floor=0.5)
    assert m.probability(0.2, 0.1) < m.probability(0.6, 0.1) < m.probability(0.6, 0.7)
    huge = RelevanceModel(w_cosine=1e4, w_coverage=0.0, bias=0.0, floor=0.5)
    assert huge.probability(1.0, 0.0) == pytest.approx(1.0)
    assert huge.probability(-1.0, 0.0) == pytest.approx(0.0)  # no overflow in exp
    for c in np.linspace(-1, 1, 9):
        assert 0.0 <= huge.probability(float(c), 0.5) <= 1.0


# -- loading ----------------------------------------------------------------------------------


def test_shipped_file_has_default_and_calibrated_entries() -> None:
    models = json.loads(MODEL_PATH.read_text())["models"]
    assert {"default", "minilm", "hash-256"} <= set(models)
    for entry in models.values():
        assert 0.0 < entry["floor"] < 1.0
        assert entry["source"]
    assert models["default"]["w_cosine"] == 0.0  # coverage only: valid for any embedder


def test_load_by_embedder_name_falls_back_to_default() -> None:
    models = json.loads(MODEL_PATH.read_text())["models"]
    hashed = RelevanceModel.load("hash-256")
    assert hashed.w_coverage == pytest.approx(models["hash-256"]["w_coverage"])
    assert hashed.floor == pytest.approx(models["hash-256"]["floor"])
    other = RelevanceModel.load("some-user-model")
    assert other == RelevanceModel.load("default")


def test_load_reports_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"w_cosine": 1.0}))  # the old flat format, no "models"
    with pytest.raises(ConfigError, match="calibrate_relevance"):
        RelevanceModel.load("minilm", bad)
    with pytest.raises(ConfigError):
        RelevanceModel.load("minilm", tmp_path / "missing.json")


# -- query_coverage ---------------------------------------------------------------------------


def test_coverage_is_between_zero_and_one(tiny: Collection) -> None:
    bm25 = tiny.indexes().bm25()
    for query in ("cats purr", "danube river vienna budapest belgrade", "cats cats cats", "tax"):
        ids, _ = bm25.search(query, 10)
        cov = query_coverage(bm25, query, ids.tolist())
        assert cov.shape == ids.shape
        assert np.all((cov >= 0.0) & (cov <= 1.0))


def test_coverage_is_the_idf_share_of_the_query_terms_held() -> None:
    from veracity.index.bm25 import BM25Index
    from veracity.text.analyzer import get_analyzer

    bm25 = BM25Index(get_analyzer("english"))
    bm25.add([1, 2, 3], ["alpha beta", "alpha gamma", "delta"])
    idf = {t: math.log(1 + (3 - df + 0.5) / (df + 0.5)) for t, df in
           (("alpha", 2), ("beta", 1), ("gamma", 1), ("zeta", 0))}  # fmt: skip
    cov = query_coverage(bm25, "alpha beta zeta", [1, 2, 3, 99])
    whole = idf["alpha"] + idf["beta"] + idf["zeta"]
    assert cov.tolist() == pytest.approx(
        [(idf["alpha"] + idf["beta"]) / whole, idf["alpha"] / whole, 0.0, 0.0]
    )


def test_coverage_does_not_depend_on_the_length_of_the_chunk() -> None:
    # A question a long chunk answers word for word is covered as fully as by a short chunk: a
    # small folder's one long document is not penalised against the collection's mean length.
    from veracity.index.bm25 import BM25Index
    from veracity.text.analyzer import get_analyzer

    bm25 = BM25Index(get_analyzer("english"))
    filler = " ".join(f"word{i}" for i in range(300))
    bm25.add([1, 2, 3], ["the railway arrived in 1847", f"{filler} the railway arrived", "mill"])
    assert query_coverage(bm25, "When did the railway arrive?", [1, 2]).tolist() == [1.0, 1.0]


def test_terms_unseen_by_the_index_lower_coverage(tiny: Collection) -> None:
    bm25 = tiny.indexes().bm25()

    def top_coverage(query: str) -> float:
        ids, _ = bm25.search(query, 1)
        return float(query_coverage(bm25, query, ids.tolist())[0])

    seen = top_coverage("danube river")
    unseen = top_coverage("danube river zanzibar cryptography")
    assert 0.0 < unseen < seen
    assert query_coverage(bm25, "zanzibar", [1, 2, 3]).tolist() == [0.0, 0.0, 0.0]


def test_function_words_the_collection_never_saw_do_not_lower_coverage(tiny: Collection) -> None:
    # In four chunks "how", "often" and "should" never occur; counted, their idf (the highest
    # there is) would pull the coverage of the passage that answers down to a fraction.
    bm25 = tiny.indexes().bm25()

    def top_coverage(query: str) -> float:
        ids, _ = bm25.search(query, 1)
        return float(query_coverage(bm25, query, ids.tolist())[0])

    bare = top_coverage("file quarterly tax returns")
    assert bare > 0.0
    assert top_coverage("How often should I file quarterly tax returns?") == pytest.approx(bare)
    # a content word never seen still counts: the documents may not cover it
    assert top_coverage("file quarterly tax returns zanzibar") < bare


def test_coverage_of_a_query_with_no_terms_is_zero(tiny: Collection) -> None:
    bm25 = tiny.indexes().bm25()
    assert query_coverage(bm25, "the of and", [1, 2]).tolist() == [0.0, 0.0]


# -- BlendReranker ----------------------------------------------------------------------------


def test_blend_reranker_puts_the_relevant_chunk_first(tiny: Collection) -> None:
    model = RelevanceModel(w_cosine=4.0, w_coverage=8.0, bias=-4.0, floor=0.5)
    rer = BlendReranker(tiny.store, tiny.indexes().bm25(), tiny.embedder(), model)
    searcher = tiny.searcher(SearchOptions(mode="hybrid", candidates=10))
    query = "which river flows through Vienna and Budapest"
    hits = rer.rerank(query, searcher.retrieve(query, 4), 4)
    assert hits[0].uri == "tiny:rivers"
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    for h in hits:  # the score is the model's probability of the features it records
        feats = (h.explain or {})["relevance"]
        assert h.score == pytest.approx(model.probability(feats["cosine"], feats["coverage"]))
    assert len(rer.rerank(query, searcher.retrieve(query, 4), 2)) == 2
    assert rer.rerank(query, [], 3) == []


def test_a_greeting_around_the_question_does_not_lower_relevance(tiny: Collection) -> None:
    model = RelevanceModel(w_cosine=4.0, w_coverage=8.0, bias=-4.0, floor=0.5)
    rer = BlendReranker(tiny.store, tiny.indexes().bm25(), tiny.embedder(), model)
    searcher = tiny.searcher(SearchOptions(mode="hybrid", candidates=10))
    bare = "which river flows through Vienna and Budapest?"
    message = f"Hello there! Sorry to bother you with trivia, but {bare} Thanks a lot, cheers."
    hits = searcher.retrieve(message, 4)
    bare_scores = {h.uri: h.score for h in rer.rerank(bare, hits, 4)}
    whole = dict(zip([h.uri for h in hits], map(float, model_scores(rer, message, hits)),
                     strict=True))  # fmt: skip
    got = {h.uri: h.score for h in rer.rerank(message, hits, 4)}
    assert got["tiny:rivers"] > whole["tiny:rivers"]  # the greeting did cost relevance
    for uri, score in got.items():  # each hit keeps the better of message and question
        assert score == pytest.approx(max(whole[uri], bare_scores[uri]))


def model_scores(rer: BlendReranker, query: str, hits: list[Hit]) -> list[float]:
    cosine, coverage = rer.features(query, hits)
    return [rer.model.probability(c, v) for c, v in zip(cosine, coverage, strict=True)]


COURSE = (
    "DS210 runs for twelve weeks in the spring semester. Lectures are on Mondays in room B104. "
    "Labs are held on Fridays in the computer lab C2. Quizzes count for a fifth of the grade."
)


def test_a_chunk_is_as_relevant_as_its_best_two_sentence_window(tmp_path: Path) -> None:
    col = veracity.open(tmp_path / "course", embedder="hash")
    col.add([Document.make("course", COURSE), Document.make("other", "Otters juggle pebbles.")])
    rer = BlendReranker(col.store, col.indexes().bm25(), col.embedder())
    question = "Where are the labs held?"
    hits = [h for h in col.search(question, 2) if h.uri == "course"]
    cosine, _ = rer.features(question, hits)
    emb = col.embedder()
    q = emb.embed([question])[0]
    whole = float(emb.embed([COURSE])[0] @ q)
    sentences = [
        "DS210 runs for twelve weeks in the spring semester.",
        "Lectures are on Mondays in room B104.",
        "Labs are held on Fridays in the computer lab C2.",
        "Quizzes count for a fifth of the grade.",
    ]
    windows = [float(emb.embed([f"{a} {b}"])[0] @ q) for a, b in pairwise(sentences)]
    assert max(windows) > whole  # the labs sentences say more about labs than the page
    assert cosine[0] == pytest.approx(max(windows), abs=1e-5)


def test_blend_reranker_loads_the_model_of_its_embedder(tiny: Collection) -> None:
    rer = BlendReranker(tiny.store, tiny.indexes().bm25(), tiny.embedder())
    assert rer.model == RelevanceModel.load("hash-256")


# -- the abstention floor in the engine -------------------------------------------------------


def test_engine_abstains_off_topic_and_answers_on_topic(tmp_path: Path) -> None:
    col = veracity.open(tmp_path / "samples", embedder="hash")
    col.add(SAMPLES)
    rer = BlendReranker(col.store, col.indexes().bm25(), col.embedder())
    assert rer.model == RelevanceModel.load("hash-256")
    gen = ScriptedGenerator(["Employees get 25 vacation days per year [1]."], cycle=True)
    # the engine as Collection.answer_engine wires it; a lexical judge keeps the test self-contained
    engine = AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid", candidates=100)),
        gen,
        LexicalJudge(),
        reranker=rer,
        options=AskOptions(relevance_floor=rer.model.floor),
    )

    off = engine.ask("What is the capital of Mongolia?")
    assert off.abstained
    assert "relevance" in off.reason
    assert gen.calls == []  # the floor stopped it before any generation

    engine.ask("How many vacation days do employees get?")
    assert len(gen.calls) == 1  # past the floor: the generator was asked


def test_samples_set_is_balanced_and_well_formed() -> None:
    rows = [json.loads(line) for line in SAMPLES_SET.read_text().splitlines() if line.strip()]
    assert len(rows) == 30
    assert sum(r["answerable"] for r in rows) == 15
    assert len({r["question"] for r in rows}) == 30


@pytest.mark.slow
def test_minilm_floor_decides_the_samples_set(tmp_path: Path) -> None:
    """Retrieval-level abstention with the calibrated MiniLM model on questions over samples/."""
    col = veracity.open(tmp_path / "samples", embedder="minilm")
    col.add(SAMPLES)
    rer = BlendReranker(col.store, col.indexes().bm25(), col.embedder())
    assert rer.model == RelevanceModel.load("minilm")
    floor = AskOptions(relevance_floor=rer.model.floor).relevance_floor
    searcher = col.searcher(SearchOptions(mode="hybrid", candidates=100))
    rows = [json.loads(line) for line in SAMPLES_SET.read_text().splitlines() if line.strip()]
    correct = 0
    for row in rows:
        hits = rer.rerank(row["question"], searcher.retrieve(row["question"], 30), 30)
        answers = bool(hits) and hits[0].score >= floor
        correct += answers == row["answerable"]
    assert correct / len(rows) >= 0.8, f"{correct}/{len(rows)} correct decisions"


def test_the_engine_reranker_sees_documents_added_after_it_was_built(tiny: Collection) -> None:
    """``answer_engine`` hands the reranker the collection's index set, not the BM25 index of
    the day: an ingest big enough that the next search rebuilds the index (a new object) must
    not leave the reranker scoring against the old one (coverage 0 for every new document)."""
    engine = tiny.answer_engine(ScriptedGenerator(["-"]), reader=False, cache=False, guard=False)
    rer = engine.reranker
    assert isinstance(rer, BlendReranker)
    tiny.search("cats", 1)
    bulk = [Document.make(f"bulk:{i}", f"Filler note {i} about gardening.") for i in range(1100)]
    bulk.append(Document.make("new:otters", "Otters juggle pebbles in the harbour."))
    tiny.add(bulk, scan=False)
    hits = [h for h in tiny.search("otters juggle pebbles", 3) if h.uri == "new:otters"]
    _, coverage = rer.features("otters juggle pebbles", hits)
    assert coverage[0] > 0
