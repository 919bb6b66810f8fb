"""Classification with the hash embedder: zero-shot, few-shot, trained head, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.embed.hashing import HashEmbedder
from veracity.errors import ConfigError
from veracity.tasks import Example, Label, build_classifier, classify, parse_label_spec

EMB = HashEmbedder(dim=512)

TOPICS = {
    "billing": ["invoice", "charged", "payment", "refund", "card", "bill", "price"],
    "shipping": ["parcel", "delivery", "courier", "package", "shipped", "tracking", "arrived"],
    "login": ["password", "login", "account", "locked", "sign", "username", "reset"],
}


def examples(per_label: int, seed: int = 0) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for label, words in TOPICS.items():
        for _ in range(per_label):
            picked = rng.choice(words, size=3, replace=False)
            out.append(Example(f"my {picked[0]} and the {picked[1]} {picked[2]} problem", label))
    return out


QUERIES = [
    ("I was charged twice on my card, please refund the payment", "billing"),
    ("the courier lost my package and tracking shows nothing", "shipping"),
    ("cannot reset my password, account locked", "login"),
]


def test_zero_shot_matches_label_descriptions() -> None:
    labels = [Label(name, " ".join(words)) for name, words in TOPICS.items()]
    model = build_classifier(labels, embedder=EMB)
    assert model.mode == "zero-shot" and model.calibration is None
    got = model.classify([q for q, _ in QUERIES])
    assert [r.label for r in got] == [gold for _, gold in QUERIES]
    for r in got:
        probs = dict(r.probabilities)
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
        assert r.probability == pytest.approx(max(probs.values()), abs=1e-6)


def test_few_shot_centroids_with_leave_one_out_calibration() -> None:
    model = build_classifier(list(TOPICS), examples(3), embedder=EMB)
    assert model.mode == "few-shot"
    assert model.calibration is not None and model.calibration.held_out == 9
    assert model.calibration.temperature > 0
    assert [r.label for r in model.classify([q for q, _ in QUERIES])] == [g for _, g in QUERIES]


def test_head_is_chosen_with_enough_examples_and_is_calibrated_out_of_fold() -> None:
    train = examples(12)
    model = build_classifier([], train, embedder=EMB)  # labels come from the examples
    assert model.mode == "head"
    assert [label.name for label in model.labels] == list(TOPICS)
    cal = model.calibration
    assert cal is not None and cal.held_out == len(train)
    assert 0.0 <= cal.ece_after <= 1.0
    held_out = examples(5, seed=99)
    got = model.classify([e.text for e in held_out])
    accuracy = np.mean([r.label == e.label for r, e in zip(got, held_out, strict=True)])
    assert accuracy >= 0.9
    assert [r.label for r in model.classify([q for q, _ in QUERIES])] == [g for _, g in QUERIES]


def test_explicit_modes_agree_on_easy_inputs() -> None:
    texts = [q for q, _ in QUERIES]
    for mode in ("few-shot", "head"):
        got = classify(texts, list(TOPICS), examples(10), embedder=EMB, mode=mode)
        assert [r.label for r in got] == [g for _, g in QUERIES], mode


def test_empty_input_gives_no_results() -> None:
    assert classify([], ["a", "b"], embedder=EMB) == []


@pytest.mark.parametrize(
    ("labels", "train", "mode", "message"),
    [
        (["only"], [], "auto", "at least 2 labels"),
        (["a", "a"], [], "auto", "unique"),
        (["a", "b"], [Example("x", "c")], "auto", "not among"),
        (["a", "b"], [Example("x", "a")], "auto", "have no examples"),
        (["a", "b"], [], "head", "needs labelled examples"),
        (["a", "b"], [], "magic", "unknown classification mode"),
    ],
)
def test_errors_say_what_to_fix(
    labels: list[str], train: list[Example], mode: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build_classifier(labels, train, embedder=EMB, mode=mode)


def test_parse_label_spec() -> None:
    assert parse_label_spec("a, b=about b things ,c,") == (
        Label("a"),
        Label("b", "about b things"),
        Label("c"),
    )
