"""Sampling as pure functions over one step's logits: a 1-D float array of shape ``(vocab,)``.

The order of ``sample_next`` follows Hugging Face ``generate`` and our llama.cpp request
(``samplers = penalties, temperature, top_k, top_p, min_p, typ_p``): repetition penalty on the
raw logits, then temperature, then top-k, top-p, min-p and typical filters, then a draw from the
renormalized distribution.

Sources: nucleus (top-p) sampling, Holtzman et al. 2019, "The Curious Case of Neural Text
Degeneration"; repetition penalty, Keskar et al. 2019, "CTRL" (section 4.1); top-k, Fan et al. 2018;
locally typical sampling, Meister et al. 2023 (TACL); min-p, Nguyen et al. 2024, "Turning Up the
Heat: Min-p Sampling for Creative and Coherent LLM Outputs".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from veracity.records import Decoding

FloatArray = np.ndarray


def softmax(logits: FloatArray) -> FloatArray:
    """Stable softmax; ``-inf`` entries get probability 0. ``(V,)`` -> ``(V,)`` float64."""
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(x - np.max(x))
    probs: FloatArray = e / e.sum()
    return probs


def greedy(logits: FloatArray) -> int:
    """The arg-max token; ties go to the lowest id (as ``torch.argmax`` and llama.cpp do)."""
    return int(np.argmax(logits))


def apply_repetition_penalty(
    logits: FloatArray, previous_ids: Iterable[int], penalty: float
) -> FloatArray:
    """CTRL's penalty (Keskar et al. 2019) on every token already seen, counted once.

    A positive logit is divided by ``penalty`` and a negative one multiplied, so that
    ``penalty > 1`` always makes a seen token less likely (dividing a negative one would raise it).
    """
    out = np.array(logits, dtype=np.float64, copy=True)
    if penalty == 1.0:
        return out
    ids = np.unique(np.fromiter(previous_ids, dtype=np.int64))
    if ids.size == 0:
        return out
    seen = out[ids]
    out[ids] = np.where(seen > 0, seen / penalty, seen * penalty)
    return out


def apply_temperature(logits: FloatArray, temperature: float) -> FloatArray:
    """Divide by ``temperature`` (> 0): below 1 sharpens, above 1 flattens."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0 here; temperature 0 means greedy")
    return np.asarray(logits, dtype=np.float64) / temperature


def top_k_filter(logits: FloatArray, k: int) -> FloatArray:
    """Keep the ``k`` largest logits (and any tied with the k-th), set the rest to ``-inf``.

    ``k == 0`` or ``k >= V`` keeps everything.
    """
    out = np.array(logits, dtype=np.float64, copy=True)
    if k <= 0 or k >= out.size:
        return out
    kth = np.partition(out, -k)[-k]
    out[out < kth] = -np.inf
    return out


def top_p_filter(logits: FloatArray, p: float, min_keep: int = 1) -> FloatArray:
    """Nucleus filter (Holtzman et al. 2019): keep the smallest set of most likely tokens whose
    total probability reaches ``p``; the rest get ``-inf``. ``p >= 1`` keeps everything.

    The token that crosses ``p`` is kept (so the kept mass is ``>= p``), as in the paper and HF.
    """
    out = np.array(logits, dtype=np.float64, copy=True)
    if p >= 1.0:
        return out
    order = np.argsort(-out, kind="stable")  # (V,) most likely first
    cum = np.cumsum(softmax(out)[order])
    # Keep every token whose preceding mass is still below p: that includes the one crossing p.
    n_keep = max(int(np.searchsorted(cum, p, side="left")) + 1, min_keep)
    out[order[n_keep:]] = -np.inf
    return out


