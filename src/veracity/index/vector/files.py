"""Crash-safe persistence of vector indexes: meta.json, checksummed data files, atomic saves.

Persistence layout (one folder per index)::

    meta.json                 format, backend, dim, applied_seq, options, and each data file's
                              name, size and BLAKE2b checksum
    <role>.<generation>.<ext> data files, named per save so a new save never overwrites the
                              files the current meta.json points to

A save writes (and fsyncs) new data files, then replaces ``meta.json`` with ``os.replace`` (the
commit point), then removes files no meta points to. A crash at any moment leaves either the old
or the new meta.json, each with all its files intact. Loading checks every file's size and
checksum, so a damaged or truncated file raises ``IndexError_`` instead of returning garbage.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import IndexError_
from veracity.index.durable import fsync_path, make_private, private_dirs, private_file

FORMAT = "veracity-vector-index"
FORMAT_VERSION = 1
META = "meta.json"

Meta = dict[str, Any]
_OURS = re.compile(r"^(?:[a-z]+\.[0-9a-f]{12}\.[a-z]+|meta\.json\.[0-9a-f]{12}\.tmp)$")


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def write_index(
    directory: Path,
    *,
    backend: str,
    dim: int,
    applied_seq: int,
    count: int,
    options: Mapping[str, Any],
    writers: Mapping[str, tuple[str, Callable[[Path], None]]],
) -> None:
    """Save atomically. ``writers`` maps a role to ``(extension, write(path))``."""
    directory = Path(directory)
    private_dirs(directory)
    generation = secrets.token_hex(6)
    files: dict[str, dict[str, Any]] = {}
    for role, (ext, write) in writers.items():
        name = f"{role}.{generation}.{ext}"
        path = directory / name
        write(path)
        make_private(path)
        fsync_path(path)
        files[role] = {"name": name, "size": path.stat().st_size, "blake2b": _digest(path)}
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "backend": backend,
        "dim": dim,
        "applied_seq": int(applied_seq),
        "count": int(count),
        "options": dict(options),
        "files": files,
    }
    tmp = directory / f"{META}.{generation}.tmp"
    with os.fdopen(private_file(tmp), "w", encoding="utf-8") as fh:
        fh.write(json.dumps(meta, indent=1, sort_keys=True))
    fsync_path(tmp)
    os.replace(tmp, directory / META)  # the commit point
    fsync_path(directory)
    live = {f["name"] for f in files.values()}
    for old in directory.iterdir():
        # Only our own stale generations and temp files: never anything else in the folder.
        if old.name not in live and _OURS.match(old.name) and old.is_file():
            old.unlink(missing_ok=True)


def read_meta(directory: Path) -> Meta:
    """The checked meta.json of an index folder; ``IndexError_`` when missing or foreign."""
    path = Path(directory) / META
    if not path.exists():
        raise IndexError_(f"no vector index at {directory} (missing {META}); rebuild it")
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise IndexError_(f"vector index meta {path} is damaged ({exc}); rebuild it") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise IndexError_(f"{path} is not a Veracity vector index; rebuild it")
    if meta.get("version") != FORMAT_VERSION:
        raise IndexError_(
            f"vector index {directory} has format version {meta.get('version')}, this Veracity "
            f"reads version {FORMAT_VERSION}; rebuild it"
        )
    for key in ("backend", "dim", "applied_seq", "count", "options", "files"):
        if key not in meta:
            raise IndexError_(f"vector index meta {path} lacks {key!r}; rebuild it")
    return meta


def data_file(directory: Path, meta: Meta, role: str) -> Path:
    """The path of a data file after checking its size and checksum against meta.json."""
    entry = meta["files"].get(role)
    if entry is None:
        raise IndexError_(f"vector index {directory} lacks its {role!r} file; rebuild it")
    path = Path(directory) / str(entry["name"])
    if (
        not path.exists()
        or path.stat().st_size != entry["size"]
        or _digest(path) != entry["blake2b"]
    ):
        raise IndexError_(f"vector index file {path} is missing or damaged; rebuild it")
    return path


def save_npy(array: np.ndarray) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with os.fdopen(private_file(path), "wb") as fh:
            np.save(fh, array, allow_pickle=False)

    return write


def load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise IndexError_(f"cannot read {path} ({exc}); rebuild the index") from exc
