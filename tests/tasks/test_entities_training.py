"""Training the CRF: a short run on a tiny inline corpus raises held-out entity F1; CoNLL reading."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from veracity.errors import EvaluationError
from veracity.evaluate.ner_metrics import entity_counts, prf_from_counts
from veracity.tasks.entities.iob import ENTITY_TYPES
from veracity.tasks.entities.tagger import default_model_path, load_tagger
from veracity.train.entities import CrfConfig, Sentence, read_conll, train_crf

pytest.importorskip("pycrfsuite")

PEOPLE = ["Anna Berg", "Tom Lund", "Maria Costa", "John Smith", "Ken Ito", "Lea Roth", "Ali Khan",
          "Eva Nowak", "Sam Reed", "Ivy Chen", "Omar Said", "Nina Holm"]  # fmt: skip
ORGS = ["Acme Corp", "Bolt Ltd", "Nordic Bank", "Vega Group", "Delta Air", "Orion Inc"]
PLACES = ["Oslo", "Paris", "Lima", "Cairo", "Tokyo", "Quito", "Perth", "Riga"]
TEMPLATES = [
    "{PER} joined {ORG} in {LOC} .",
    "{ORG} said {PER} will visit {LOC} on Monday .",
    "In {LOC} , {PER} criticised {ORG} .",
    "shares of {ORG} fell after {PER} left .",
]


def _sentence(
    rng: random.Random, people: list[str], orgs: list[str], places: list[str]
) -> Sentence:
    tokens: list[str] = []
    tags: list[str] = []
    for word in rng.choice(TEMPLATES).split():
        if word.startswith("{"):
            kind = word[1:-1]
            pool = {"PER": people, "ORG": orgs, "LOC": places}[kind]
            for i, part in enumerate(rng.choice(pool).split()):
                tokens.append(part)
                tags.append(("B-" if i == 0 else "I-") + kind)
        else:
            tokens.append(word)
            tags.append("O")
    return Sentence(tuple(tokens), tuple(tags), 0)


def _f1(model: Path, test: list[Sentence]) -> float:
    tagger = load_tagger(model)
    counts = entity_counts([s.tags for s in test], [tagger.tag(s.tokens) for s in test], [])
    return prf_from_counts(*counts[-1]).f1


def test_a_short_run_moves_held_out_f1_up(tmp_path: Path) -> None:
    rng = random.Random(0)
    # held-out sentences use names never seen in training: only features like shape and context
    # can tag them
    train = [_sentence(rng, PEOPLE[:8], ORGS[:4], PLACES[:5]) for _ in range(60)]
    test = [_sentence(rng, PEOPLE[8:], ORGS[4:], PLACES[5:]) for _ in range(30)]
    f1 = {}
    for iterations in (1, 40):
        out = tmp_path / f"m{iterations}.npz"
        report = train_crf(train, out, CrfConfig(c1=0.01, c2=0.01, max_iterations=iterations))
        assert json.loads(out.with_suffix(".json").read_text())["train"] == report["train"]
        f1[iterations] = _f1(out, test)
    assert f1[40] > f1[1] + 0.2, f1
    assert f1[40] >= 0.6, f1


def test_read_conll(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("-DOCSTART- O\n\nEU B-ORG \nrejects O\n\nPeter B-PER\n\n-DOCSTART- O\n\nA O\n")
    sentences = read_conll(path)
    assert [s.tokens for s in sentences] == [("EU", "rejects"), ("Peter",), ("A",)]
    assert [s.document for s in sentences] == [1, 1, 2]
    path.write_text("EU ORG\n")
    with pytest.raises(EvaluationError, match="IOB2"):
        read_conll(path)


CONLL = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "ner" / "conll2003"


@pytest.mark.slow
def test_training_reproduces_the_shipped_model(tmp_path: Path) -> None:
    if not (CONLL / "train.txt").is_file():
        pytest.skip(f"CoNLL-2003 not found at {CONLL} (a fresh clone has no ../shared)")
    shipped = json.loads(default_model_path().with_suffix(".json").read_text())
    config = CrfConfig(**shipped["config"])
    train_crf(read_conll(CONLL / "train.txt"), tmp_path / "m.npz", config)
    with np.load(tmp_path / "m.npz") as new, np.load(default_model_path()) as old:
        assert set(new.files) == set(old.files)
        for key in new.files:
            np.testing.assert_allclose(new[key], old[key], rtol=1e-5, atol=1e-6)
    assert ENTITY_TYPES == ("PER", "ORG", "LOC", "MISC")
