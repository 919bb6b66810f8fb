"""Our decoding loop against ``transformers`` ``model.generate`` on the tiny random Llama: the same
ids, token for token, for greedy, beam search and seeded sampling (the oracle is HF's code)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

from veracity.generate.beam import beam_search
from veracity.generate.sampling import distribution, softmax
from veracity.records import Decoding, Message

PROMPTS = ["Where is the Eiffel Tower?", "Hello world! How are you today?"]


@pytest.fixture(scope="module")
def prompts(tiny_hf: Any) -> list[list[int]]:
    return [tiny_hf.prompt_ids([Message("user", p)]) for p in PROMPTS]


def hf_generate(tiny_hf: Any, prompt: list[int], eos: list[int], **kw: Any) -> list[int]:
    """New ids from ``model.generate``, cut before the first end token (HF pads after it)."""
    import torch

    ids = torch.tensor([prompt])
    with torch.inference_mode():
        out = tiny_hf.model.generate(
            ids, attention_mask=torch.ones_like(ids), eos_token_id=eos, pad_token_id=eos[0], **kw
        )
    new: list[int] = out[0, len(prompt) :].tolist()
    ends = [i for i, t in enumerate(new) if t in eos]
    return new[: ends[0]] if ends else new


def eos_of(tiny_hf: Any) -> list[int]:
    return sorted(tiny_hf._eos_ids)


@pytest.mark.parametrize("penalty", [1.0, 1.3])
def test_greedy_matches_transformers(
    tiny_hf: Any, prompts: list[list[int]], penalty: float
) -> None:
    for prompt in prompts:
        d = Decoding(max_tokens=40, repetition_penalty=penalty)
        ours = list(tiny_hf.generate_ids(prompt, d))
        assert len(ours) > 5
        theirs = hf_generate(
            tiny_hf, prompt, eos_of(tiny_hf), max_new_tokens=40, do_sample=False,
            repetition_penalty=penalty,
        )  # fmt: skip
        assert ours == theirs


SAMPLING = [
    {"temperature": 0.8, "top_k": 20},
    {"temperature": 1.0, "top_p": 0.9},
    {"temperature": 1.3, "top_k": 50, "top_p": 0.8, "repetition_penalty": 1.3},
    {"temperature": 1.0, "min_p": 0.1},
    {"temperature": 0.9, "typical_p": 0.7},
]


@pytest.mark.parametrize("settings", SAMPLING, ids=lambda s: ",".join(s))
def test_seeded_sampling_matches_transformers(
    tiny_hf: Any, prompts: list[list[int]], settings: dict[str, Any]
) -> None:
    import torch

    hf_kw = {"top_k": 0, **settings}  # HF's default top_k is 50; ours is off
    for seed in (0, 1):
        ours = list(
            tiny_hf.generate_ids(prompts[0], Decoding(max_tokens=30, seed=seed, **settings))
        )
        torch.manual_seed(seed)
        theirs = hf_generate(
            tiny_hf, prompts[0], eos_of(tiny_hf), max_new_tokens=30, do_sample=True, **hf_kw
        )
        assert ours == theirs


def test_seeds_change_samples_and_repeat(tiny_hf: Any, prompts: list[list[int]]) -> None:
    def run(seed: int) -> list[int]:
        return list(tiny_hf.generate_ids(prompts[0], Decoding(temperature=1.0, seed=seed)))

    assert run(3) == run(3)
    assert run(3) != run(4)


BEAMS = [
    (2, 1.0, False, 1.0),
    (3, 0.5, True, 1.0),
    (4, 2.0, "never", 1.0),
    (4, -1.0, False, 1.2),
    (3, 0.0, "never", 1.0),
    (2, 1.0, "never", 1.0),
]


@pytest.mark.parametrize(("beams", "length_penalty", "early", "penalty"), BEAMS)
def test_beam_search_matches_transformers(
    tiny_hf: Any, prompts: list[list[int]], beams: int, length_penalty: float,
    early: bool | str, penalty: float,
) -> None:  # fmt: skip
    """The random model seldom ends a reply, so each of the frequent tokens of its greedy output
    also acts as an end token in turn: hypotheses then finish at different lengths and the length
    penalty, the finished list and early stopping all take part."""
    prompt = prompts[0]
    greedy = Counter(tiny_hf.generate_ids(prompt, Decoding(max_tokens=60))).most_common(3)
    d = Decoding(
        max_tokens=24, num_beams=beams, length_penalty=length_penalty, early_stopping=early,  # type: ignore[arg-type]
        repetition_penalty=penalty,
    )  # fmt: skip
    for eos in (eos_of(tiny_hf), *([t, *eos_of(tiny_hf)] for t, _ in greedy)):
        theirs = hf_generate(
            tiny_hf, prompt, eos, max_new_tokens=24, num_beams=beams, do_sample=False,
            length_penalty=length_penalty, early_stopping=early, repetition_penalty=penalty,
        )  # fmt: skip
        ours = beam_search(
            tiny_hf.model, prompt, d, eos_ids=frozenset(eos), max_new_tokens=24,
            cache_arg=tiny_hf._cache_arg,
        )  # fmt: skip
        assert ours.ids == theirs
    # Through the generator, with the model's own end token.
    assert list(tiny_hf.generate_ids(prompt, d)) == hf_generate(
        tiny_hf, prompt, eos_of(tiny_hf), max_new_tokens=24, num_beams=beams, do_sample=False,
        length_penalty=length_penalty, early_stopping=early, repetition_penalty=penalty,
    )  # fmt: skip


def test_beam_search_finds_a_likelier_reply_than_greedy(
    tiny_hf: Any, prompts: list[list[int]]
) -> None:
    """With length_penalty 0 a beam's score is its summed log-probability, which beam search
    maximises at least as well as greedy (whose reply is always among the beams' first path)."""
    import torch

    prompt = prompts[1]

    def logprob(ids: list[int]) -> float:
        with torch.inference_mode():
            logits = tiny_hf.model(input_ids=torch.tensor([prompt + ids])).logits[0].float()
        lp = torch.log_softmax(logits, -1)
        return float(sum(lp[len(prompt) - 1 + i, t] for i, t in enumerate(ids)))

    greedy = list(tiny_hf.generate_ids(prompt, Decoding(max_tokens=12)))
    d = Decoding(max_tokens=12, num_beams=4, length_penalty=0.0)
    beam = beam_search(tiny_hf.model, prompt, d, eos_ids=frozenset(), max_new_tokens=12,
                       cache_arg=tiny_hf._cache_arg)  # fmt: skip
    assert len(beam.ids) == len(greedy) == 12
    assert beam.score == pytest.approx(logprob(beam.ids), abs=1e-3)
    assert logprob(beam.ids) >= logprob(greedy) - 1e-4


def test_step_candidates_are_the_distribution_drawn_from(
    tiny_hf: Any, prompts: list[list[int]]
) -> None:
    import torch

    prompt = prompts[0]
    with torch.inference_mode():
        logits = tiny_hf.model(input_ids=torch.tensor([prompt])).logits[0, -1].float().numpy()
    # Greedy: the model's own probabilities, the chosen token first.
    step = next(iter(tiny_hf.generate_steps(prompt, Decoding(max_tokens=3), top_n=5)))
    probs = softmax(logits)
    top = np.argsort(-probs)[:5]
    assert [t for t, _ in step.candidates] == top.tolist() and step.token == top[0]
    np.testing.assert_allclose([p for _, p in step.candidates], probs[top], rtol=1e-6)
    assert step.probability == pytest.approx(probs[top[0]])
    # Sampling: the warped distribution (top-k 3 keeps three, renormalised).
    d = Decoding(temperature=0.7, top_k=3, max_tokens=3)
    step = next(iter(tiny_hf.generate_steps(prompt, d, top_n=5)))
    warped = distribution(logits, d, prompt)
    assert len(step.candidates) == 3
    assert sum(p for _, p in step.candidates) == pytest.approx(1.0)
    for token, p in step.candidates:
        assert p == pytest.approx(warped[token])
    assert step.token in {t for t, _ in step.candidates}
