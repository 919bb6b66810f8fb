"""Parse untrusted files in worker processes with a time limit and a memory limit.

Parsers are where hostile input does its damage: a decompression bomb, or a quadratic path inside
a library (python-docx once spent five minutes on a 69 KB DOCX). In the server's own process such
a parse holds a core and the GIL while every other request waits, and running out of memory takes
the whole server down. A ``ParsePool`` runs ``loaders.load`` in worker processes instead:

- each worker's address space is capped (``RLIMIT_AS`` = ``ParseLimits.memory_bytes``), so a parse
  that needs more fails there (a ``MemoryError``, or the worker dies), never in the caller;
- the caller waits at most ``ParseLimits.seconds`` for each batch of results, then kills the worker;
- either way the file raises ``LoaderError`` with the reason, which the ingest pipeline records as
  that file's failure ("parsing took longer than 30 s ...; the file may be a decompression bomb").

Workers are fresh interpreters (``subprocess``: fork and exec, safe from a process that runs
threads, and no re-import of the caller's ``__main__`` as multiprocessing's spawn and forkserver
do), each parsing one file at a time and reused for the next file; a worker that overran, died or
ran out of memory is replaced. Documents come back pickled in batches (``.jsonl``/``.csv`` files
stream row by row, so the time limit applies to each batch; for a single-document file it is the
whole parse).

Cost, measured by ``benchmarks/parse_isolation.py`` on this project's shared 2-core machine (see
docs/benchmarks.md): a median 0.18 ms per file over parsing in-process (0.17 ms for a 1.4 KB
Markdown file that parses in 0.11 ms; 0.7-3 ms, between runs on a busy machine, for a
50-paragraph DOCX that parses in 9-12 ms), the pickling of the request and the documents through
a pipe; plus about 75 ms to start a worker (a fresh interpreter importing the loaders; a format's
parsing library is imported with its first file), once per pool and again after a worker is
killed. So the server parses every upload this way, and ``veracity ingest --isolate`` costs next
to nothing.

POSIX only (the pipes reach the worker through ``pass_fds``). Where ``RLIMIT_AS`` cannot be set
or is not enforced (macOS), workers run without the memory limit; the time limit holds everywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from types import TracebackType
from typing import cast

from veracity.errors import ConfigError, LoaderError
from veracity.ingest.loaders import LoadOptions, LoadResult, check_loadable, load
from veracity.ingest.loaders.base import Loader

# The worker's first lines: this process's sys.path, then the loop (a fresh interpreter).
_PATH_VAR = "VERACITY_PARSER_SYS_PATH"
_BOOT = (
    f"import json, os, sys; sys.path[:] = json.loads(os.environ.pop({_PATH_VAR!r})); "
    "from veracity.ingest.isolate import serve; serve()"
)
# A batch goes back to the caller when it holds this many documents or characters.
_BATCH_DOCS = 256
_BATCH_CHARS = 4_000_000
# How long a new worker may take to start (an interpreter importing the loaders: about 75 ms on
# a quiet machine, seconds on a loaded one). Not part of any file's parse time limit.
_STARTUP_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """``seconds``: how long to wait for a file's parse (for each batch of rows of a
    ``.jsonl``/``.csv``). ``memory_bytes``: a worker's address space (``RLIMIT_AS``), None for no
    limit; it includes the interpreter and the parsing libraries (about 75 MB)."""

    seconds: float = 30.0
    memory_bytes: int | None = 2 * 1024**3

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ConfigError(f"the parse time limit must be > 0 seconds, got {self.seconds}")
        if self.memory_bytes is not None and self.memory_bytes < 256 * 1024**2:
            raise ConfigError(
                "the parse memory limit must be at least 256 MiB (the interpreter and its "
                f"parsing libraries take about 75 MB), or None for none; got "
                f"{self.memory_bytes:,} bytes"
            )


class ParsePool:
    """Worker processes that run ``loaders.load`` under ``limits``; see the module docstring.

    Thread-safe: each ``load`` takes an idle worker or starts one, so concurrent loads run in
    parallel; at most ``keep`` idle workers are kept for later files. Close the pool (or use it
    as a context manager) to stop them.
    """

    def __init__(self, limits: ParseLimits | None = None, *, keep: int = 2) -> None:
        self.limits = limits or ParseLimits()
        self.keep = keep
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def load(
        self, path: Path, options: LoadOptions | None = None, *, loader: Loader | None = None
    ) -> Iterator[LoadResult]:
        """What ``loaders.load(path, options)`` yields, parsed in a worker.

        The path is checked now (as ``load`` does); the worker parses when the iterator is first
        consumed and is killed if the iterator is closed before the end. ``loader`` replaces
        ``load`` in the worker: a module-level function, which the worker imports by name.
        """
        resolved = check_loadable(path)
        return self._results(resolved, options or LoadOptions(), loader)

    def _results(
        self, path: Path, options: LoadOptions, loader: Loader | None
    ) -> Iterator[LoadResult]:
        worker = self._take()
        finished = False
        try:
            worker.send((path, options, loader))
            while True:
                kind, payload = worker.receive(path, self.limits)
                if kind == "docs":
                    yield from cast(list[LoadResult], payload)
                    continue
                # After "fatal" (out of memory) the worker exits: it must not be reused.
                finished = kind != "fatal"
                if kind in ("error", "fatal"):
                    raise LoaderError(str(payload))
                return
        finally:
            self._give_back(worker, finished)

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise ConfigError("this ParsePool is closed; make a new one")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker(self.limits.memory_bytes)

    def _give_back(self, worker: _Worker, finished: bool) -> None:
        # A worker stopped mid-file may still be sending: it cannot be reused.
        with self._lock:
            if finished and worker.alive() and not self._closed and len(self._idle) < self.keep:
                self._idle.append(worker)
                return
        worker.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Worker:
    """One worker process and the two pipes to it (requests in, results out)."""

    def __init__(self, memory_bytes: int | None) -> None:
        to_child, self._requests = Pipe(duplex=False)
        self._results, from_child = Pipe(duplex=False)
        fds = (to_child.fileno(), from_child.fileno())
        args = [sys.executable, "-c", _BOOT, *map(str, fds), str(memory_bytes or 0)]
        # The worker imports from where this process does, before it imports veracity.
        env = {**os.environ, _PATH_VAR: json.dumps(sys.path)}
        try:
            self._process = subprocess.Popen(
                args, pass_fds=fds, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env
            )
        finally:
            to_child.close()
            from_child.close()
        # Killed when dropped without kill() (a pool or server state never closed).
        self._stop = weakref.finalize(
            self, _terminate, self._process, self._requests, self._results
        )
        self._ready = False

    def alive(self) -> bool:
        return self._process.poll() is None

    def send(self, request: tuple[Path, LoadOptions, Loader | None]) -> None:
        if not self._ready:
            self._await_ready(request[0])
        with contextlib.suppress(OSError):  # the worker is gone; receive() says how it ended
            self._requests.send(request)

    def _await_ready(self, path: Path) -> None:
        """Wait for the worker's start-up message, so that a slow start (a busy machine) never
        counts against the first file's parse time limit."""
        try:
            started = self._results.poll(_STARTUP_SECONDS) and self._results.recv()[0] == "ready"
        except (EOFError, OSError):
            started = False
        if not started:
            self.kill()
            raise LoaderError(
                f"{path}: the parser process did not start within {_STARTUP_SECONDS:g} s; the "
                "machine may be out of memory or processes; try again"
            )
        self._ready = True

    def receive(self, path: Path, limits: ParseLimits) -> tuple[str, object]:
        """The worker's next message, or LoaderError when it overran or died."""
        if not self._results.poll(limits.seconds):
            self.kill()
            raise LoaderError(
                f"{path}: parsing took longer than {limits.seconds:g} s and was stopped; the "
                "file may be a decompression bomb or trigger a slow path in its parser "
                "(ParseLimits.seconds)"
            )
        try:
            message: tuple[str, object] = self._results.recv()
        except (EOFError, OSError):
            try:
                code = self._process.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
                code = self._process.returncode
            raise LoaderError(_died(path, code, limits)) from None
        return message

    def kill(self) -> None:
        self._stop()


