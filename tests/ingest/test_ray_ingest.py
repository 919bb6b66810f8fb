"""Distributed ingest on Ray gives the same collection as a local ingest (slow: Ray takes about
20 s to start here, so it stays out of the default run; ``pytest -m slow``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster_corpus import corpus, state_of

import veracity
from veracity.ingest.distributed import ClusterOptions
from veracity.ingest.pipeline import IngestOptions

pytest.importorskip("ray")
pytestmark = pytest.mark.slow


def test_ray_ingest_matches_local(tmp_path: Path) -> None:
    src = corpus(tmp_path / "src", n=12)
    opts = IngestOptions(batch_chunks=8, lookup_window=4)
    local = veracity.open(tmp_path / "local", embedder="hash")
    ra = local.add([src], options=opts)
    remote = veracity.open(tmp_path / "ray", embedder="hash")
    cluster = ClusterOptions(workers=2, engine="ray", files_per_task=3, in_flight=2)
    rb = remote.add([src], options=opts, cluster=cluster)
    assert (rb.added, rb.updated, rb.unchanged) == (ra.added, ra.updated, ra.unchanged)
    assert sorted(rb.failed, key=str) == sorted(ra.failed, key=str)
    assert state_of(remote.store) == state_of(local.store)
    assert remote.store.check() == []
