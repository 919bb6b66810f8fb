"""Stop strings, the scripted generator, token budgets and the registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from veracity.errors import ConfigError, GenerationError, ModelNotFound
from veracity.generate import (
    ScriptedGenerator,
    apply_stops,
    context_size_of,
    count_tokens,
    estimate_tokens,
    get_generator,
)
from veracity.records import Decoding, Message


@pytest.mark.parametrize(
    ("pieces", "stop", "expected"),
    [
        (["Hello", " world"], (), ["Hello", " world"]),
        (["Answer: 42", "\nQuestion"], ("\nQ",), ["Answer: 42"]),
        (["Ans", "wer", ": yes", " END", " more"], ("END",), ["Answer: yes "]),
        (["abc", "STO", "P!"], ("STOP",), ["abc"]),
        (["abcST", "x"], ("STOP",), ["abc", "STx"]),  # a false start is released
        (["STOP here"], ("STOP",), []),
        (["a", "b"], ("",), ["a", "b"]),
        (["xAB", "C"], ("ABC", "B"), ["xA"]),  # the earliest stop wins
    ],
)
def test_apply_stops(pieces: list[str], stop: tuple[str, ...], expected: list[str]) -> None:
    assert "".join(apply_stops(iter(pieces), stop)) == "".join(expected)


def test_apply_stops_closes_the_source() -> None:
    closed = []

    def source() -> Iterator[str]:
        try:
            yield from ["one", " STOP", " never"]
        finally:
            closed.append(True)

    assert "".join(apply_stops(source(), ("STOP",))) == "one "
    assert closed == [True]


def test_scripted_generator_streams_words_and_records_calls() -> None:
    gen = ScriptedGenerator(["Paris is the capital.", "Second reply"])
    msgs = [Message("user", "Capital of France?")]
    assert list(gen.generate(msgs, Decoding())) == ["Paris", " is", " the", " capital."]
    assert list(gen.generate(msgs, Decoding(max_tokens=1))) == ["Second"]
    assert [c.messages for c in gen.calls] == [tuple(msgs), tuple(msgs)]
    assert gen.calls[1].decoding.max_tokens == 1
    with pytest.raises(GenerationError, match="ran out"):
        gen.generate(msgs, Decoding())


def test_scripted_generator_cycles_and_echoes() -> None:
    gen = ScriptedGenerator(["a"], cycle=True)
    assert ["".join(gen.generate([], Decoding())) for _ in range(3)] == ["a", "a", "a"]
    echo = ScriptedGenerator()
    assert "".join(echo.generate([Message("user", "ping")], Decoding())) == "ping"


def test_token_budget_helpers() -> None:
    gen = ScriptedGenerator(context_size=100)
    assert count_tokens(gen, "three little words") == 3
    assert context_size_of(gen) == 100
    assert count_tokens(object(), "abcdef") == estimate_tokens("abcdef") == 2
    assert context_size_of(object(), default=512) == 512


def test_registry_forms(tmp_path: pytest.TempPathFactory) -> None:
    assert isinstance(get_generator("fake"), ScriptedGenerator)
    assert isinstance(get_generator("scripted", responses=["x"]), ScriptedGenerator)
    with pytest.raises(ModelNotFound, match="not found"):
        get_generator("/nonexistent/model.gguf")
    with pytest.raises(ConfigError, match="openai:<model>") as err:
        get_generator("gpt-17-ultra")
    assert "smollm2" in str(err.value) and "hf:" in str(err.value)


def test_registry_builds_openai_client_without_network() -> None:
    gen = get_generator("openai:some-model", base_url="http://127.0.0.1:9/v1", api_key="k")
    assert gen.name == "openai:some-model"
    gen2 = get_generator("llama3", base_url="http://127.0.0.1:9/v1")
    assert gen2.name == "openai:llama3"


def test_registry_hf_missing_folder() -> None:
    pytest.importorskip("transformers")
    with pytest.raises(ModelNotFound, match="offline"):
        get_generator("hf:/nonexistent/folder")
