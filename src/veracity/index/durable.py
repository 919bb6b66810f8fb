"""Durability and privacy for the derived indexes' crash-safe saves (``bm25.persist``,
``vector.files``).

The indexes hold what the documents say (BM25's vocabulary, the vectors), so what they write is
private to the owner as the store is: folders they create are 0700 and files 0600, also where the
collection folder itself was made by someone else with wider rights. Folders that already exist
keep their mode: a user who shares one on purpose is not overruled.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def fsync_path(path: Path) -> None:
    """Flush ``path`` to disk: a file's contents, or a directory's entries (after a rename in it,
    so the rename itself survives a power loss)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each 0700 (``mkdir -p`` would give the
    parents the umask's default, 0755 on most systems)."""
    directory = Path(directory)
    missing = [p for p in (directory, *directory.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=DIR_MODE, exist_ok=True)


def make_private(path: Path) -> None:
    """Restrict a file written by a library that chose its own mode (hnswlib, FAISS, Annoy)."""
    os.chmod(path, FILE_MODE)


def private_file(path: Path) -> int:
    """A descriptor of ``path`` opened for writing, created 0600 or truncated."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
