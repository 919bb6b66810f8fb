"""Generators: the ``Generator`` protocol, a registry by name, and backends.

Backends: ``fake`` (scripted, for tests), ``gguf`` (llama.cpp in-process via xllamacpp; the
default ``smollm2``), ``openai_http`` (any OpenAI-compatible server), ``hf`` (transformers with our
own decoding loop: ``decoding`` for greedy and sampling, ``beam`` for beam search).
``generate_text`` runs one prompt through any of them. Heavy libraries load only when a backend
is built.
"""

from veracity.generate.base import (
    GENERATOR_FORMS,
    Generator,
    TokenBudget,
    apply_stops,
    context_size_of,
    count_tokens,
    estimate_tokens,
    get_generator,
)
from veracity.generate.fake import ScriptedGenerator
from veracity.generate.run import Generation, generate_text

__all__ = [
    "GENERATOR_FORMS",
    "Generation",
    "Generator",
    "ScriptedGenerator",
    "TokenBudget",
    "apply_stops",
    "context_size_of",
    "count_tokens",
    "estimate_tokens",
    "generate_text",
    "get_generator",
]
