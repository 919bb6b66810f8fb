"""The search analyzers: folding, lowercase, stop words, stemming, and parity with bm25s."""

from __future__ import annotations

import pytest

from veracity.errors import ConfigError
from veracity.text.analyzer import ENGLISH_STOPWORDS, Analyzer, fold, get_analyzer


def test_english_lowercases_folds_drops_stopwords_and_stems() -> None:
    tokens = get_analyzer("english").tokens("The Café's runners were RUNNING to the Zürich labs!")
    assert tokens == ["cafe", "runner", "were", "run", "zurich", "lab"]


def test_single_characters_are_not_tokens() -> None:
    assert get_analyzer("simple").tokens("a b cd 7 42") == ["cd", "42"]


def test_simple_keeps_stopwords_and_word_forms() -> None:
    assert get_analyzer("simple").tokens("The Runners ran") == ["the", "runners", "ran"]


def test_none_splits_on_whitespace_only() -> None:
    assert get_analyzer("none").tokens("Keep  as-is x") == ["Keep", "as-is", "x"]


def test_fold_strips_accents() -> None:
    assert fold("naïve résumé Ångström") == "naive resume Angstrom"


def test_lucene_english_stop_set() -> None:
    assert len(ENGLISH_STOPWORDS) == 33
    assert {"the", "and", "with", "will"} <= ENGLISH_STOPWORDS
    assert "he" not in ENGLISH_STOPWORDS


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="english"):
        get_analyzer("klingon")
    with pytest.raises(ConfigError, match="porter"):
        Analyzer(stemmer="klingon")


def test_config_round_trip() -> None:
    analyzer = Analyzer(stemmer="porter", stopwords=frozenset({"x"}))
    again = Analyzer.from_config(analyzer.config())
    assert again == analyzer
    assert again.tokens("x running") == ["run"]


def test_matches_bm25s_tokenizer() -> None:
    bm25s = pytest.importorskip("bm25s")
    stemmer = pytest.importorskip("Stemmer").Stemmer("english")
    texts = [
        "Microbial communities in the gut: a 16S rRNA survey of 2,000 adults.",
        "It was the best of times, it was the worst of times; they were running.",
    ]
    ours = [get_analyzer("english").tokens(t) for t in texts]
    theirs = bm25s.tokenize(
        texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
    )
    assert ours == theirs


def test_technical_indexes_the_parts_of_identifiers_beside_them() -> None:
    technical = get_analyzer("technical")
    assert technical.tokens("Set log_level and maxRetries on the HTTPServer.") == [
        "set", "log_level", "log", "level", "maxretri", "max", "retri",
        "httpserver", "http", "server",
    ]  # fmt: skip
    # dunder names, a leading underscore, plain words and versioned names have no parts to add
    assert technical.tokens("__init__ _private NASA Mission GPLv3 LGPLv2") == [
        "__init__", "_privat", "nasa", "mission", "gplv3", "lgplv2",
    ]  # fmt: skip
    # the English analyzer does not split (bm25s parity)
    assert get_analyzer("english").tokens("log_level maxRetries") == ["log_level", "maxretri"]


def test_split_identifiers_round_trips_and_defaults_off_in_old_configs() -> None:
    technical = get_analyzer("technical")
    assert Analyzer.from_config(technical.config()) == technical
    old = {k: v for k, v in technical.config().items() if k != "split_identifiers"}
    assert Analyzer.from_config(old) == get_analyzer("english")
