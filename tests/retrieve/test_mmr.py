from __future__ import annotations

import numpy as np
import pytest

from veracity.errors import ConfigError
from veracity.retrieve.mmr import mmr


def _data(seed: int = 0, n: int = 20, d: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=d)
    c = rng.normal(size=(n, d))
    rel = rng.uniform(size=n)
    return q, c, rel


def test_lambda_one_is_relevance_order() -> None:
    q, c, rel = _data()
    assert mmr(q, c, rel, k=20, lambda_=1.0) == list(np.argsort(-rel, kind="stable"))


def test_relevance_defaults_to_cosine_to_query() -> None:
    q, c, _ = _data(1)
    cos = c @ q / (np.linalg.norm(c, axis=1) * np.linalg.norm(q))
    assert mmr(q, c, None, k=5, lambda_=1.0) == list(np.argsort(-cos)[:5])


def test_duplicates_are_pushed_down() -> None:
    # 0 and 1 are the same vector; 2 is different but a little less relevant.
    q = np.array([1.0, 0.0])
    c = np.array([[1.0, 0.1], [1.0, 0.1], [0.0, 1.0]])
    rel = np.array([0.9, 0.89, 0.7])
    assert mmr(q, c, rel, k=3, lambda_=1.0) == [0, 1, 2]
    assert mmr(q, c, rel, k=3, lambda_=0.5) == [0, 2, 1]


def test_hand_computed_second_pick() -> None:
    q = np.array([1.0, 0.0])
    c = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    rel = np.array([1.0, 0.8, 0.3])
    # after picking 0: gains (lambda 0.7): 1 -> 0.56 - 0.3 * cos45 = 0.348, 2 -> 0.21 - 0 = 0.21
    assert mmr(q, c, rel, k=2, lambda_=0.7) == [0, 1]
    # lambda 0.5: 1 -> 0.4 - 0.354 = 0.046, 2 -> 0.15 - 0 = 0.15
    assert mmr(q, c, rel, k=2, lambda_=0.5) == [0, 2]


def test_k_bounds_and_zero_vectors() -> None:
    q, c, rel = _data(2, n=4)
    assert mmr(q, c, rel, k=0) == []
    assert sorted(mmr(q, c, rel, k=10)) == [0, 1, 2, 3]
    c[1] = 0.0  # zero vector: cosine 0, no NaN
    out = mmr(q, c, None, k=4, lambda_=0.3)
    assert sorted(out) == [0, 1, 2, 3]
    assert mmr(q, np.zeros((0, 8)), np.zeros(0), k=3) == []


def test_lambda_zero_first_pick_is_most_relevant() -> None:
    q, c, rel = _data(3)
    assert mmr(q, c, rel, k=1, lambda_=0.0) == [int(np.argmax(rel))]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lambda_": 1.5}, "lambda_"),
        ({"lambda_": float("nan")}, "lambda_"),
        ({"k": -1}, "k must"),
    ],
)
def test_bad_arguments(kwargs: dict[str, float], match: str) -> None:
    q, c, rel = _data()
    args: dict[str, object] = {"k": 3, **kwargs}
    with pytest.raises(ConfigError, match=match):
        mmr(q, c, rel, **args)  # type: ignore[arg-type]


def test_bad_shapes_and_nan() -> None:
    q, c, rel = _data()
    with pytest.raises(ConfigError, match="query_vec"):
        mmr(q[:3], c, rel, k=2)
    with pytest.raises(ConfigError, match="relevance"):
        mmr(q, c, rel[:3], k=2)
    with pytest.raises(ConfigError, match="2-D"):
        mmr(q, c[0], rel, k=2)
    rel[2] = np.nan
    with pytest.raises(ConfigError, match="NaN"):
        mmr(q, c, rel, k=2)
