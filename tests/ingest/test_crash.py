"""Kill -9 an ingest at random moments: the store stays consistent, keeps every committed document,
and a re-run completes the work."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from veracity.store import SQLiteStore

pytestmark = pytest.mark.integration

INGEST = """
import sys, veracity
from veracity.ingest.pipeline import IngestOptions
col = veracity.open(sys.argv[1], embedder="hash")
col.add([sys.argv[2]], options=IngestOptions(batch_chunks=16, lookup_window=8))
"""


def _committed(path: Path) -> set[tuple[str, str]]:
    store = SQLiteStore(path, create=False)
    try:
        assert store.check() == [], store.check()
        return {(d.uri, d.content_hash) for d in store.documents()}
    finally:
        store.close()


def _start(col: Path, src: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", INGEST, str(col), str(src)], env=env)


def test_kill_at_random_points_loses_nothing_committed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    words = [
        "tide",
        "harbour",
        "ledger",
        "invoice",
        "glacier",
        "orbit",
        "lantern",
        "meadow",
        "quartz",
        "violet",
    ]
    rng = random.Random(7)
    for i in range(400):
        body = " ".join(rng.choice(words) for _ in range(300))
        (src / f"doc{i:04}.txt").write_text(f"Document {i}. {body}.", encoding="utf-8")
    col = tmp_path / "col"

    # Time one full run into a scratch collection to spread the kills over its duration.
    started = time.perf_counter()
    assert _start(tmp_path / "scratch", src).wait(timeout=600) == 0
    duration = time.perf_counter() - started

    before: set[tuple[str, str]] = set()
    for trial in range(6):
        proc = _start(col, src)
        time.sleep(rng.uniform(0.05, max(0.1, duration * 0.9)) / (1 + trial * 0.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if not (col / "veracity.db").exists():
            continue
        after = _committed(col)
        assert before <= after, "a committed document was lost"
        before = after

    assert _start(col, src).wait(timeout=600) == 0
    final = _committed(col)
    assert before <= final and len(final) == 400
    store = SQLiteStore(col, create=False)
    assert store.counts()["documents"] == 400
    assert store.counts()["vectors"] == store.counts()["chunks"]
