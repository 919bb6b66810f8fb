"""Query replicas (issue 13, item 3): several ``veracity serve`` processes on one PostgreSQL
collection, each with its own indexes caught up from the store's change log.

The PostgreSQL tests start the throwaway server of ``tests/pg_server.py`` (skipped with the reason
when it cannot start) and real ``veracity serve`` subprocesses on loopback ports.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import pg_server
from veracity.cli.main import main
from veracity.collection import Collection
from veracity.index.bm25 import BM25Index
from veracity.index.dirlock import directory_lock
from veracity.index.sync import IndexSet
from veracity.records import Document
from veracity.server.config import ServerConfig, describe, parse_collection_specs
from veracity.server.state import ServerState
from veracity.store.location import is_postgres_uri
from veracity.text.analyzer import get_analyzer

from .helpers import fake_engine, free_port

SECRET = "s3cret-pw"
CORPUS = {
    "mem://apples": "Apples grow on trees in orchards. Cider is pressed from apples in autumn.",
    "mem://rivers": "Rivers carry water to the sea. Salmon swim up rivers to spawn.",
    "mem://stars": "Stars are suns far away. The night sky shows thousands of stars.",
    "mem://bread": "Bread is baked from flour, water and yeast. Sourdough rises slowly.",
}
QUERIES = ("apples cider", "salmon rivers sea", "night sky", "flour yeast bread", "water")


def with_password(uri: str) -> str:
    """``uri`` with a password in its user info. The test server trusts local connections, so
    the password is never checked: it is there to prove that no output shows it."""
    scheme, rest = uri.split("://", 1)
    user, at, host = rest.partition("@")
    return f"{scheme}://{user}:{SECRET}{at}{host}"


# -- configuration (no database) ------------------------------------------------------------


def test_collection_specs_accept_uris(tmp_path: Path) -> None:
    uri = f"postgresql://app:{SECRET}@db.example:5432/notes?sslmode=require&connect_timeout=5"
    specs = parse_collection_specs([uri, "team=postgres://h/other?a=b", str(tmp_path / "dir")])
    assert specs == {"notes": uri, "team": "postgres://h/other?a=b", "dir": tmp_path / "dir"}
    assert parse_collection_specs(["postgresql://host"]) == {"default": "postgresql://host"}
    assert SECRET not in describe(uri) and "app:***@db.example:5432/notes" in describe(uri)
    assert describe(tmp_path) == str(tmp_path)
    with pytest.raises(Exception, match="two collections are named 'notes'"):
        parse_collection_specs([uri, "notes=postgresql://h/x"])


def test_sync_interval_is_checked() -> None:
    with pytest.raises(Exception, match="sync interval must be from 0 to 3600"):
        ServerConfig({"c": Path(".")}, generator="fake", sync_interval=-1)


def test_create_makes_a_missing_directory_collection(tmp_path: Path) -> None:
    config = ServerConfig(
        {"new": tmp_path / "new"}, generator="fake", embedder="hash", engine_factory=fake_engine
    )
    with pytest.raises(Exception, match="--create to serve a new, empty one"):
        ServerState(config)
    assert not (tmp_path / "new").exists()
    state = ServerState(dataclasses.replace(config, create=True))
    try:
        assert (tmp_path / "new").is_dir() and state.served["new"].indexes is None
    finally:
        state.close()


def _indexes(col: Collection, interval: float) -> IndexSet:
    return IndexSet(col.store, col.path / "index", dim=col.embedder().dim, sync_interval=interval)


def test_sync_interval_bounds_log_checks_and_expire_lifts_it(tmp_path: Path) -> None:
    """A change committed by another writer is applied once the interval has passed (here: after
    ``expire``, the interval being an hour); with interval 0 by the very next read."""
    with Collection(tmp_path / "c", embedder="hash") as col:
        col.add([Document.make("mem://a", "alpha beta gamma")])
        lazy, eager = _indexes(col, 3600.0), _indexes(col, 0.0)
        assert len(lazy.bm25()) == len(eager.bm25()) == len(lazy.vectors()) == 1
        with Collection(tmp_path / "c", embedder="hash") as other:  # another writer
            other.add([Document.make("mem://b", "delta epsilon")])
        ids, _ = eager.bm25().search("delta", 5)
        assert len(ids) == 1  # checked on every read
        assert len(lazy.bm25().search("delta", 5)[0]) == 0  # not yet: within the interval
        assert len(lazy.vectors()) == 1
        lazy.expire()
        assert list(lazy.bm25().search("delta", 5)[0]) == list(ids)
        assert len(lazy.vectors()) == 2


def test_concurrent_saves_to_one_index_directory_stay_loadable(tmp_path: Path) -> None:
    """Two writers (two replicas sharing a cache directory) save the same index directory
    over and over while a third loads it: under the directory lock every load succeeds."""
    directory = tmp_path / "bm25"
    analyzer = get_analyzer("english")
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(12):
                index = BM25Index(analyzer)
                index.add([offset + j for j in range(i + 1)], ["word text"] * (i + 1))
                index.applied_seq = i
                with directory_lock(directory, exclusive=True):
                    index.save(directory)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(20):
                with directory_lock(directory, exclusive=False):
                    if (directory / "manifest.json").exists():
                        BM25Index.load(directory)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(o,)) for o in (0, 1000)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert BM25Index.load(directory).applied_seq == 11


# -- PostgreSQL --------------------------------------------------------------------------------


def test_serve_refuses_a_database_without_a_collection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The URI equivalent of the mistyped directory: a database with no Veracity schema is
    refused (and left untouched), unless --create asks for a new collection."""
    import psycopg

    uri = with_password(pg_server.fresh_database())
    assert main(["serve", "--collection", uri, "--model", "fake", "--embedder", "hash"]) == 2
    err = capsys.readouterr().err
    assert "holds no Veracity collection" in err and "--create" in err
    assert SECRET not in err and "veracity_app:***@" in err
    with psycopg.connect(uri) as conn:
        assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,)
    config = ServerConfig(
        {"docs": uri}, generator="fake", embedder="hash", engine_factory=fake_engine, create=True
    )
    state = ServerState(config)
    try:
        served = state.served["docs"]
        assert served.indexes is not None and served.indexes.sync_interval == 0.25
        assert is_postgres_uri(served.collection.location)
        assert SECRET not in served.collection.location
    finally:
        state.close()
    # Keys for a database collection: the URI is never split at its commas or shown whole.
    assert (
        main(["keys", "create", "--collections", uri, "--labels", "team", "--can", "upload"]) == 0
    )
    assert main(["keys", "list", "--collections", uri]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out and out.count("veracity_app:***@") == 2 and "rights=read,upload" in out


def _start(uri: str, port: int, cache: Path, sync_ms: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "VERACITY_CACHE": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-m", "veracity.cli.main", "serve", "--port", str(port),
         "--collection", f"docs={uri}", "--model", "fake", "--embedder", "hash",
         "--sync-ms", str(sync_ms), "--log-level", "info"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip


def _wait_healthy(url: str, proc: subprocess.Popen[str], deadline: float) -> None:
    while True:
        try:
            httpx.get(url + "/api/health", timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"server exited with {proc.returncode}:\n{out}")
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[str, str, list[str]]]:
    """Two ``veracity serve`` processes (A, B) on one PostgreSQL collection, sharing one cache
    directory as two replicas on one machine do; yields their URLs and, after the test, their
    output (in the list). The collection's password must appear in no output."""
    uri = with_password(pg_server.fresh_database())
    with Collection(uri, embedder="hash") as col:
        col.add([Document.make(u, t) for u, t in CORPUS.items()])
    cache = tmp_path / "cache"
    ports = [free_port(), free_port()]
    # A checks the log once an hour, so it sees only its own writes (``Served.wrote``) at once;
    # B, the replica under test, every 200 ms.
    procs = [_start(uri, p, cache, sync_ms=s) for p, s in zip(ports, (3_600_000, 200), strict=True)]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    outputs: list[str] = []
    try:
        # a guard against a hang, not a bound on speed: a loaded machine starts servers slowly
        deadline = time.monotonic() + 180
        for url, proc in zip(urls, procs, strict=True):
            _wait_healthy(url, proc, deadline)
        yield urls[0], urls[1], outputs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            out, _ = proc.communicate(timeout=20)
            outputs.append(out)
        for out in outputs:  # the password never reaches a log line
            assert SECRET not in out


def _search(url: str, query: str, mode: str = "hybrid", k: int = 5) -> list[dict[str, Any]]:
    r = httpx.post(
        f"{url}/api/collections/docs/search", json={"query": query, "k": k, "mode": mode}
    )
    r.raise_for_status()
    hits: list[dict[str, Any]] = r.json()["hits"]
    return hits


def _poll(url: str, query: str, found: bool, timeout: float = 30.0) -> float:
    """Seconds until ``query`` on ``url`` finds (or no longer finds) the uploaded document."""
    start = time.monotonic()
    while True:
        hit = any(h["uri"].endswith("quokka.md") for h in _search(url, query, mode="sparse"))
        if hit == found:
            return time.monotonic() - start
        assert time.monotonic() - start < timeout, f"replica B never saw the change ({query!r})"
        time.sleep(0.01)


def _rankings(url: str, queries: tuple[str, ...]) -> list[list[tuple[str, float]]]:
    return [
        [(h["chunk"], h["score"]) for h in _search(url, query, mode)]
        for mode in ("hybrid", "dense", "sparse")
        for query in queries
    ]


def _poll_agreement(a: str, b: str, queries: tuple[str, ...], timeout: float = 30.0) -> float:
    """Seconds until B ranks and scores every query as A does, in every mode."""
    want = _rankings(a, queries)
    start = time.monotonic()
    while (got := _rankings(b, queries)) != want:
        assert time.monotonic() - start < timeout, f"replica B never agreed: {got} != {want}"
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.mark.integration
def test_a_document_uploaded_to_one_replica_is_found_on_the_other(
    replicas: tuple[str, str, list[str]],
) -> None:
    a, b, _ = replicas
    # Both replicas build their indexes and agree before any change.
    for query in QUERIES:
        assert _search(a, query) == _search(b, query) != []
    text = b"Quokkas live on Rottnest Island. A quokka smiles for the camera."
    r = httpx.post(
        f"{a}/api/collections/docs/documents", files={"file": ("quokka.md", text, "text/markdown")}
    )
    r.raise_for_status()
    (doc_id,) = r.json()["documents"]
    # A reads its own write at once, its sync interval (an hour) notwithstanding.
    assert any(h["uri"].endswith("quokka.md") for h in _search(a, "quokka island", "sparse"))
    added = _poll(b, "quokka island", found=True)
    print(f"\nreplica delay (upload on A -> found on B): {added * 1000:.0f} ms")
    # B found it through BM25, so it has applied the upload: each of its searches reads both
    # indexes at one log head (``IndexSet.reading``), and every ranking is A's.
    assert _rankings(a, (*QUERIES, "quokka camera")) == _rankings(b, (*QUERIES, "quokka camera"))
    httpx.delete(f"{a}/api/collections/docs/documents/{doc_id}").raise_for_status()
    removed = _poll(b, "quokka island", found=False)
    print(f"replica delay (delete on A -> gone on B): {removed * 1000:.0f} ms")
    # A deleted chunk drops out of B's hits as soon as the store has lost it, before B's
    # indexes have applied the delete; B's scores (N, average length) agree with A's once
    # they have, within the sync interval of 200 ms plus the time to apply it.
    agreed = _poll_agreement(a, b, (*QUERIES, "quokka camera"))
    print(f"replica delay (delete on A -> same scores on B): {agreed * 1000:.0f} ms")
