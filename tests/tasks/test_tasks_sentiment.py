"""Sentiment: the shipped heads, the neutral band, errors, and a short training run."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from veracity.embed.hashing import HashEmbedder
from veracity.errors import ConfigError
from veracity.tasks import SentimentAnalyzer, SentimentModel, analyze_sentiment
from veracity.tasks.sentiment import MODEL_PATH
from veracity.train.sentiment import SOURCES, load_uci_sentiment, train_sentiment_head

ROOT = Path(__file__).resolve().parents[2]
POS = ["great", "love", "excellent", "perfect", "wonderful", "happy", "best", "recommend"]
NEG = ["terrible", "awful", "broken", "worst", "hate", "waste", "disappointed", "poor"]
FILLER = ["the", "phone", "food", "movie", "service", "it", "was", "really", "and", "this"]


def synthetic(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    texts = [
        " ".join(
            [*rng.choice(FILLER, 4), rng.choice(POS if label else NEG), *rng.choice(FILLER, 2)]
        )
        for label in y
    ]
    return texts, y


def test_shipped_heads_load_for_their_embedders() -> None:
    doc = json.loads(MODEL_PATH.read_text())
    assert doc["format"] == "veracity-sentiment/1"
    assert MODEL_PATH.stat().st_size < 3_000_000
    for name, dim in (("minilm", 384), ("minilm-onnx", 384), ("hash-256", 256)):
        model = SentimentModel.load(name)
        assert model.weights.shape == (dim,)
        assert 0 < model.low < 0.5 < model.high < 1
    with pytest.raises(
        ConfigError, match=r"no sentiment head for embedder 'nope'.*train_sentiment"
    ):
        SentimentModel.load("nope")


def test_labels_follow_the_calibrated_band() -> None:
    analyzer = SentimentAnalyzer(HashEmbedder())
    texts, _ = synthetic(40, seed=3)
    for s in analyzer.analyze(texts):
        assert s.score == pytest.approx(2 * s.p_positive - 1, abs=1e-5)
        assert s.negativity == pytest.approx(1 - s.p_positive)
        expected = (
            "negative" if s.p_positive < 0.3 else "positive" if s.p_positive > 0.7 else "neutral"
        )
        assert s.label == expected
    assert analyze_sentiment([], embedder=HashEmbedder()) == []


def test_head_and_embedder_must_agree_on_dimension() -> None:
    with pytest.raises(ConfigError, match="256 weights but embedder 'hash-64'"):
        SentimentAnalyzer(HashEmbedder(dim=64), SentimentModel.load("hash-256"))


def test_training_on_more_data_moves_held_out_accuracy_up() -> None:
    emb = HashEmbedder()
    test_texts, test_y = synthetic(300, seed=1)
    x_test = emb.embed(test_texts)

    def held_out(n: int) -> tuple[float, float]:
        texts, y = synthetic(n, seed=2)
        model, _ = train_sentiment_head(emb.embed(texts), y, folds=2 if n < 20 else 5)
        p = model.p_positive(x_test)
        log_loss = -float(np.mean(np.log(np.where(test_y == 1, p, 1 - p))))
        return float(np.mean((p > 0.5) == (test_y == 1))), log_loss

    small_acc, small_loss = held_out(8)
    big_acc, big_loss = held_out(400)
    assert big_acc > small_acc and big_acc > 0.9
    assert big_loss < small_loss and big_loss < math.log(2)  # log 2: the untrained p = 0.5


def test_uci_loader_splits_on_the_last_tab_only(tmp_path: Path) -> None:
    (tmp_path / "amazon_cells_labelled.txt").write_text(
        "Good, \tvery\tgood.\t1\nBad\u0085 one\t0\n"
    )
    got = load_uci_sentiment(tmp_path, ["amazon"])
    assert [(s.text, s.label) for s in got] == [("Good, \tvery\tgood.", 1), ("Bad\u0085 one", 0)]
    with pytest.raises(Exception, match=r"no yelp_labelled\.txt"):
        load_uci_sentiment(tmp_path, ["yelp"])


def test_shipped_hash_head_beats_chance_on_each_uci_source(datasets_dir: Path) -> None:
    data = load_uci_sentiment(datasets_dir / "sentiment")
    assert len(data) == 3000
    analyzer = SentimentAnalyzer(HashEmbedder())
    for source in SOURCES:
        rows = [s for s in data if s.source == source]
        p = np.array([s.p_positive for s in analyzer.analyze([r.text for r in rows])])
        y = np.array([r.label for r in rows])
        assert float(np.mean((p > 0.5) == (y == 1))) > 0.65, source


def test_training_command_writes_a_working_head(datasets_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    cmd = [sys.executable, "-m", "benchmarks.train_sentiment", "--embedder", "hash"]
    cmd += ["--limit", "600", "--out", str(out), "--data", str(datasets_dir / "sentiment")]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    entry = json.loads(out.read_text())["models"]["hash-256"]
    assert entry["metrics"]["n"] == 600
    assert entry["metrics"]["oof_accuracy"] > 0.6  # chance is 0.5
    assert entry["metrics"]["oof_ece_platt"] < 0.1
    model = SentimentModel.load("hash-256", path=out)
    p = model.p_positive(HashEmbedder().embed(["great, I love it", "awful, a waste of money"]))
    assert p[0] > p[1]
