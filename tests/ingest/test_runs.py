"""Ingest run bookkeeping with concurrent ingests (security review, issue 12 item 8): a second
ingest into the same collection used to mark the first, still running, as failed (and report
itself as resuming after an interruption)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import veracity
from veracity.ingest.pipeline import IngestOptions
from veracity.ingest.report import Progress
from veracity.store.runs import IngestRuns


def _runs(col: veracity.Collection) -> list[tuple[int, str]]:
    with col.store.reading() as db:  # type: ignore[attr-defined]  # SQLite's read API
        return list(db.execute("SELECT id, status FROM ingest_runs ORDER BY id"))


def _folder(path: Path, n: int, word: str) -> Path:
    path.mkdir()
    for i in range(n):
        (path / f"{word}{i}.txt").write_text(f"Document {i} is about the {word} topic number {i}.")
    return path


def test_concurrent_ingests_both_proceed_with_their_own_run(tmp_path: Path) -> None:
    first_src = _folder(tmp_path / "a", 6, "harbour")
    second_src = _folder(tmp_path / "b", 3, "glacier")
    veracity.open(tmp_path / "col", embedder="hash").close()
    started, go_on = threading.Event(), threading.Event()
    reports: list[object] = []

    def pause(p: Progress) -> None:
        if p.done == 1:
            started.set()
            assert go_on.wait(30)

    def first() -> None:
        col = veracity.open(tmp_path / "col", embedder="hash")
        options = IngestOptions(lookup_window=1, batch_chunks=1)
        reports.append(col.add(first_src, options=options, on_progress=pause))
        col.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(30)
        col = veracity.open(tmp_path / "col", embedder="hash")
        second = col.add(second_src)  # while the first is paused half-way
        assert not second.resumed_after_interruption
        assert second.added == 3
        assert [s for _, s in _runs(col)] == ["running", "finished"]  # the first is not "failed"
    finally:
        go_on.set()
        thread.join(60)
    first_report = reports[0]
    assert first_report.added == 6 and not first_report.resumed_after_interruption  # type: ignore[attr-defined]
    assert [s for _, s in _runs(col)] == ["finished", "finished"]
    assert col.status().documents == 9
    assert not list((tmp_path / "col").glob(".ingest-run-*.lock"))
    col.close()


def test_a_dead_run_is_still_reported_as_interrupted(tmp_path: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    dead = IngestRuns(col.store).start(["/gone"])
    dead.release()  # its holder died: the row stays "running", its lock is free
    report = col.add(_folder(tmp_path / "a", 1, "orbit"))
    assert report.resumed_after_interruption
    assert [s for _, s in _runs(col)] == ["failed", "finished"]
    with col.store.reading() as db:  # type: ignore[attr-defined]
        stored = db.execute("SELECT report FROM ingest_runs WHERE id = 2").fetchone()
    assert json.loads(stored[0])["added"] == 1
    col.close()