def _terminate(process: subprocess.Popen[bytes], *pipes: Connection) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for pipe in pipes:
        pipe.close()


def _died(path: Path, code: int, limits: ParseLimits) -> str:
    how = f"exit code {code}"
    if code < 0:
        try:
            how = signal.Signals(-code).name
        except ValueError:
            how = f"signal {-code}"
    memory = f"{limits.memory_bytes:,} bytes" if limits.memory_bytes else "no limit"
    return (
        f"{path}: the parser process died ({how}) while reading the file; it may have run out "
        f"of memory (ParseLimits.memory_bytes: {memory}) or hit a parser crash"
    )


# -- in the worker -----------------------------------------------------------------------------


def serve() -> None:
    """The worker's main loop: ``argv`` holds the pipe descriptors and the memory limit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    requests = Connection(int(sys.argv[1]), writable=False)
    results = Connection(int(sys.argv[2]), readable=False)
    memory_bytes = int(sys.argv[3]) or None
    _limit_memory(memory_bytes)
    results.send(("ready", None))
    while True:
        try:
            path, options, loader = requests.recv()
        except EOFError:
            return  # the pool closed the pipe
        except BaseException as exc:  # a request that does not unpickle (e.g. an unknown loader)
            results.send(("error", f"the parser process could not read the request: {exc}"))
            continue
        if not _parse(results, path, options, memory_bytes, loader):
            os._exit(1)  # after running out of memory the heap is suspect: start afresh


def _parse(
    results: Connection,
    path: Path,
    options: LoadOptions,
    memory_bytes: int | None,
    loader: Loader | None,
) -> bool:
    """Send ``("docs", [...])`` batches, then ``("done", None)``, or ``("error", message)``
    (``"fatal"`` when out of memory: then False, and the worker exits)."""
    try:
        batch: list[LoadResult] = []
        chars = 0
        for item in (loader or load)(path, options):
            batch.append(item)
            chars += len(getattr(item, "text", ""))
            if len(batch) >= _BATCH_DOCS or chars >= _BATCH_CHARS:
                results.send(("docs", batch))
                batch, chars = [], 0
        results.send(("docs", batch))
        results.send(("done", None))
        return True
    except BaseException as exc:  # everything becomes the file's reason
        del batch  # free what was parsed before reporting
        fatal = _out_of_memory(exc)
        results.send(("fatal" if fatal else "error", _reason(path, exc, memory_bytes)))
        return not fatal


def _limit_memory(memory_bytes: int | None) -> None:
    if memory_bytes is None:
        return
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass  # no RLIMIT_AS here (see the module docstring): the time limit still holds


def _out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or isinstance(exc.__cause__, MemoryError)


def _reason(path: Path, exc: BaseException, memory_bytes: int | None) -> str:
    if _out_of_memory(exc):
        limit = f"{memory_bytes:,} bytes" if memory_bytes else "no limit"
        return (
            f"{path}: parsing needed more memory than the limit ({limit}, "
            "ParseLimits.memory_bytes); the file may be a decompression bomb"
        )
    if isinstance(exc, LoaderError):
        return str(exc)
    return f"{path}: could not read this file ({type(exc).__name__}: {exc})"
