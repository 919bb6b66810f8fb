"""Prioritization: each urgency cue, the noisy-or, and the ranking rule."""

from __future__ import annotations

import pytest

from veracity.embed.hashing import HashEmbedder
from veracity.errors import ConfigError
from veracity.tasks import CUES, Sentiment, prioritize, rank, urgency_cues
from veracity.tasks.priority import NEGATIVITY_WEIGHT, priority_score, urgency


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Please fix this ASAP", "explicit"),
        ("we need it immediately", "explicit"),
        ("the charger started to smoke", "safety"),
        ("the site is down for everyone", "blocked"),
        ("I can't log in since the update", "blocked"),
        ("it stopped working after a week", "blocked"),
        ("I want my money back", "churn"),
        ("cancelling my subscription", "churn"),
        ("I need this by Friday", "deadline"),
        ("the report is due within 2 hours", "deadline"),
        ("this is the third time I write", "repeated"),
        ("still waiting for an answer", "repeated"),
        ("no response since Monday", "repeated"),
        ("THIS IS UNACCEPTABLE", "emphasis"),
        ("why?!!", "emphasis"),
    ],
)
def test_each_cue_fires_on_its_phrasing(text: str, cue: str) -> None:
    assert cue in urgency_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "The food was lovely and the staff were kind.",
        "Download speed is fine.",  # 'down' inside a word is not an outage
        "I use NASA and ESA data",  # acronyms are not shouting
        "The fireplace was cosy.",  # 'fire' inside a word
    ],
)
def test_calm_texts_have_no_cues(text: str) -> None:
    assert urgency_cues(text) == ()


def test_urgency_is_a_noisy_or_of_cue_weights() -> None:
    w = {c.name: c.weight for c in CUES}
    assert urgency(()) == 0.0
    assert urgency(("explicit",)) == pytest.approx(w["explicit"])
    both = 1 - (1 - w["explicit"]) * (1 - w["churn"])
    assert urgency(("explicit", "churn", "churn")) == pytest.approx(both)  # repeats count once
    with pytest.raises(ConfigError, match="unknown urgency cues"):
        urgency(("nope",))


def sentiment(text: str, p_positive: float) -> Sentiment:
    return Sentiment(text, "x", 2 * p_positive - 1, p_positive)


def test_rank_orders_by_negativity_and_urgency() -> None:
    items = [
        sentiment("Lovely product, thanks", 0.95),
        sentiment("Great, but I urgently need another one", 0.9),
        sentiment("The battery is weak and disappointing", 0.05),
        sentiment("Broken on arrival, I want a refund ASAP!!", 0.05),
        sentiment("Meh", 0.5),
    ]
    ranked = rank(items)
    assert [p.index for p in ranked] == [3, 2, 4, 1, 0]
    top = ranked[0]
    assert set(top.cues) == {"explicit", "blocked", "churn", "emphasis"}
    assert top.priority == pytest.approx(priority_score(0.95, urgency(top.cues)), abs=1e-6)
    # a calm, surely negative item outranks a happy one that says "urgent"
    assert ranked[1].priority > ranked[3].priority
    assert priority_score(1.0, 0.0) == pytest.approx(NEGATIVITY_WEIGHT)


def test_ties_go_to_the_more_negative_then_the_earlier() -> None:
    items = [sentiment("same", 0.5), sentiment("same", 0.5), sentiment("same", 0.5)]
    assert [p.index for p in rank(items)] == [0, 1, 2]


def test_prioritize_runs_end_to_end_with_the_hash_head() -> None:
    texts = ["fine", "URGENT the app is down, cannot log in, refund me now!!"]
    ranked = prioritize(texts, embedder=HashEmbedder())
    assert ranked[0].index == 1
    assert ranked[0].as_dict()["cues"] and ranked[0].as_dict()["text"] == texts[1]