def min_p_filter(logits: FloatArray, min_p: float, min_keep: int = 1) -> FloatArray:
    """Min-p filter (Nguyen et al. 2024): drop tokens less likely than ``min_p`` times the most
    likely one, so the cut adapts to how confident the model is. ``min_p == 0`` keeps everything."""
    out = np.array(logits, dtype=np.float64, copy=True)
    if min_p <= 0.0:
        return out
    probs = softmax(out)
    drop = probs < min_p * probs.max()
    drop[np.argsort(-probs, kind="stable")[:min_keep]] = False
    out[drop] = -np.inf
    return out


def typical_filter(logits: FloatArray, mass: float, min_keep: int = 1) -> FloatArray:
    """Locally typical filter (Meister et al. 2023): keep the tokens whose surprisal is closest to
    the distribution's entropy, in that order, until their total probability reaches ``mass``
    (the token crossing it is kept, as in HF's ``TypicalLogitsWarper``). ``mass >= 1`` keeps all."""
    out = np.array(logits, dtype=np.float64, copy=True)
    if mass >= 1.0:
        return out
    probs = softmax(out)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(probs)  # (V,) -inf where filtered before
        entropy = -np.nansum(logp * probs)
    shifted = np.abs(-logp - entropy)  # (V,) inf for filtered tokens: they sort last
    order = np.argsort(shifted, kind="stable")
    cum = np.cumsum(probs[order])
    last = min(int(np.sum(cum < mass)), out.size - 1)
    drop_sorted = shifted[order] > shifted[order[last]]
    drop_sorted[:min_keep] = False
    out[order[drop_sorted]] = -np.inf
    return out


def warp(logits: FloatArray, decoding: Decoding, previous_ids: Iterable[int] = ()) -> FloatArray:
    """Logits after the penalty, temperature and every filter of ``decoding`` (sampling only), in
    HF's order; filtered tokens are ``-inf``. ``(V,)`` -> ``(V,)`` float64."""
    x = apply_repetition_penalty(logits, previous_ids, decoding.repetition_penalty)
    x = apply_temperature(x, decoding.temperature)
    x = top_k_filter(x, decoding.top_k)
    x = top_p_filter(x, decoding.top_p)
    x = min_p_filter(x, decoding.min_p)
    return typical_filter(x, decoding.typical_p)


def distribution(
    logits: FloatArray, decoding: Decoding, previous_ids: Iterable[int] = ()
) -> FloatArray:
    """The probabilities ``sample_next`` draws from (one-hot on the arg-max when greedy)."""
    if decoding.greedy:
        x = apply_repetition_penalty(logits, previous_ids, decoding.repetition_penalty)
        probs = np.zeros_like(x)
        probs[greedy(x)] = 1.0
        return probs
    return softmax(warp(logits, decoding, previous_ids))


def top_candidates(probs: FloatArray, n: int) -> list[tuple[int, float]]:
    """The ``n`` most likely ``(token id, probability)`` pairs, most likely first (ties: lower id);
    tokens with probability 0 are left out."""
    p = np.asarray(probs, dtype=np.float64)
    order = np.argsort(-p, kind="stable")[:n]
    return [(int(i), float(p[i])) for i in order if p[i] > 0]


def sample_next(
    logits: FloatArray,
    decoding: Decoding,
    rng: np.random.Generator,
    previous_ids: Iterable[int] = (),
) -> int:
    """One token id drawn per ``decoding``; greedy (rng untouched) when temperature is 0."""
    if decoding.greedy:
        return greedy(apply_repetition_penalty(logits, previous_ids, decoding.repetition_penalty))
    probs = distribution(logits, decoding, previous_ids)
    # Inverse-CDF draw with one uniform: reproducible for a seed whatever the vocabulary size.
    u = rng.random()
    idx = int(np.searchsorted(np.cumsum(probs), u * probs.sum(), side="right"))
    if idx >= probs.size:  # float rounding at the very top: take the last possible token
        idx = int(np.flatnonzero(probs)[-1])
    return idx


def make_rng(seed: int | None) -> np.random.Generator:
    """A seeded generator (``None``: fresh entropy, so runs differ)."""
    return np.random.default_rng(seed)
