"""Index settings: which vector backend and BM25 variant a collection builds, kept with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import veracity.index.settings as settings
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.index.bm25.index import BM25Index
from veracity.index.contextual import contextual_text
from veracity.index.settings import IndexSettings, read_settings, settings_meta
from veracity.records import Document
from veracity.text.analyzer import get_analyzer

DOCS = [
    Document.make(f"mem://{i}", text)
    for i, text in enumerate(
        [
            "Cats sleep most of the day and hunt at night.",
            "Dogs sleep at night and guard the house by day.",
            "The night sky over the desert is full of stars.",
            "Owls hunt small mammals at night; cats hunt mice.",
            "A house cat sleeps up to sixteen hours a day.",
        ]
    )
]


def test_unset_settings_follow_the_size_and_lucene() -> None:
    s = read_settings(lambda key: None)
    assert s == IndexSettings("auto", "lucene")
    assert s.vector_backend(10) == "exact"
    above = s.vector_backend(settings.HNSW_ABOVE_CHUNKS + 1)
    assert above == ("hnsw" if importlib.util.find_spec("hnswlib") else "exact")
    assert IndexSettings("annoy").vector_backend(10) == "annoy"


@pytest.mark.parametrize(
    ("vector", "bm25", "message"),
    [
        ("nope", None, "choose one of auto, exact, hnsw, faiss, annoy"),
        (None, "bm25plus", "choose one of robertson, lucene, atire, bm25l, bm25+"),
    ],
)
def test_unknown_names_say_what_is_known(
    vector: str | None, bm25: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_meta(vector, bm25)


def test_a_backend_whose_library_is_missing_is_refused_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "_installed", lambda module: module != "faiss")
    with pytest.raises(ConfigError, match=r"needs the faiss package.*veracity\[ann\]"):
        settings_meta("faiss", None)
    assert settings_meta("annoy", "atire") == {"vector_index": "annoy", "bm25_variant": "atire"}


def test_a_refused_choice_stores_nothing(tmp_path: Path) -> None:
    col = Collection(tmp_path / "col", embedder="hash")
    with pytest.raises(ConfigError):
        col.set_index_settings(vector_index="exact", bm25_variant="okapi")
    assert col.index_settings() == IndexSettings()


def test_choices_persist_and_searches_use_them(tmp_path: Path) -> None:
    pytest.importorskip("faiss")
    col = Collection(tmp_path / "col", embedder="hash")
    col.add(DOCS)
    lucene = col.search("cats hunt at night", k=5, mode="bm25")
    exact = col.search("cats hunt at night", k=3, mode="dense")
    col.set_index_settings(vector_index="faiss", bm25_variant="bm25+")
    col.close()

    col = Collection(tmp_path / "col", embedder="hash")
    assert col.index_settings() == IndexSettings("faiss", "bm25+")
    assert col.status().to_dict()["vector_index"] == "faiss"
    assert col.indexes().vector_backend == "faiss"
    plus = col.search("cats hunt at night", k=5, mode="bm25")
    # The oracle: a BM25+ index built directly over the texts the collection indexes.
    every = col.search("cats", k=len(DOCS), mode="dense")  # dense returns every chunk
    oracle = BM25Index(get_analyzer("english"), variant="bm25+")
    texts = [contextual_text(h.chunk.text, h.title, h.chunk.headings) for h in every]
    oracle.add(list(range(len(texts))), texts)
    ids, scores = oracle.search("cats hunt at night", 5)
    # the same scores (two documents tie: their order depends on internal ids)
    want = {every[i].chunk.id: float(score) for i, score in zip(ids, scores, strict=True)}
    assert {h.chunk.id: h.score for h in plus} == pytest.approx(want, rel=1e-6)
    assert [h.score for h in plus] != [h.score for h in lucene]
    # FAISS (HNSW over five vectors) finds the exact neighbours.
    assert [h.chunk.id for h in col.search("cats hunt at night", k=3, mode="dense")] == [
        h.chunk.id for h in exact
    ]
