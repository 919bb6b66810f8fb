"""Fixtures for generator tests: a tiny random Llama (HF folder + GGUF) and a fake OpenAI server."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai_server import FakeOpenAIServer


def _need(*modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pip install {' '.join(missing)})")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(hf_dir, gguf_path)`` of one tiny random-weight Llama, built once per session."""
    _need("torch", "transformers", "tokenizers", "gguf")
    import tiny_llama

    return tiny_llama.build(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_gguf(tiny_model: tuple[Path, Path]) -> Any:
    _need("xllamacpp")
    from veracity.generate.gguf import GGUFGenerator

    return GGUFGenerator(tiny_model[1], n_threads=1, n_ctx=256)


@pytest.fixture(scope="session")
def tiny_hf(tiny_model: tuple[Path, Path]) -> Any:
    from veracity.generate.hf import HFGenerator

    return HFGenerator(tiny_model[0], n_threads=1)


@pytest.fixture(scope="session")
def openai_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer()
    server.start()
    yield server
    server.stop()
