"""The OpenAI chat route takes ``top_p`` and hands it to the engine's decoding."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("fastapi")

from pydantic import ValidationError

from veracity.rag.engine import AskOptions
from veracity.server.routes_ask import ask_options
from veracity.server.routes_openai import ChatRequest


def _engine() -> Any:
    return SimpleNamespace(options=AskOptions())


def test_top_p_reaches_the_decoding_and_defaults_to_the_engines() -> None:
    body = ChatRequest.model_validate(
        {"model": "m", "messages": [{"role": "user", "content": "q"}], "top_p": 0.7,
         "temperature": 0.4}
    )  # fmt: skip
    opts = ask_options(_engine(), "sequence", None, body.temperature, body.seed, top_p=body.top_p)
    assert opts.decoding.top_p == 0.7 and opts.decoding.temperature == 0.4
    assert ask_options(_engine(), "sequence", None, None).decoding.top_p == 1.0


@pytest.mark.parametrize("top_p", [0.0, -0.5, 1.5])
def test_top_p_outside_zero_one_is_refused(top_p: float) -> None:
    with pytest.raises(ValidationError):
        ChatRequest.model_validate(
            {"model": "m", "messages": [{"role": "user", "content": "q"}], "top_p": top_p}
        )
