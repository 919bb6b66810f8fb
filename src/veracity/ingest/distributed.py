"""Distributed ingest on Dask (or Ray): loading, chunking and embedding on a cluster's workers.

The driver (the process that holds the store) walks the paths, reads each file and sends its
bytes to a worker in tasks of up to ``files_per_task`` files, at most ``in_flight`` at a time
(backpressure: memory stays bounded however large the corpus). Each worker runs
``ingest.prepare.prepare_files``, loading the embedder once and keeping it, and the driver writes
the results as they complete through the same ``Ingestor`` as a local ingest: content-hash
dedup, upserts, label inheritance, one transaction per batch, the run record and the report do
not change, so a killed driver loses at most its batch in flight and a re-run resumes.

Files go to workers as bytes by default, so a remote cluster needs no access to the driver's
disk (and each file is read whole into the driver's memory: files over ``LoadOptions.max_bytes``
fail, which for ``.jsonl``/``.csv`` is stricter than a local ingest). With ``shared_paths`` the
workers read the files themselves: every worker must then see them at the same absolute paths.

Before sending a group, the driver asks the store for the content hashes it holds for those files,
so a worker skips chunking and embedding unchanged single-document files; rows of ``.jsonl``/
``.csv`` files are embedded again and then found unchanged (correct, but not free).

A local cluster (``workers``) starts ``n`` worker processes with one thread each; ``address``
connects to a running scheduler (``dask scheduler``, with ``dask worker tcp://host:8786`` on
each machine, and Veracity with the same embedder installed on every worker). ``engine="ray"``
runs the same tasks on Ray (``ingest.ray_engine``; about 20 s to start a local one here).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, LoaderError, MissingDependency
from veracity.ingest.loaders import LoadFailure, LoadOptions
from veracity.ingest.loaders.base import check_size
from veracity.ingest.prepare import (
    FileExecutor,
    FileSource,
    FileWork,
    KnownHashes,
    Prepared,
    prepare_files,
)

# A scheduler that does not answer within this many seconds is reported as unreachable.
CONNECT_SECONDS = 10.0


ENGINES = ("dask", "ray")


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Where and how to run a distributed ingest.

    ``workers``: start a local cluster of this many worker processes (one thread each);
    ``address``: connect to a running scheduler instead (Dask: ``tcp://host:8786``; Ray:
    ``auto`` or ``ray://host:10001``); exactly one of the two.
    ``in_flight``: groups of files submitted but not yet written (None: twice the workers).
    ``files_per_task``, ``task_bytes``: a task holds up to this many files and about this many
    bytes (their chunks are embedded in one call; small tasks cost more per file: 8 files of
    SciFact abstracts per task took about 25% more worker CPU than 32 here).
    ``shared_paths``: send paths instead of bytes (workers must see the same files).
    ``engine``: ``"dask"`` or ``"ray"``."""

    workers: int | None = None
    address: str | None = None
    in_flight: int | None = None
    files_per_task: int = 32
    task_bytes: int = 4 * 1024 * 1024
    shared_paths: bool = False
    engine: str = "dask"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine {self.engine!r}; known: {', '.join(ENGINES)}")
        if (self.workers is None) == (self.address is None):
            raise ConfigError(
                "a distributed ingest needs either a number of local workers (--workers N) or "
                "the address of a Dask scheduler (--dask tcp://host:8786), not both or neither"
            )
        if self.workers is not None and (
            isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1
        ):
            raise ConfigError(f"workers must be a positive whole number, got {self.workers!r}")
        if self.address is not None and (
            not isinstance(self.address, str)
            or ("://" not in self.address and (self.engine, self.address) != ("ray", "auto"))
        ):
            example = "tcp://host:8786" if self.engine == "dask" else "auto or ray://host:10001"
            raise ConfigError(
                f"the {self.engine} scheduler address must look like {example}, "
                f"got {self.address!r}"
            )
        for name in ("in_flight", "files_per_task", "task_bytes"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"{name} must be a positive whole number, got {value!r}")


class DaskExecutor:
    """A ``FileExecutor`` over a ``distributed.Client``; see the module docstring."""

    def __init__(self, client: Any, options: ClusterOptions) -> None:
        self.client = client
        self.options = options

    def prepare(
        self, files: Iterable[Path], work: FileWork, known: KnownHashes
    ) -> Iterator[Prepared | LoadFailure]:
        # Shipped once to every worker (a scanner or a picklable embedder), not with each task.
        shared = self.client.scatter(work, broadcast=True, hash=False)
        limit = self.options.in_flight or 2 * max(1, self._n_workers())
        running = _distributed().as_completed()
        groups: dict[Any, list[FileSource]] = {}
        for item in tasks(files, work, self.options, known):
            if isinstance(item, LoadFailure):
                yield item
                continue
            sources, hashes = item
            future = self.client.submit(prepare_files, sources, shared, hashes, pure=False)
            groups[future] = sources
            running.add(future)
            while running.count() >= limit:
                yield from _results(next(running), groups)
        for future in running:
            yield from _results(future, groups)

    def _n_workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))


