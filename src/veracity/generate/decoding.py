"""Our decoding loop over any Hugging Face causal LM (torch): greedy, sampling and beam search.

``transformers`` gives the forward pass; every choice of the next token is ours: the logits of
the last position go through the pure functions of ``sampling`` (penalty, temperature, top-k,
top-p, min-p, typical, in Hugging Face's order) and a draw. Beam search lives in ``beam``.

Seeded sampling draws with ``torch.multinomial`` from a ``torch.Generator`` seeded with
``decoding.seed``, over a ``(1, V)`` float32 tensor as ``transformers`` does: the same seed then
gives the same tokens as ``torch.manual_seed(seed); model.generate(do_sample=True, ...)``, which
the tests check token for token. ``Step.candidates`` carries the most likely tokens of each step
(``--show-distribution``): the distribution drawn from when sampling, and the model's own
probabilities (after the repetition penalty) when greedy, where the drawn one would be one-hot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from veracity.errors import GenerationError
from veracity.generate.sampling import (
    apply_repetition_penalty,
    greedy,
    softmax,
    top_candidates,
    warp,
)
from veracity.records import Decoding


@dataclass(frozen=True, slots=True)
class Step:
    """One chosen token. When candidates were asked for, ``probability`` is the token's own in
    the distribution shown and ``candidates`` are ``(token id, probability)``, most likely first;
    ``eos`` says the token ends the reply (it is not part of the text)."""

    token: int
    probability: float | None = None
    candidates: tuple[tuple[int, float], ...] = ()
    eos: bool = False


def torch_generator(seed: int | None) -> Any:
    """A CPU ``torch.Generator`` seeded with ``seed`` (``None``: fresh entropy, runs differ)."""
    import torch

    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    return gen


def draw(probs: np.ndarray, gen: Any) -> int:
    """One id drawn from ``probs`` ``(V,)`` exactly as ``transformers`` samples: ``multinomial``
    over a ``(1, V)`` float32 tensor (one exponential variate per vocabulary entry)."""
    import torch

    p = torch.from_numpy(np.ascontiguousarray(probs, dtype=np.float32))[None, :]  # (1, V)
    return int(torch.multinomial(p, num_samples=1, generator=gen).item())


def next_token(
    logits: np.ndarray, decoding: Decoding, seen: list[int], gen: Any, top_n: int = 0
) -> Step:
    """The next id for one step's ``logits`` ``(V,)`` and, when ``top_n``, its top candidates."""
    if decoding.greedy:
        x = apply_repetition_penalty(logits, seen, decoding.repetition_penalty)
        token = greedy(x)
        if not top_n:
            return Step(token)
        probs = softmax(x)
    else:
        probs = softmax(warp(logits, decoding, seen))
        token = draw(probs, gen)
        if not top_n:
            return Step(token)
    return Step(token, float(probs[token]), tuple(top_candidates(probs, top_n)))


def token_budget(prompt_len: int, decoding: Decoding, context_size: int) -> int:
    """New tokens allowed: ``max_tokens``, cut to what the window leaves after the prompt."""
    if prompt_len + 1 > context_size:
        raise GenerationError(
            f"prompt of {prompt_len} tokens does not fit the {context_size}-token window; "
            "pack less context"
        )
    return min(decoding.max_tokens, context_size - prompt_len)


def sample_steps(
    model: Any,
    prompt_ids: list[int],
    decoding: Decoding,
    *,
    eos_ids: frozenset[int],
    cache_arg: str,
    context_size: int,
    top_n: int = 0,
) -> Iterator[Step]:
    """Greedy or sampled decoding: one prefill over the prompt, then one forward per token
    through the KV cache. Yields every chosen token; the last is an ``eos`` step when the model
    ended the reply before the budget ran out."""
    import torch

    budget = token_budget(len(prompt_ids), decoding, context_size)
    gen = None if decoding.greedy else torch_generator(decoding.seed)
    seen = list(prompt_ids)
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([prompt_ids]), use_cache=True)
        for _ in range(budget):
            logits = out.logits[0, -1].float().numpy()  # (V,)
            step = next_token(logits, decoding, seen, gen, top_n)
            token = step.token
            if token in eos_ids:
                yield replace(step, eos=True)
                return
            yield step
            seen.append(token)
            cache = {cache_arg: getattr(out, cache_arg)}
            out = model(input_ids=torch.tensor([[token]]), use_cache=True, **cache)


def decode_steps(
    model: Any,
    prompt_ids: list[int],
    decoding: Decoding,
    *,
    eos_ids: frozenset[int],
    cache_arg: str,
    context_size: int,
    top_n: int = 0,
) -> Iterator[Step]:
    """``sample_steps`` for greedy and sampling, ``beam.beam_search`` for ``num_beams > 1``
    (whose steps carry no candidates: the reply is known only when the search ends)."""
    if decoding.strategy != "beam":
        yield from sample_steps(
            model, prompt_ids, decoding, eos_ids=eos_ids, cache_arg=cache_arg,
            context_size=context_size, top_n=top_n,
        )  # fmt: skip
        return
    from veracity.generate.beam import beam_search

    budget = token_budget(len(prompt_ids), decoding, context_size)
    result = beam_search(
        model, prompt_ids, decoding, eos_ids=eos_ids, max_new_tokens=budget, cache_arg=cache_arg
    )
    for token in result.ids:
        yield Step(token)
