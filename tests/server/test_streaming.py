"""Streaming over a live server: tokens arrive before the answer ends, and a client that goes
away mid-answer does not leave the collection locked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from veracity.collection import Collection
from veracity.generate.fake import ScriptedGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.records import Decoding, Message
from veracity.retrieve.search import SearchOptions

from .helpers import docs, live_server, make_setup, quote_first_source

pytestmark = pytest.mark.integration


class SlowGenerator(ScriptedGenerator):
    """The quoting fake, one word every 50 ms."""

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        for piece in super().generate(messages, decoding):
            time.sleep(0.05)
            yield piece


def slow_engine(col: Collection) -> AnswerEngine:
    return AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid")),
        SlowGenerator(quote_first_source),
        LexicalJudge(),
        options=AskOptions(use_cache=False),
    )


def test_disconnect_mid_stream_releases_the_collection(tmp_path: Path) -> None:
    text = "The Lisbon office opens at nine on every working day of the year except holidays."
    setup = make_setup(tmp_path, {"main": docs({"mem://l.md": (text, [])})})
    with live_server(setup.app(engine_factory=slow_engine)) as url:
        ask = {"question": "When does the Lisbon office open?", "stream": True}
        with httpx.stream("POST", url + "/api/collections/main/ask", json=ask, timeout=30) as r:
            first = next(r.iter_lines())
            assert first == "event: token"
        # the client went away after one token; the next request must not wait forever
        r2 = httpx.post(url + "/api/collections/main/ask",
                        json={"question": "When does the Lisbon office open?"}, timeout=30)  # fmt: skip
        assert r2.status_code == 200 and r2.json()["citations"]
        t0 = time.perf_counter()
        with httpx.stream("POST", url + "/api/collections/main/ask", json=ask, timeout=30) as r:
            lines = list(r.iter_lines())
        assert lines[0] == "event: token" and "event: final" in lines
        assert time.perf_counter() - t0 > 0.3  # it was streamed word by word, not at once
