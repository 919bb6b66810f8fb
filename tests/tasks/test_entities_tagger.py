"""The numpy CRF: Viterbi and marginals against brute force, and agreement with CRFsuite."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from veracity.errors import ModelNotFound
from veracity.tasks.entities.features import sentence_features
from veracity.tasks.entities.tagger import load_tagger, marginals, viterbi


def _path_score(state: np.ndarray, trans: np.ndarray, path: tuple[int, ...]) -> float:
    score = sum(state[t, y] for t, y in enumerate(path))
    return float(score + sum(trans[a, b] for a, b in itertools.pairwise(path)))


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_and_marginals_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, size = int(rng.integers(1, 6)), 3
    state, trans = rng.normal(size=(n, size)), rng.normal(size=(size, size))
    paths = list(itertools.product(range(size), repeat=n))
    scores = np.array([_path_score(state, trans, p) for p in paths])
    assert tuple(viterbi(state, trans)) == paths[int(scores.argmax())]
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    expected = np.zeros((n, size))
    for p, w in zip(paths, probs, strict=True):
        expected[np.arange(n), p] += w
    np.testing.assert_allclose(marginals(state, trans), expected, atol=1e-9)


SENTENCES = [
    ("Anna Berg visited Oslo .", "B-PER I-PER O B-LOC O"),
    ("Acme Corp hired Tom Lund .", "B-ORG I-ORG O B-PER I-PER O"),
    ("Lund flew to Paris on Monday .", "B-PER O O B-LOC O O O"),
    ("the Danish team beat Acme Corp .", "O B-MISC O O B-ORG I-ORG O"),
]


def test_numpy_tagger_agrees_with_crfsuite(tmp_path: Path) -> None:
    pycrfsuite = pytest.importorskip("pycrfsuite")
    from veracity.train.entities import export_crfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in SENTENCES:
        trainer.append(pycrfsuite.ItemSequence(sentence_features(words.split())), tags.split())
    trainer.set_params({"c1": 0.01, "c2": 0.01, "max_iterations": 30})
    trainer.train(str(tmp_path / "m.crfsuite"))
    reference = pycrfsuite.Tagger()
    reference.open(str(tmp_path / "m.crfsuite"))
    export_crfsuite(reference.info(), tmp_path / "m.npz")
    ours = load_tagger(tmp_path / "m.npz")
    probe = ["Berg hired Anna in Oslo .", "Paris beat the Danish team", "x", "Tom Corp Lund"]
    for words in [w for w, _ in SENTENCES] + probe:
        tokens = words.split()
        xseq = pycrfsuite.ItemSequence(sentence_features(tokens))
        tags, probs = ours.tag_with_marginals(tokens)
        assert tags == reference.tag(xseq)
        expected = [reference.marginal(y, t) for t, y in enumerate(tags)]
        np.testing.assert_allclose(probs, expected, rtol=1e-4)


def test_missing_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="train_entities"):
        load_tagger(tmp_path / "none.npz")