def tasks(
    files: Iterable[Path], work: FileWork, options: ClusterOptions, known: KnownHashes
) -> Iterator[LoadFailure | tuple[list[FileSource], dict[str, str]]]:
    """The arguments of each ``prepare_files`` task, ``(sources, known hashes)``, and the files
    that failed before any was sent (unreadable, too large to send)."""
    sources: list[FileSource] = []
    size = 0
    for path in files:
        source = _source(path, work.load, send=not options.shared_paths)
        if isinstance(source, LoadFailure):
            yield source
            continue
        sources.append(source)
        size += len(source.data) if source.data is not None else _size(path)
        if len(sources) >= options.files_per_task or size >= options.task_bytes:
            yield sources, known([s.resolved for s in sources])
            sources, size = [], 0
    if sources:
        yield sources, known([s.resolved for s in sources])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the worker reports it


def _source(path: Path, options: LoadOptions, *, send: bool) -> FileSource | LoadFailure:
    resolved = path.resolve()
    if not send:
        return FileSource(str(path), str(resolved))
    try:
        check_size(resolved, options)
        return FileSource(str(path), str(resolved), resolved.read_bytes())
    except OSError as exc:
        return LoadFailure(str(path), f"cannot read the file: {exc.strerror or exc}")
    except LoaderError as exc:  # over max_bytes
        reason = str(exc).removeprefix(f"{resolved}: ")
        return LoadFailure(str(path), f"{reason} (files are sent whole to the workers)")


def _results(future: Any, groups: dict[Any, list[FileSource]]) -> Iterator[Prepared | LoadFailure]:
    sources = groups.pop(future)
    try:
        results: list[Prepared | LoadFailure] = future.result()
    except Exception as exc:
        yield from task_failed(sources, exc)
        return
    finally:
        future.release()
    yield from results


def task_failed(sources: list[FileSource], exc: Exception) -> Iterator[LoadFailure]:
    """A task that failed (a worker died, an unexpected bug) fails its files, not the run."""
    for source in sources:
        yield LoadFailure(source.path, f"a cluster worker failed on this file's task: {exc!r}")


def cluster_options(
    workers: int | None, dask: str | None, cluster: ClusterOptions | None
) -> ClusterOptions | None:
    """The cluster an ingest asks for: ``cluster`` itself, or one made of ``workers`` (a local
    cluster) or ``dask`` (a scheduler's address); None when it asks for none."""
    if cluster is not None:
        if workers is not None or dask is not None:
            raise ConfigError("give workers and the address inside cluster=, not beside it")
        if not isinstance(cluster, ClusterOptions):
            raise ConfigError(f"cluster must be a ClusterOptions, got {type(cluster).__name__}")
        return cluster
    if workers is None and dask is None:
        return None
    return ClusterOptions(workers=workers, address=dask)


@contextlib.contextmanager
def open_executor(options: ClusterOptions) -> Iterator[FileExecutor]:
    """The executor ``options`` describe (Dask or Ray), with its cluster, closed on exit."""
    if options.engine == "ray":
        from veracity.ingest.ray_engine import ray_executor

        with ray_executor(options) as ray_ex:
            yield ray_ex
        return
    with dask_executor(options) as dask_ex:
        yield dask_ex


@contextlib.contextmanager
def dask_executor(options: ClusterOptions) -> Iterator[DaskExecutor]:
    """A ``DaskExecutor`` on a local cluster or a running scheduler, closed on exit."""
    dask = _distributed()
    if options.workers is not None:
        cluster = dask.LocalCluster(
            n_workers=options.workers, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
            env={"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")},
        )  # fmt: skip
        try:
            with dask.Client(cluster) as client:
                yield DaskExecutor(client, options)
        finally:
            cluster.close()
        return
    client = _connect(dask.Client, str(options.address))
    try:
        yield DaskExecutor(client, options)
    finally:
        client.close()


def _distributed() -> Any:
    """The ``distributed`` module (untyped, so ``Any``), or MissingDependency naming the extra."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise MissingDependency("distributed ingest (Dask)", extra="distributed") from exc


def _connect(client_type: Any, address: str) -> Any:
    try:
        return client_type(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
            "`dask scheduler` and workers with `dask worker <address>` (each with Veracity "
            "installed), check the host and port, or use --workers N for a local cluster"
        ) from exc
