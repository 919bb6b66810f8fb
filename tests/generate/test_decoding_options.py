"""Decoding settings: validation, the min-p and typical filters (by hand and against HF's warpers),
and what each backend does with settings it has or lacks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from veracity.errors import ConfigError
from veracity.generate.base import require_support
from veracity.generate.gguf import decoding_request
from veracity.generate.openai_http import decoding_fields
from veracity.generate.sampling import min_p_filter, softmax, typical_filter, warp
from veracity.records import Decoding, Message

LOGITS = np.log(np.array([0.5, 0.25, 0.125, 0.0625, 0.0625]))


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"temperature": -0.1}, "temperature must be >= 0"),
        ({"top_p": 0.0}, "top_p must be in (0, 1]"),
        ({"top_p": 1.5}, "top_p must be in (0, 1]"),
        ({"top_k": -1}, "top_k must be >= 0"),
        ({"min_p": 1.5}, "min_p must be in [0, 1]"),
        ({"typical_p": 0.0}, "typical_p must be in (0, 1]"),
        ({"num_beams": 0}, "num_beams must be >= 1"),
        ({"num_beams": 3, "temperature": 0.7}, "beam search (num_beams=3) is deterministic"),
        ({"early_stopping": "sometimes"}, "early_stopping must be True, False or 'never'"),
        ({"max_tokens": 0}, "max_tokens must be >= 1"),
        ({"repetition_penalty": 0.0}, "repetition_penalty must be > 0"),
    ],
)
def test_bad_settings_are_refused_with_the_rule(settings: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError) as err:
        Decoding(**settings)
    assert says in str(err.value)


def test_strategy_follows_the_settings() -> None:
    assert Decoding().strategy == "greedy"
    assert Decoding(temperature=0.5).strategy == "sample"
    assert Decoding(num_beams=2).strategy == "beam"


def test_min_p_by_hand() -> None:
    # min_p 0.3: the threshold is 0.3 * 0.5 = 0.15, so 0.5 and 0.25 stay.
    np.testing.assert_allclose(softmax(min_p_filter(LOGITS, 0.3)), [2 / 3, 1 / 3, 0, 0, 0])
    np.testing.assert_allclose(softmax(min_p_filter(LOGITS, 0.0)), softmax(LOGITS))
    assert np.isfinite(min_p_filter(LOGITS, 1.0)).sum() == 1  # only the top token


def test_typical_by_hand() -> None:
    # Entropy H = 1.875 bits = 1.2997 nats; surprisals ln 2, ln 4, ln 8, ln 16, ln 16 nats, so
    # |surprisal - H| = .607, .087, .780, 1.473, 1.473: token 1 is the most typical, then token 0.
    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    h = -(p * np.log(p)).sum()
    assert h == pytest.approx(1.875 * np.log(2))
    assert np.argsort(np.abs(-np.log(p) - h))[:2].tolist() == [1, 0]
    # Mass 0.3: 0.25 (token 1) is below it, adding token 0 crosses it: both kept.
    np.testing.assert_allclose(softmax(typical_filter(LOGITS, 0.3)), [2 / 3, 1 / 3, 0, 0, 0])
    # Mass 0.2: token 1 alone crosses it.
    np.testing.assert_allclose(softmax(typical_filter(LOGITS, 0.2)), [0, 1, 0, 0, 0])


@pytest.mark.parametrize("seed", range(5))
def test_filters_match_transformers_warpers(seed: int) -> None:
    torch = pytest.importorskip("torch")
    lp = pytest.importorskip("transformers.generation.logits_process")
    logits = np.random.default_rng(seed).normal(0, 3, size=64)
    scores = torch.tensor(logits, dtype=torch.float64)[None]
    ids = torch.tensor([[1, 2, 3, 3]])
    for ours, theirs in [
        (min_p_filter(logits, 0.05), lp.MinPLogitsWarper(0.05)(ids, scores)),
        (typical_filter(logits, 0.6), lp.TypicalLogitsWarper(0.6)(ids, scores)),
    ]:
        assert (np.isfinite(ours) == torch.isfinite(theirs[0]).numpy()).all()
    d = Decoding(temperature=0.7, top_k=40, top_p=0.95, min_p=0.02, typical_p=0.9,
                 repetition_penalty=1.2)  # fmt: skip
    procs = [
        lp.RepetitionPenaltyLogitsProcessor(1.2), lp.TemperatureLogitsWarper(0.7),
        lp.TopKLogitsWarper(40), lp.TopPLogitsWarper(0.95), lp.MinPLogitsWarper(0.02),
        lp.TypicalLogitsWarper(0.9),
    ]  # fmt: skip
    x = scores.clone()
    for proc in procs:
        x = proc(ids, x)
    np.testing.assert_allclose(softmax(warp(logits, d, [1, 2, 3, 3])), softmax(x[0].numpy()))


def test_require_support_names_each_setting_and_its_fix() -> None:
    require_support(Decoding(), "x", {"num_beams": "use hf"})  # neutral: nothing asked
    with pytest.raises(ConfigError) as err:
        require_support(Decoding(num_beams=3, min_p=0.1), "x", {"num_beams": "use hf",
                        "min_p": "drop min_p"})  # fmt: skip
    assert "num_beams=3, min_p=0.1" in str(err.value) and "use hf; drop min_p" in str(err.value)


def test_llama_cpp_gets_min_p_and_typical_and_refuses_beams() -> None:
    req = decoding_request(Decoding(temperature=0.8, min_p=0.1, typical_p=0.9), 512)
    assert req["min_p"] == 0.1 and req["typical_p"] == 0.9
    assert req["samplers"].index("min_p") > req["samplers"].index("top_p")
    for d in (Decoding(num_beams=2), Decoding(length_penalty=0.5)):
        with pytest.raises(ConfigError, match=r"llama\.cpp"):
            decoding_request(d, 512)


def test_llama_cpp_honours_min_p(tiny_hf: Any, tiny_gguf: Any) -> None:
    """min_p = 1 keeps only the most likely token, so hot sampling must give the greedy ids."""
    prompt = tiny_hf.prompt_ids([Message("user", "Where is the Eiffel Tower?")])
    greedy = list(tiny_hf.generate_ids(prompt, Decoding(max_tokens=20)))
    hot = Decoding(max_tokens=20, temperature=1.5, seed=1)
    assert tiny_gguf.complete_ids(prompt, hot) != greedy  # sampling does change the reply
    assert tiny_gguf.complete_ids(prompt, Decoding(max_tokens=20, temperature=1.5, min_p=1.0,
                                                   seed=1)) == greedy  # fmt: skip


def test_gguf_generator_refuses_beam_search(tiny_gguf: Any) -> None:
    with pytest.raises(ConfigError, match="no beam search; use an 'hf:"):
        list(tiny_gguf.generate([Message("user", "Hi")], Decoding(num_beams=2)))


def test_openai_fields_carry_the_extensions_and_refuse_beams() -> None:
    fields = decoding_fields(Decoding(temperature=0.5, top_p=0.9, min_p=0.05, typical_p=0.8))
    assert fields["top_p"] == 0.9 and fields["min_p"] == 0.05 and fields["typical_p"] == 0.8
    plain = decoding_fields(Decoding())
    assert "min_p" not in plain and "typical_p" not in plain and "top_p" not in plain
    with pytest.raises(ConfigError, match="no standard beam search"):
        decoding_fields(Decoding(num_beams=4))
