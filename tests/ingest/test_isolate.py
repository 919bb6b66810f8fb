"""Parsing in worker processes: the same results as in-process, and a hang, a memory blow-up or a
crash becomes the file's LoaderError instead of the caller's problem.

The misbehaving loaders are module-level functions handed to the pool (``loader=``): a worker is
a separate interpreter, so monkeypatching this process would not reach it; it imports them by
name from this module.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from veracity.collection import Collection
from veracity.errors import ConfigError, LoaderError
from veracity.ingest.isolate import ParseLimits, ParsePool
from veracity.ingest.loaders import LoadFailure, LoadOptions, LoadResult, load
from veracity.ingest.pipeline import IngestOptions
from veracity.records import Document

# -- loaders that misbehave (run in the worker) ----------------------------------------------------


def sleeping_loader(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    time.sleep(120)
    yield from load(path, options)


def hungry_loader(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    hog = bytearray(4 * 1024**3)  # past the 512 MiB limit of the test
    yield Document.make(str(path), str(len(hog)))


def crashing_loader(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    os.kill(os.getpid(), signal.SIGKILL)
    yield from load(path, options)


def pid_loader(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield Document.make(str(path), f"pid {os.getpid()}")


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def pool() -> Iterator[ParsePool]:
    # Generous: a worker unpickling a test loader imports this test module (and pytest) first,
    # which takes seconds on a busy machine. The time limit has its own test and pool.
    with ParsePool(ParseLimits(seconds=60, memory_bytes=512 * 1024**2)) as p:
        yield p


@pytest.fixture
def quick_pool() -> Iterator[ParsePool]:
    with ParsePool(ParseLimits(seconds=1, memory_bytes=512 * 1024**2)) as p:
        yield p


def text_file(tmp_path: Path, name: str = "note.txt") -> Path:
    path = tmp_path / name
    path.write_text("The canteen serves soup on Fridays.\n", encoding="utf-8")
    return path


# -- tests ----------------------------------------------------------------------------------------


def test_results_match_in_process_loading(tmp_path: Path, pool: ParsePool) -> None:
    txt = text_file(tmp_path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps({"text": "first row"}) + "\n{broken\n" + json.dumps({"text": "third"}) + "\n",
        encoding="utf-8",
    )
    for path in (txt, rows):
        assert list(pool.load(path)) == list(load(path))
    assert any(isinstance(r, LoadFailure) for r in pool.load(rows))  # row failures come back


def test_a_worker_is_reused_for_the_next_file(tmp_path: Path, pool: ParsePool) -> None:
    path = text_file(tmp_path)
    (first,) = pool.load(path, loader=pid_loader)
    (second,) = pool.load(path, loader=pid_loader)
    assert isinstance(first, Document) and isinstance(second, Document)
    assert first.text == second.text != f"pid {os.getpid()}"  # one worker, not this process


def test_path_problems_are_raised_at_once(tmp_path: Path, pool: ParsePool) -> None:
    with pytest.raises(LoaderError, match="file not found"):
        pool.load(tmp_path / "missing.txt")
    with pytest.raises(LoaderError, match=r"unsupported file type \.exe"):
        pool.load(tmp_path / "tool.exe")


def test_a_hanging_parse_becomes_a_loader_error(tmp_path: Path, quick_pool: ParsePool) -> None:
    pool = quick_pool
    path = text_file(tmp_path)
    with pytest.raises(LoaderError) as err:
        list(pool.load(path, loader=sleeping_loader))
    message = str(err.value)
    assert message.startswith(str(path.resolve()))
    assert "parsing took longer than 1 s and was stopped" in message
    assert "decompression bomb" in message and "ParseLimits.seconds" in message
    # The stuck worker was killed and replaced: the next file parses normally.
    assert [d.text for d in pool.load(path) if isinstance(d, Document)] == [
        "The canteen serves soup on Fridays.\n"
    ]


def test_a_parse_past_the_memory_limit_becomes_a_loader_error(
    tmp_path: Path, pool: ParsePool
) -> None:
    path = text_file(tmp_path)
    with pytest.raises(LoaderError) as err:
        list(pool.load(path, loader=hungry_loader))
    assert "parsing needed more memory than the limit (536,870,912 bytes" in str(err.value)
    assert len(list(pool.load(path))) == 1  # a fresh worker serves the next file


def test_a_crashing_parser_becomes_a_loader_error(tmp_path: Path, pool: ParsePool) -> None:
    path = text_file(tmp_path)
    with pytest.raises(LoaderError, match=r"the parser process died \(SIGKILL\)"):
        list(pool.load(path, loader=crashing_loader))
    assert len(list(pool.load(path))) == 1


def test_a_docx_bomb_is_refused_in_the_worker_too(tmp_path: Path, pool: ParsePool) -> None:
    pytest.importorskip("docx")
    from crafted_docx import bomb_docx

    path = bomb_docx(tmp_path / "bomb.docx")
    with pytest.raises(LoaderError, match="max_zip_ratio"):
        list(pool.load(path))


def test_ingest_with_isolation_records_the_failure_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    text_file(folder, "good.txt")
    (folder / "empty.md").write_text("   \n", encoding="utf-8")
    with Collection(tmp_path / "col", embedder="hash") as col:
        report = col.add(folder, options=IngestOptions(isolate=ParseLimits(seconds=10)))
    assert report.added == 1
    assert [f.uri for f in report.failed] == [str(folder / "empty.md")]


def test_limits_are_checked() -> None:
    with pytest.raises(ConfigError, match="time limit must be > 0"):
        ParseLimits(seconds=0)
    with pytest.raises(ConfigError, match="at least 256 MiB"):
        ParseLimits(memory_bytes=1024)
