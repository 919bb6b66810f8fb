"""The OpenAI-compatible client against a fake server on loopback."""

from __future__ import annotations

import socket

import pytest
from fake_openai_server import FakeOpenAIServer, reply_words

from veracity.errors import GenerationError
from veracity.generate.openai_http import OpenAIGenerator, decoding_fields
from veracity.records import Decoding, Message

MSGS = [Message("user", "How tall is the Eiffel Tower?")]


def client(server: FakeOpenAIServer, model: str, **kw: object) -> OpenAIGenerator:
    opts: dict[str, object] = {"base_url": server.base_url, "api_key": "", "backoff": 0.01}
    opts.update(kw)
    return OpenAIGenerator(model, **opts)  # type: ignore[arg-type]


def test_streams_pieces_and_sends_decoding(openai_server: FakeOpenAIServer) -> None:
    d = Decoding(temperature=0.7, top_k=40, top_p=0.9, max_tokens=5, seed=3, stop=("zzz",))
    pieces = list(client(openai_server, "echo").generate(MSGS, d))
    assert pieces == reply_words({"temperature": 0.7, "seed": 3, "max_tokens": 5})
    sent = openai_server.requests[-1]
    assert sent["stream"] is True
    assert sent["messages"] == [{"role": "user", "content": MSGS[0].content}]
    assert {
        k: sent[k] for k in ("temperature", "top_k", "top_p", "max_tokens", "seed", "stop")
    } == {
        "temperature": 0.7,
        "top_k": 40,
        "top_p": 0.9,
        "max_tokens": 5,
        "seed": 3,
        "stop": ["zzz"],
    }


def test_neutral_settings_are_not_sent() -> None:
    fields = decoding_fields(Decoding(seed=None))
    assert fields == {"temperature": 0.0, "max_tokens": 256}
    assert decoding_fields(Decoding(repetition_penalty=1.2))["repetition_penalty"] == 1.2


def test_non_streaming(openai_server: FakeOpenAIServer) -> None:
    gen = client(openai_server, "echo", stream=False)
    text = "".join(gen.generate(MSGS, Decoding(max_tokens=4)))
    assert text == "The Eiffel Tower is"
    assert openai_server.requests[-1]["stream"] is False


def test_retries_429_then_succeeds(openai_server: FakeOpenAIServer) -> None:
    before = openai_server.hits["flaky"]
    text = "".join(client(openai_server, "flaky", max_retries=3).generate(MSGS, Decoding()))
    assert text.startswith("The Eiffel Tower")
    assert openai_server.hits["flaky"] - before == 3  # 429, 429, 200


def test_5xx_gives_up_after_the_retries(openai_server: FakeOpenAIServer) -> None:
    before = openai_server.hits["down"]
    with pytest.raises(GenerationError, match=r"after 3 attempts: HTTP 500: boom"):
        list(client(openai_server, "down", max_retries=2).generate(MSGS, Decoding()))
    assert openai_server.hits["down"] - before == 3


def test_401_is_clear_and_not_retried(openai_server: FakeOpenAIServer) -> None:
    before = openai_server.hits["auth"]
    with pytest.raises(GenerationError, match=r"refused the credentials.*OPENAI_API_KEY"):
        list(client(openai_server, "auth", api_key="sk-bad").generate(MSGS, Decoding()))
    assert openai_server.hits["auth"] - before == 1
    ok = client(openai_server, "auth", api_key="sk-good")
    assert "".join(ok.generate(MSGS, Decoding(max_tokens=2))) == "The Eiffel"


def test_read_timeout(openai_server: FakeOpenAIServer) -> None:
    gen = client(openai_server, "slow", timeout=0.2, max_retries=2)
    with pytest.raises(GenerationError, match="did not answer in time"):
        list(gen.generate(MSGS, Decoding()))


def test_connection_refused_is_retried_then_explained() -> None:
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gen = OpenAIGenerator("m", base_url=f"http://127.0.0.1:{port}/v1", backoff=0.01, max_retries=1)
    with pytest.raises(GenerationError, match=r"cannot reach .* after 2 attempts"):
        list(gen.generate(MSGS, Decoding()))
