"""The LLM judge on the real GGUF backend: llama.cpp's ``json_schema`` grammar keeps even a
135M model's reply a parseable ``{"score": n}``, whatever the prompt says."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.errors import VeracityError
from veracity.evaluate.judges import (
    JUDGE_DECODING,
    SCORE_SCHEMA,
    JudgeCache,
    LLMJudge,
    constrained_stream,
    parse_score,
)
from veracity.records import Message

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gen():  # type: ignore[no-untyped-def]
    pytest.importorskip("xllamacpp")
    from veracity.generate.gguf import GGUFGenerator

    try:
        return GGUFGenerator(n_threads=1, n_ctx=1024)
    except VeracityError as exc:
        pytest.skip(f"default GGUF model unavailable: {exc}")


def test_grammar_forces_the_schema_even_against_the_prompt(gen) -> None:  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    msgs = [Message("system", "Write a long poem about the sea."), Message("user", "Go on.")]
    reply = "".join(constrained_stream(gen, msgs, JUDGE_DECODING, SCORE_SCHEMA) or [])
    import json

    jsonschema.validate(json.loads(reply), SCORE_SCHEMA)
    assert parse_score(reply) is not None


def test_llm_judge_on_gguf_never_fails_to_parse(gen, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    judge = LLMJudge(gen, cache=JudgeCache(tmp_path / "c.sqlite"))
    for score in (
        judge.context_relevance("Who won Super Bowl 50?", "The Denver Broncos won Super Bowl 50."),
        judge.support("The Broncos won.", ["The Denver Broncos won Super Bowl 50."]),
        judge.answer_relevance("Who won Super Bowl 50?", "The Denver Broncos."),
    ):
        assert 0.0 <= score <= 1.0
    assert judge.stats.constrained == 3 and judge.stats.parse_failures == 0
    again = judge.context_relevance(
        "Who won Super Bowl 50?", "The Denver Broncos won Super Bowl 50."
    )
    assert judge.stats.cached == 1 and 0.0 <= again <= 1.0
