"""A generator that loads its model on first use.

Extractive answers need no language model, so an answer engine holds its generator lazily: a
process that only ever answers extractively never pays for loading one (a GGUF model takes about
a second and 100+ MB), and one that asks for a generative answer loads it once, on that request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from veracity.generate.base import Generator, context_size_of, count_tokens
from veracity.records import Decoding, Message


class LazyGenerator:
    """Stands for ``load()``'s generator under ``name`` (what caches key on) until first needed."""

    def __init__(self, name: str, load: Callable[[], Generator]) -> None:
        self.name = name
        self._load = load
        self._inner: Generator | None = None
        # Two first requests at once (server threads) must load the model once, not twice.
        self._loading = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._inner is not None

    def get(self) -> Generator:
        """The real generator, loaded now if it is not yet."""
        if self._inner is not None:
            return self._inner
        with self._loading:
            if self._inner is None:
                self._inner = self._load()
            return self._inner

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        return self.get().generate(messages, decoding)

    def count_tokens(self, text: str) -> int:
        return count_tokens(self.get(), text)

    @property
    def context_size(self) -> int:
        return context_size_of(self.get())
