"""Durability for the derived indexes' crash-safe saves (``bm25.persist``, ``vector.files``)."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush ``path`` to disk: a file's contents, or a directory's entries (after a rename in it,
    so the rename itself survives a power loss)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
