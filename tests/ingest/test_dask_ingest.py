"""Distributed ingest on Dask: the same collection as a local ingest, dedup, upsert, resume.

One ``LocalCluster`` of two worker processes (so every task and result is pickled) serves the
module; each ingest connects to it by address, which is also the ``--dask`` path.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cluster_corpus import corpus, state_of

import veracity
from veracity.cli.main import main
from veracity.errors import ConfigError, MissingDependency
from veracity.ingest import distributed as dist
from veracity.ingest.distributed import ClusterOptions
from veracity.ingest.isolate import ParseLimits
from veracity.ingest.pipeline import IngestOptions
from veracity.ingest.prepare import FileSource, FileWork, Prepared, prepare_files
from veracity.records import Document
from veracity.store.protocols import open_store

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    )  # fmt: skip
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def _dask(address: str, **kw: Any) -> ClusterOptions:
    return ClusterOptions(address=address, files_per_task=3, in_flight=2, **kw)


def test_same_collection_as_local_ingest(tmp_path: Path, scheduler: str) -> None:
    src = corpus(tmp_path / "src")
    opts = IngestOptions(batch_chunks=8, lookup_window=4)
    local = veracity.open(tmp_path / "local", embedder="hash")
    ra = local.add([src], options=opts, labels="team", metadata={"source": "test"})
    remote = veracity.open(tmp_path / "dask", embedder="hash")
    rb = remote.add([src], options=opts, labels="team", metadata={"source": "test"},
                    cluster=_dask(scheduler))  # fmt: skip
    assert (rb.added, rb.updated, rb.unchanged) == (ra.added, ra.updated, ra.unchanged)
    assert ra.added == 20 + 5 + 1 and rb.chunks_written == ra.chunks_written
    assert sorted(rb.failed, key=str) == sorted(ra.failed, key=str)
    assert {f.uri.rsplit("/", 1)[-1] for f in rb.failed} == {
        "broken.pdf",
        "empty.txt",
        "rows.jsonl#6",
    }
    assert rb.skipped == ra.skipped == {".png": 1}
    state = state_of(remote.store)
    assert state == state_of(local.store)
    assert len(state["chunks"]) == len(state["vectors"]) >= 26
    assert any(flags for *_, flags in state["chunks"].values())  # scanned on the workers
    assert remote.store.check() == []


@pytest.mark.integration
def test_into_postgresql_same_as_local_sqlite(tmp_path: Path, scheduler: str) -> None:
    """The driver writes through the ``Store`` protocol, so a shared PostgreSQL works the same
    (started here on a Unix socket by ``tests/pg_server.py``; skips when it cannot start)."""
    import pg_server

    try:
        uri = pg_server.fresh_database()
        src = corpus(tmp_path / "src", n=6)
        shared = veracity.open(uri, embedder="hash")
        report = shared.add([src], cluster=_dask(scheduler))
        local = veracity.open(tmp_path / "local", embedder="hash")
        assert local.add([src]).added == report.added == 6 + 5 + 1
        assert state_of(shared.store) == state_of(local.store)
        assert shared.store.check() == []
        again = shared.add([src], cluster=_dask(scheduler))
        assert (again.added, again.unchanged) == (0, report.added)
        shared.close()
    finally:
        pg_server.stop()


def test_reingest_is_a_no_op_and_a_changed_file_is_upserted(tmp_path: Path, scheduler: str) -> None:
    src = corpus(tmp_path / "src")
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([src], options=IngestOptions(isolate=ParseLimits()), cluster=_dask(scheduler))
    assert col.status().documents == 26  # parsed in each worker's own parse pool
    seq = col.store.last_seq()
    again = col.add([src], cluster=_dask(scheduler))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 26)
    assert col.store.last_seq() == seq  # nothing written

    (src / "doc01.txt").write_text("An entirely new text about lighthouses.", encoding="utf-8")
    (src / "doc02.html").unlink()
    changed = col.add([src], cluster=_dask(scheduler, shared_paths=True))
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 24)
    fresh = veracity.open(tmp_path / "fresh", embedder="hash")
    fresh.add([src])
    before = state_of(col.store)
    col.delete(uris=[str(tmp_path / "src" / "doc02.html")])  # deletion is not part of ingest
    after = state_of(col.store)
    assert before != after and after == state_of(fresh.store)
    assert col.store.check() == []


def test_prepare_files_from_bytes_matches_the_path(tmp_path: Path) -> None:
    src = corpus(tmp_path / "src", n=3)
    work = FileWork("hash")
    paths = [src / "doc01.txt", src / "rows.jsonl", src / "broken.pdf"]
    by_path = prepare_files([FileSource(str(p), str(p.resolve())) for p in paths], work)
    by_bytes = prepare_files(
        [FileSource(str(p), str(p.resolve()), p.read_bytes()) for p in paths], work
    )
    assert len(by_bytes) == len(by_path) == 1 + 6 + 1
    for a, b in zip(by_path, by_bytes, strict=True):
        if isinstance(a, Prepared) and isinstance(b, Prepared):
            assert a.document == b.document and a.chunks == b.chunks
            assert a.vectors is not None and b.vectors is not None
            np.testing.assert_array_equal(a.vectors, b.vectors)
        else:
            assert a == b
    doc = by_path[0]
    assert isinstance(doc, Prepared) and doc.document.uri == str(paths[0].resolve())
    # A document the store already holds (same hash) is not chunked or embedded again.
    skipped = prepare_files([FileSource(str(paths[0]), str(paths[0].resolve()))], work,
                            {doc.document.uri: doc.document.content_hash})  # fmt: skip
    assert skipped == [Prepared(doc.document)]


def test_cli_ingest_on_a_dask_cluster(
    tmp_path: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = corpus(tmp_path / "src", n=4)
    reports = []
    for name, extra in (("local", []), ("dask", ["--dask", scheduler])):
        argv = ["ingest", str(src), "-c", str(tmp_path / name), "--embedder", "hash", "--json"]
        assert main([*argv, *extra]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    keys = ("added", "updated", "unchanged", "failed", "chunks_written", "skipped")
    local, remote = ({k: r[k] for k in keys} for r in reports)
    assert local == remote
    assert reports[1]["added"] == 4 + 5 + 1
    assert main(["ingest", str(src), "-c", str(tmp_path / "x"), "--shared-paths"]) == 2
    assert "--workers, --dask or --ray" in capsys.readouterr().err


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="not both or neither"):
        ClusterOptions()
    with pytest.raises(ConfigError, match="not both or neither"):
        ClusterOptions(workers=2, address="tcp://127.0.0.1:8786")
    with pytest.raises(ConfigError, match="positive"):
        ClusterOptions(workers=0)
    with pytest.raises(ConfigError, match="tcp://host:8786"):
        ClusterOptions(address="localhost")
    with pytest.raises(ConfigError, match="known: dask, ray"):
        ClusterOptions(workers=1, engine="spark")
    assert ClusterOptions(address="auto", engine="ray").address == "auto"
    with pytest.raises(ConfigError, match="inside cluster="):
        veracity.Collection.add(
            None,  # type: ignore[arg-type]  # validation comes first
            [],
            workers=2,
            cluster=ClusterOptions(workers=2),
        )


def test_errors_say_how_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = corpus(tmp_path / "src", n=2)
    col = veracity.open(tmp_path / "col", embedder="hash")
    monkeypatch.setattr(dist, "CONNECT_SECONDS", 1.0)
    with pytest.raises(ConfigError, match=r"cannot reach the Dask scheduler.*dask scheduler"):
        col.add([src], dask="tcp://127.0.0.1:9")
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependency, match=r"veracity\[distributed\]"):
        col.add([src], workers=2)
    with pytest.raises(ConfigError, match="Document records"):
        col.add([Document.make("x", "text")], workers=2)


INGEST = """
import sys, veracity
from veracity.ingest.distributed import ClusterOptions
from veracity.ingest.isolate import ParseLimits
from veracity.ingest.pipeline import IngestOptions
if __name__ == "__main__":
    col = veracity.open(sys.argv[1], embedder="hash")
    col.add([sys.argv[2]], options=IngestOptions(batch_chunks=4, lookup_window=4),
            cluster=ClusterOptions(workers=2, files_per_task=2, in_flight=2))
