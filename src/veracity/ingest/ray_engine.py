"""Distributed ingest on Ray: the same tasks as on Dask (``ingest.distributed``), another engine.

Each task is ``prepare_files`` as a Ray remote function with one CPU; the settings are put in
the object store once; at most ``in_flight`` tasks run at a time and their results are written
as they complete. A local Ray (``workers``) takes about 20 s to start on this project's machine,
so it is an option (``pip install 'veracity[ray]'``), not the default, and not in CI.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, MissingDependency
from veracity.ingest.distributed import ClusterOptions, task_failed, tasks
from veracity.ingest.loaders import LoadFailure
from veracity.ingest.prepare import FileSource, FileWork, KnownHashes, Prepared, prepare_files


class RayExecutor:
    """A ``FileExecutor`` on a connected Ray runtime (``ray_executor`` connects it)."""

    def __init__(self, ray: Any, options: ClusterOptions) -> None:
        self.ray = ray
        self.options = options

    def prepare(
        self, files: Iterable[Path], work: FileWork, known: KnownHashes
    ) -> Iterator[Prepared | LoadFailure]:
        ray = self.ray
        remote = ray.remote(num_cpus=1)(prepare_files)
        shared = ray.put(work)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        limit = self.options.in_flight or 2 * max(1, cpus)
        running: dict[Any, list[FileSource]] = {}
        for item in tasks(files, work, self.options, known):
            if isinstance(item, LoadFailure):
                yield item
                continue
            sources, hashes = item
            running[remote.remote(sources, shared, hashes)] = sources
            while len(running) >= limit:
                yield from self._next(running)
        while running:
            yield from self._next(running)

    def _next(self, running: dict[Any, list[FileSource]]) -> Iterator[Prepared | LoadFailure]:
        done, _ = self.ray.wait(list(running), num_returns=1)
        sources = running.pop(done[0])
        try:
            results: list[Prepared | LoadFailure] = self.ray.get(done[0])
        except Exception as exc:
            yield from task_failed(sources, exc)
            return
        yield from results


@contextlib.contextmanager
def ray_executor(options: ClusterOptions) -> Iterator[RayExecutor]:
    """A ``RayExecutor`` on a local Ray of ``options.workers`` CPUs, or connected to
    ``options.address``; Ray is shut down on exit."""
    try:
        ray: Any = importlib.import_module("ray")
    except ImportError as exc:
        raise MissingDependency("distributed ingest on Ray", extra="ray") from exc
    try:
        if options.workers is not None:
            ray.init(num_cpus=options.workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=options.address, log_to_driver=False)
    except ConnectionError as exc:
        raise ConfigError(
            f"cannot reach the Ray cluster at {options.address} ({exc}); start one with "
            "`ray start --head`, check the address, or use --workers N for a local cluster"
        ) from exc
    try:
        yield RayExecutor(ray, options)
    finally:
        ray.shutdown()
