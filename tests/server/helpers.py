"""Shared helpers for server tests: a quoting fake generator, app builders, a live server."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from veracity.collection import Collection
from veracity.generate.fake import ScriptedGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.rag.cache import AnswerCache
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.rag.guards import passage_guard
from veracity.records import Document, Message
from veracity.retrieve.search import SearchOptions
from veracity.server import ServerConfig, create_app
from veracity.store.cache import CacheStore
from veracity.store.keys import create_key

# The base URL for TestClient: open local mode serves only loopback Host names (DNS rebinding
# guard), so TestClient's default "testserver" would be refused.
LOCAL_URL = "http://127.0.0.1"

_SOURCE = re.compile(r'<source id="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


def quote_first_source(messages: list[Message]) -> str:
    """A fake model that answers with the first sentence of source 1, cited: a grounded answer
    whose text reveals exactly which document the engine retrieved."""
    found = _SOURCE.findall(messages[-1].content)
    if not found:
        return "I don't know"
    first = re.split(r"(?<=[.!?])\s", found[0][1].strip())[0].rstrip(".!?")
    return f"{first} [{found[0][0]}]."


def fake_engine(col: Collection) -> AnswerEngine:
    """The engine the server builds, with the quoting fake model and the lexical support judge
    (no reranker: the hash embedder has no calibrated relevance floor), and the real passage
    guard (the shipped n-gram model: injected sentences blanked, the facts around them kept)."""
    return AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid", candidates=50)),
        ScriptedGenerator(quote_first_source),
        LexicalJudge(),
        cache=AnswerCache(CacheStore(col.store), col.embedder()),
        options=AskOptions(),
        passage_guard=passage_guard(),
    )


def docs(items: Mapping[str, tuple[str, Sequence[str]]]) -> list[Document]:
    """``{uri: (text, labels)}`` to documents."""
    return [Document.make(u, t, labels=tuple(lab)) for u, (t, lab) in items.items()]


@dataclass
class Setup:
    root: Path
    collections: dict[str, Path]
    tokens: dict[str, str] = field(default_factory=dict)

    def config(self, **kw: Any) -> ServerConfig:
        kw.setdefault("engine_factory", fake_engine)
        return ServerConfig(self.collections, generator="fake", embedder="hash", **kw)

    def app(self, **kw: Any) -> FastAPI:
        return create_app(self.config(**kw))


def make_setup(
    root: Path,
    corpora: Mapping[str, list[Document]],
    keys: Mapping[str, tuple[Sequence[str], ...]] = {},
) -> Setup:
    """Collections ``{name: documents}`` under ``root`` and keys ``{key: (collections, labels)}``
    or ``{key: (collections, labels, rights)}`` (rights beyond read; read-only when left out)."""
    setup = Setup(root, {})
    for name, documents in corpora.items():
        path = root / name
        with Collection(path, embedder="hash") as col:
            if documents:
                col.add(documents)
        setup.collections[name] = path
    for key, (names, labels, *rights) in keys.items():
        cols = [Collection(setup.collections[n], embedder="hash") for n in names]
        stores = [c.store for c in cols]
        setup.tokens[key] = create_key(stores, labels, key, rights[0] if rights else ()).token
        for c in cols:
            c.close()
    return setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread on a free loopback port; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a guard against a hang, not a bound on speed
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Raw:
    """What ``call_asgi`` saw: the status, the JSON body, and how many body chunks the app took."""

    status: int
    body: dict[str, Any]
    chunks_read: int


def call_asgi(
    app: FastAPI,
    method: str,
    path: str,
    headers: Mapping[str, str],
    chunks: Iterable[bytes] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> Raw:
    """Drive ``app`` directly over ASGI, feeding the body one chunk per ``receive()`` (as a server
    does with a chunked upload), and count the chunks the app pulled. TestClient cannot tell:
    it hands the app the whole body in one message."""
    source = iter(chunks)
    pulled = 0
    done = False
    start: dict[str, Any] = {}
    body = bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal pulled, done
        if not done:
            chunk = next(source, None)
            if chunk is not None:
                pulled += 1
                return {"type": "http.request", "body": chunk, "more_body": True}
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    if "host" not in {k.lower() for k in headers}:
        raw.append((b"host", f"{host}:{port}".encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "root_path": "", "headers": raw, "client": ("127.0.0.1", 50000),
        "server": (host, port), "state": {},
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return Raw(int(start["status"]), json.loads(bytes(body) or b"{}"), pulled)


def multipart(name: str, data: bytes, ctype: str = "text/plain") -> tuple[str, bytes]:
    """``(content type, body)`` of a one-file multipart upload."""
    boundary = "veracityboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n"
    ).encode()
    return (
        f"multipart/form-data; boundary={boundary}",
        head + data + f"\r\n--{boundary}--\r\n".encode(),
    )
