"""``generate_text``: one prompt, one model, one ``Decoding``: the Python API behind
``veracity generate``.

>>> from veracity.generate.run import generate_text
>>> from veracity.records import Decoding
>>> out = generate_text("Name a colour.", model="hf:./tiny", decoding=Decoding(num_beams=4),
...                     top_n=5)  # doctest: +SKIP
>>> out.text, out.steps[0].candidates  # doctest: +SKIP

Any backend of ``get_generator`` works for plain text; each refuses, with the fix, the settings it
cannot honour (beam search on llama.cpp or a remote server). Per-step candidates (``top_n``) need
our own loop, so an ``hf:`` model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from veracity.errors import ConfigError
from veracity.generate.base import apply_stops, get_generator
from veracity.records import Decoding, Message


@dataclass(frozen=True, slots=True)
class TokenChoice:
    """One decoded step: the chosen token, its probability in the distribution shown, and the
    most likely ``(token text, probability)`` candidates of that step, most likely first."""

    token: int
    text: str
    probability: float
    candidates: tuple[tuple[str, float], ...]
    eos: bool = False


@dataclass(frozen=True, slots=True)
class Generation:
    """A finished generation: the reply, who wrote it, how, and (when asked) every step."""

    text: str
    model: str
    decoding: Decoding
    steps: tuple[TokenChoice, ...] = ()


def messages_for(prompt: str, system: str | None = None) -> list[Message]:
    """The chat messages for a plain prompt, with an optional system message first."""
    if not prompt.strip():
        raise ConfigError("the prompt is empty; pass the text to continue or answer")
    head = [Message("system", system)] if system else []
    return [*head, Message("user", prompt)]


def stream_text(generator: Any, prompt: str, decoding: Decoding,
                system: str | None = None) -> Iterator[str]:  # fmt: skip
    """The reply's text pieces as the generator produces them."""
    pieces: Iterator[str] = generator.generate(messages_for(prompt, system), decoding)
    return pieces


def steps_of(generator: Any, prompt: str, decoding: Decoding, top_n: int,
             system: str | None = None) -> Generation:  # fmt: skip
    """Decode with our loop and keep each step's ``top_n`` candidates (``hf:`` models only)."""
    if top_n < 1:
        raise ConfigError(f"top_n must be >= 1 to show candidates, got {top_n}")
    if not hasattr(generator, "generate_steps"):
        raise ConfigError(
            f"showing the distribution needs our own decoding loop, which {generator.name!r} "
            "does not run; use an 'hf:<folder>' model"
        )
    if decoding.strategy == "beam":
        raise ConfigError(
            "beam search keeps several hypotheses, so no single distribution per step exists to "
            "show; use greedy or sampling with the distribution, or drop it for beam search"
        )
    ids = generator.prompt_ids(messages_for(prompt, system))
    choices: list[TokenChoice] = []
    tokens: list[int] = []
    for step in generator.generate_steps(ids, decoding, top_n):
        cands = tuple((generator.token_text(t), p) for t, p in step.candidates)
        text = generator.token_text(step.token)
        prob = step.probability or 0.0
        choices.append(TokenChoice(step.token, text, prob, cands, step.eos))
        if not step.eos:
            tokens.append(step.token)
    full = str(generator.tokenizer.decode(tokens, skip_special_tokens=True))
    text = "".join(apply_stops(iter([full]), decoding.stop))
    return Generation(text, generator.name, decoding, tuple(choices))


def generate_text(
    prompt: str,
    *,
    model: str = "smollm2",
    decoding: Decoding | None = None,
    system: str | None = None,
    top_n: int = 0,
    **options: Any,
) -> Generation:
    """Generate a reply to ``prompt`` with ``model`` (any ``get_generator`` name; ``options`` go to
    its constructor). ``top_n > 0`` records each step's ``top_n`` most likely tokens."""
    decoding = decoding or Decoding()
    generator = get_generator(model, **options)
    try:
        if top_n:
            return steps_of(generator, prompt, decoding, top_n, system)
        text = "".join(stream_text(generator, prompt, decoding, system))
        return Generation(text, generator.name, decoding)
    finally:
        close = getattr(generator, "close", None)
        if close is not None:
            close()
