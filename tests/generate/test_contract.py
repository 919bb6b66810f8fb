"""One contract suite, run against every backend: fake, GGUF (tiny Llama), HF (the same tiny
Llama), and the OpenAI client against a fake server on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from veracity.generate import Generator, TokenBudget
from veracity.records import Decoding, Message

MESSAGES = [
    Message("system", "Answer briefly."),
    Message("user", "Where is the Eiffel Tower?"),
]
FAKE_REPLY = "The tower stands in Paris , France , and is 330 metres tall today ."


@pytest.fixture(params=["fake", "gguf", "hf", "openai"])
def generator(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        from veracity.generate import ScriptedGenerator

        return ScriptedGenerator(lambda messages: FAKE_REPLY)
    if request.param == "gguf":
        return request.getfixturevalue("tiny_gguf")
    if request.param == "hf":
        return request.getfixturevalue("tiny_hf")
    from veracity.generate.openai_http import OpenAIGenerator

    server = request.getfixturevalue("openai_server")
    return OpenAIGenerator("echo", base_url=server.base_url, api_key="", max_retries=0)


def run(gen: Generator, decoding: Decoding) -> list[str]:
    pieces = list(gen.generate(MESSAGES, decoding))
    assert all(isinstance(p, str) and p for p in pieces)
    return pieces


def test_is_a_generator(generator: Any) -> None:
    assert isinstance(generator, Generator)
    assert isinstance(generator.name, str) and generator.name


def test_yields_text(generator: Any) -> None:
    assert "".join(run(generator, Decoding(max_tokens=8)))


def test_max_tokens_bounds_the_reply(generator: Any) -> None:
    short = run(generator, Decoding(max_tokens=3))
    longer = "".join(run(generator, Decoding(max_tokens=12)))
    assert 1 <= len(short) <= 3
    assert longer.startswith("".join(short))


def test_greedy_is_deterministic(generator: Any) -> None:
    d = Decoding(temperature=0.0, max_tokens=12)
    assert run(generator, d) == run(generator, d)


def test_same_seed_same_output(generator: Any) -> None:
    d = Decoding(temperature=0.9, top_k=50, top_p=0.95, max_tokens=12, seed=1234)
    assert "".join(run(generator, d)) == "".join(run(generator, d))


def test_stop_cuts_before_the_stop_string(generator: Any) -> None:
    pieces = run(generator, Decoding(max_tokens=12))
    full = "".join(pieces)
    # A stop string taken from the middle of the greedy reply: printable ASCII, not at the start.
    candidates = [p.strip() for p in pieces[1:] if p.strip().isascii() and p.strip().isprintable()]
    candidates = [c for c in candidates if c and full.find(c) > 0]
    if not candidates:
        pytest.skip(f"no usable stop string in {full!r}")
    stop = candidates[0]
    cut = "".join(run(generator, Decoding(max_tokens=12, stop=(stop, "never-appears"))))
    assert cut == full[: full.find(stop)]
    assert stop not in cut


def test_token_budget_when_offered(generator: Any) -> None:
    if not isinstance(generator, TokenBudget):
        pytest.skip(f"{generator.name} does not count tokens")
    assert generator.context_size > 0
    assert generator.count_tokens("") == 0
    assert 1 <= generator.count_tokens("hello world") <= generator.count_tokens("hello world " * 5)