"""


def _documents(path: Path) -> set[tuple[str, str]]:
    store = open_store(path, create=False)
    try:
        assert store.check() == [], store.check()
        return {(d.uri, d.content_hash) for d in store.documents()}
    finally:
        store.close()


@pytest.mark.integration
def test_kill_the_driver_then_resume_loses_nothing(tmp_path: Path, scheduler: str) -> None:
    src = corpus(tmp_path / "src", n=120, words=400)
    col = tmp_path / "col"
    script = tmp_path / "ingest.py"
    script.write_text(INGEST, encoding="utf-8")
    # Its own session, so the local cluster it starts can be cleaned up after the driver is killed.
    proc = subprocess.Popen(
        [sys.executable, str(script), str(col), str(src)],
        env={**os.environ, "OMP_NUM_THREADS": "1"}, start_new_session=True,
    )  # fmt: skip
    try:
        committed: set[tuple[str, str]] = set()
        deadline = time.monotonic() + 240
        while not committed and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            if (col / "veracity.db").exists():
                committed = _documents(col)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned worker processes
    assert committed, "the ingest committed nothing before the deadline"
    after_kill = _documents(col)
    assert committed <= after_kill and len(after_kill) < 120 + 6, "killed too late to test"

    resumed = veracity.open(col, embedder="hash")
    report = resumed.add([src], cluster=_dask(scheduler))
    assert report.resumed_after_interruption and report.unchanged >= len(after_kill)
    assert report.added > 0 and not report.updated
    assert after_kill <= _documents(col)
    clean = veracity.open(tmp_path / "clean", embedder="hash")
    clean.add([src])
    assert state_of(resumed.store) == state_of(clean.store)
    assert resumed.store.check() == []
