"""A scripted generator for tests: fixed replies streamed word by word, every call recorded."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from veracity.errors import GenerationError
from veracity.generate.base import apply_stops
from veracity.records import Decoding, Message

Script = list[str] | Callable[[list[Message]], str]

_PIECE = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded ``generate`` call."""

    messages: tuple[Message, ...]
    decoding: Decoding


def _echo(messages: list[Message]) -> str:
    users = [m.content for m in messages if m.role == "user"]
    return users[-1] if users else ""


class ScriptedGenerator:
    """Replies from a script: a list used in order (``cycle=True`` starts over when it runs out),
    or a function of the messages. Default: echo the last user message.

    A "token" is one whitespace-led word (``" word"``), so ``max_tokens`` and ``count_tokens``
    count words. Sampling settings are recorded but do not change the reply: the script is the
    model, so greedy and seeded runs are trivially reproducible.
    """

    name = "scripted"

    def __init__(
        self,
        responses: Script | None = None,
        *,
        cycle: bool = False,
        context_size: int = 8192,
    ) -> None:
        self.responses: Script = _echo if responses is None else responses
        self.cycle = cycle
        self.context_size = context_size
        self.calls: list[Call] = []

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        reply = self._next_reply(messages, decoding)
        pieces = _PIECE.findall(reply)[: decoding.max_tokens]
        return apply_stops(iter(pieces), decoding.stop)

    def count_tokens(self, text: str) -> int:
        return len(_PIECE.findall(text))

    def _next_reply(self, messages: list[Message], decoding: Decoding) -> str:
        n = len(self.calls)
        self.calls.append(Call(tuple(messages), decoding))
        if callable(self.responses):
            return self.responses(list(messages))
        if not self.responses:
            raise GenerationError("scripted generator has no responses; give at least one")
        if n >= len(self.responses) and not self.cycle:
            raise GenerationError(
                f"scripted generator ran out of responses after {len(self.responses)} calls; "
                "give more responses, pass cycle=True, or a function of the messages"
            )
        return self.responses[n % len(self.responses)]
