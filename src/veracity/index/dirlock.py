"""A lock on an index directory shared by several processes.

Several processes may keep indexes of one collection in one directory: ``veracity serve`` and a
``veracity search`` on the same SQLite collection, or two query replicas of one PostgreSQL
collection on one machine, whose cache directory (``store.location.cache_dir``) is named by the
database alone. Each keeps its own index in memory and saves it after catching up with the
store's change log. A save is atomic against crashes (new files, then a rename of the manifest),
but two saves at once are not: each removes the data files the other's manifest is about to
name, and they share temporary names. So saves take this lock exclusively and loads take it
shared. Whichever process saved last wins; every save is a consistent pair of data and
``applied_seq``, so a process that loads an older save just replays more of the log.

The lock is ``fcntl.flock`` on ``<directory>/.lock``, which the kernel drops when its holder
exits, so a killed process never leaves it held. Where ``fcntl`` is missing (Windows) the lock is
a no-op: run one process per index directory there.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from veracity.index.durable import private_dirs

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


@contextlib.contextmanager
def directory_lock(directory: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold the lock of ``directory`` (created for an exclusive lock) until the block ends.
    A shared lock on a directory that does not exist yet holds nothing: there is nothing to
    read, and the first save creates it under the exclusive lock."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    directory = Path(directory)
    if exclusive:
        private_dirs(directory)
    elif not directory.is_dir():
        yield
        return
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
