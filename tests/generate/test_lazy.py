"""LazyGenerator: loads its model once, even when two threads ask for it at the same time."""

from __future__ import annotations

import threading

from veracity.generate.base import Generator
from veracity.generate.fake import ScriptedGenerator
from veracity.generate.lazy import LazyGenerator


def test_two_first_uses_at_once_load_the_model_once() -> None:
    loads: list[int] = []
    entered, release = threading.Event(), threading.Event()

    def load() -> Generator:
        loads.append(1)
        entered.set()
        release.wait(10)  # the first load is slow; a second caller arrives meanwhile
        return ScriptedGenerator(["hello"])

    lazy = LazyGenerator("fake", load)
    first = threading.Thread(target=lazy.get)
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=lazy.get)
    second.start()
    second.join(0.3)  # time for the second caller to reach the model (or a second load)
    release.set()
    first.join(10)
    second.join(10)
    assert loads == [1]
    assert lazy.loaded
