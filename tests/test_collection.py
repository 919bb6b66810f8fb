"""Collection: what threads sharing one collection (the server) rely on."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import veracity.collection
from veracity.collection import Collection
from veracity.embed.base import Embedder, get_embedder


def test_two_first_uses_at_once_load_one_embedder_and_one_index_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[str] = []
    entered, release = threading.Event(), threading.Event()

    def slow_get_embedder(spec: str, **kw: Any) -> Embedder:
        loads.append(spec)
        entered.set()
        release.wait(10)  # loading a real model takes seconds; a second thread arrives
        return get_embedder(spec, **kw)

    monkeypatch.setattr(veracity.collection, "get_embedder", slow_get_embedder)
    col = Collection(tmp_path / "col", embedder="hash")
    seen: list[object] = []
    first = threading.Thread(target=lambda: seen.append(col.indexes()))
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=lambda: seen.append(col.indexes()))
    second.start()
    second.join(0.3)  # time for the second thread to reach the loader (or a second load)
    release.set()
    first.join(10)
    second.join(10)
    assert loads == ["hash"]
    assert len(seen) == 2 and seen[0] is seen[1]  # one index set, hence one index lock
    col.close()
