"""Sampling functions against hand-computed distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from veracity.generate.sampling import (
    apply_repetition_penalty,
    apply_temperature,
    distribution,
    greedy,
    make_rng,
    sample_next,
    softmax,
    top_k_filter,
    top_p_filter,
)
from veracity.records import Decoding

LOGITS = np.log(np.array([0.5, 0.25, 0.125, 0.125]))  # softmax gives these probabilities back


def test_softmax_recovers_probabilities_and_ignores_minus_inf() -> None:
    np.testing.assert_allclose(softmax(LOGITS), [0.5, 0.25, 0.125, 0.125])
    np.testing.assert_allclose(softmax(np.array([0.0, -np.inf, 0.0])), [0.5, 0.0, 0.5])
    assert softmax(np.array([1000.0, 1000.0])).tolist() == [0.5, 0.5]  # no overflow


def test_greedy_picks_the_max_and_the_lowest_id_on_ties() -> None:
    assert greedy(np.array([0.1, 3.0, -1.0])) == 1
    assert greedy(np.array([2.0, 2.0])) == 0


def test_temperature_by_hand() -> None:
    # T = 0.5 squares the probabilities before renormalising: (.25, .0625, 2x.015625) / .34375.
    probs = softmax(apply_temperature(LOGITS, 0.5))
    np.testing.assert_allclose(probs, np.array([0.25, 0.0625, 0.015625, 0.015625]) / 0.34375)
    # T = 2 takes square roots.
    roots = np.sqrt([0.5, 0.25, 0.125, 0.125])
    np.testing.assert_allclose(softmax(apply_temperature(LOGITS, 2.0)), roots / roots.sum())
    with pytest.raises(ValueError):
        apply_temperature(LOGITS, 0.0)


def test_top_k_keeps_k_and_ties_with_the_kth() -> None:
    np.testing.assert_allclose(softmax(top_k_filter(LOGITS, 2)), [2 / 3, 1 / 3, 0, 0])
    # k = 3 lands on a tie (.125, .125): both are kept, like HF's TopKLogitsWarper.
    np.testing.assert_allclose(softmax(top_k_filter(LOGITS, 3)), [0.5, 0.25, 0.125, 0.125])
    np.testing.assert_allclose(top_k_filter(LOGITS, 0), LOGITS)


def test_top_p_nucleus_by_hand() -> None:
    # Cumulative mass .5, .75, .875, 1: p = .7 needs the first two tokens (Holtzman et al. 2019).
    np.testing.assert_allclose(softmax(top_p_filter(LOGITS, 0.7)), [2 / 3, 1 / 3, 0, 0])
    # Exactly reaching p stops there; p = .5 keeps one token; a tiny p still keeps one.
    np.testing.assert_allclose(softmax(top_p_filter(LOGITS, 0.75)), [2 / 3, 1 / 3, 0, 0])
    np.testing.assert_allclose(softmax(top_p_filter(LOGITS, 0.5)), [1, 0, 0, 0])
    np.testing.assert_allclose(softmax(top_p_filter(LOGITS, 1e-9)), [1, 0, 0, 0])
    np.testing.assert_allclose(top_p_filter(LOGITS, 1.0), LOGITS)


def test_top_p_is_order_independent() -> None:
    shuffled = LOGITS[[2, 0, 3, 1]]  # probabilities .125, .5, .125, .25
    np.testing.assert_allclose(softmax(top_p_filter(shuffled, 0.7)), [0, 2 / 3, 0, 1 / 3])


def test_repetition_penalty_ctrl_by_hand() -> None:
    logits = np.array([2.0, -1.0, 0.5, 3.0])
    out = apply_repetition_penalty(logits, [0, 1, 1], 2.0)  # a repeated id is penalised once
    np.testing.assert_allclose(out, [1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(apply_repetition_penalty(logits, [0], 1.0), logits)
    np.testing.assert_allclose(apply_repetition_penalty(logits, [], 2.0), logits)


def test_greedy_decoding_respects_the_penalty() -> None:
    logits = np.array([3.0, 2.0])
    assert sample_next(logits, Decoding(), make_rng(0)) == 0
    assert sample_next(logits, Decoding(repetition_penalty=2.0), make_rng(0), [0]) == 1


def test_distribution_composes_in_order() -> None:
    # T = 0.5 then top-k 3 then top-p .9 over LOGITS: (.25,.0625,.015625,.015625)/.34375 is
    # (.727, .182, .045, .045); top-k keeps all (tie); top-p .9 needs .727 + .182 = .909.
    d = Decoding(temperature=0.5, top_k=3, top_p=0.9)
    np.testing.assert_allclose(distribution(LOGITS, d), [0.8, 0.2, 0, 0])
    np.testing.assert_allclose(distribution(LOGITS, Decoding()), [1, 0, 0, 0])


def test_seeded_sampling_is_reproducible_and_follows_the_distribution() -> None:
    d = Decoding(temperature=1.0, seed=7)
    draws = [sample_next(LOGITS, d, make_rng(7)) for _ in range(3)]
    assert len(set(draws)) == 1
    rng = make_rng(123)
    counts = np.bincount([sample_next(LOGITS, d, rng) for _ in range(20000)], minlength=4)
    freq = counts / counts.sum()
    # 4 standard errors of a binomial proportion at n = 20000 is below 0.015.
    np.testing.assert_allclose(freq, [0.5, 0.25, 0.125, 0.125], atol=0.015)


def test_never_samples_a_filtered_token() -> None:
    d = Decoding(temperature=1.5, top_k=2, seed=0)
    rng = make_rng(0)
    assert {sample_next(LOGITS, d, rng) for _ in range(2000)} <= {0, 1}
    assert math.isclose(float(distribution(LOGITS, d).sum()), 1.0)
