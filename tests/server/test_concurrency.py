"""Readers never wait for a writer, a parse or a generation: with a slow one held in progress on
another thread, the health check, searches and document lists complete.

Each slow operation is gated by an Event the test sets only after the readers returned. A reader
that waited for it would return only once the gate's safety timeout let the slow operation go on,
so "the slow one had not finished when the reader returned" proves the reader did not wait (no
wall-clock assertions).
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from veracity.collection import Collection
from veracity.generate.fake import ScriptedGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.ingest.loaders import LoadOptions, LoadResult, load
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.records import Decoding, Message
from veracity.retrieve.search import SearchOptions
from veracity.server import create_app
from veracity.server.state import ServerState

from .helpers import LOCAL_URL, Setup, docs, make_setup, quote_first_source

SAFETY_S = 20  # a gate opens by itself after this, so a regression fails instead of hanging
TEXT = "The Lisbon office opens at nine on every working day of the year except holidays."


class Gate:
    """Marks when the slow operation started, holds it until opened, marks when it finished."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.opened = threading.Event()
        self.finished = threading.Event()

    def hold(self) -> None:
        self.started.set()
        self.opened.wait(SAFETY_S)


class GatedGenerator(ScriptedGenerator):
    """The quoting fake model, held at its first token until the gate opens."""

    def __init__(self, gate: Gate) -> None:
        super().__init__(quote_first_source)
        self.gate = gate

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        self.gate.hold()
        yield from super().generate(messages, decoding)
        self.gate.finished.set()


class GatedPool:
    """Stands in for the server's ParsePool: the parse is held until the gate opens."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def load(self, path: Path, options: LoadOptions | None = None) -> Iterator[LoadResult]:
        self.gate.hold()
        results = list(load(path, options))
        self.gate.finished.set()
        return iter(results)

    def close(self) -> None:
        pass


def in_thread(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[httpx.Response]]:
    out: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


def held_in_thread(lock: Any, gate: Gate) -> threading.Thread:
    """Hold ``lock`` (a lock or a context manager) on another thread until the gate opens."""

    def hold() -> None:
        with lock:
            gate.hold()
        gate.finished.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert gate.started.wait(SAFETY_S)
    return thread


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return make_setup(tmp_path, {"main": docs({"mem://lisbon.md": (TEXT, [])})})  # open mode


def state_of(app: FastAPI) -> ServerState:
    state: ServerState = app.state.veracity
    return state


def readers_complete(c: TestClient) -> None:
    """The health check, a search and a document list, each answered."""
    assert c.get("/api/health").json()["status"] == "ok"
    hits = c.post("/api/collections/main/search", json={"query": "Lisbon office"}).json()["hits"]
    assert hits and "Lisbon" in hits[0]["text"]
    assert c.get("/api/collections/main/documents").json()["total"] >= 1


def test_readers_run_while_a_generation_is_in_progress(setup: Setup) -> None:
    gate = Gate()

    def gated_engine(col: Collection) -> AnswerEngine:
        return AnswerEngine(
            col.searcher(SearchOptions(mode="hybrid")),
            GatedGenerator(gate),
            LexicalJudge(),
            options=AskOptions(use_cache=False),
        )

    with TestClient(setup.app(engine_factory=gated_engine), base_url=LOCAL_URL) as c:
        question = {"question": "When does the Lisbon office open?"}
        asker, answered = in_thread(lambda: c.post("/api/collections/main/ask", json=question))
        assert gate.started.wait(SAFETY_S)
        readers_complete(c)
        assert not gate.finished.is_set()  # the generation was still held meanwhile
        gate.opened.set()
        asker.join(SAFETY_S)
    assert answered[0].status_code == 200 and answered[0].json()["citations"]


def test_readers_run_while_an_upload_is_being_parsed(setup: Setup) -> None:
    gate = Gate()
    app = setup.app()
    with TestClient(app, base_url=LOCAL_URL) as c:
        state_of(app).parser = GatedPool(gate)  # type: ignore[assignment]
        files = {"file": ("canteen.md", b"# Canteen\n\nSoup on Fridays.", "text/markdown")}
        uploader, uploaded = in_thread(
            lambda: c.post("/api/collections/main/documents", files=files)
        )
        assert gate.started.wait(SAFETY_S)
        readers_complete(c)
        assert not gate.finished.is_set()  # the parse was still held meanwhile
        gate.opened.set()
        uploader.join(SAFETY_S)
    assert uploaded[0].status_code == 200 and uploaded[0].json()["report"]["added"] == 1


def test_readers_never_take_the_writers_lock(setup: Setup) -> None:
    gate = Gate()
    app = setup.app()
    with TestClient(app, base_url=LOCAL_URL) as c:
        # An ingest commit or a delete holds this while it writes.
        writer = held_in_thread(state_of(app).served["main"].lock, gate)
        readers_complete(c)
        answer = c.post("/api/collections/main/ask", json={"question": "When does it open?"})
        assert answer.status_code == 200
        assert not gate.finished.is_set()  # the writer still held the lock meanwhile
        gate.opened.set()
        writer.join(SAFETY_S)


def test_health_reads_nothing_that_a_store_transaction_holds(setup: Setup) -> None:
    """In open mode every other request asks the database whether a key appeared; the health
    check must not, even while a long write transaction holds the store."""
    gate = Gate()
    app = setup.app()
    with TestClient(app, base_url=LOCAL_URL) as c:
        store = state_of(app).served["main"].collection.store
        writer = held_in_thread(store.transaction(), gate)
        body = c.get("/api/health").json()
        assert body["status"] == "ok" and body["auth"] == "open (loopback, no keys)"
        assert not gate.finished.is_set()  # the transaction was still open meanwhile
        gate.opened.set()
        writer.join(SAFETY_S)


def test_an_uploaded_docx_bomb_is_a_failed_document_not_a_stalled_server(setup: Setup) -> None:
    docx = pytest.importorskip("docx")
    blank = io.BytesIO()
    docx.Document().save(blank)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paragraphs = "<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 200_000  # 6.6 MB of XML
    bomb = io.BytesIO()
    with zipfile.ZipFile(blank) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            if name != "word/document.xml":
                out.writestr(name, src.read(name))
        out.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{w}"><w:body>{paragraphs}</w:body></w:document>',
        )
    data = bomb.getvalue()
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    with TestClient(create_app(setup.config()), base_url=LOCAL_URL) as c:
        r = c.post("/api/collections/main/documents", files={"file": ("bomb.docx", data, mime)})
        assert r.status_code == 200, r.text
        report = r.json()["report"]
        assert report["added"] == 0 and len(report["failed"]) == 1
        reason = report["failed"][0]["reason"]
        assert "decompression bomb" in reason and "max_zip_ratio" in reason
        readers_complete(c)
