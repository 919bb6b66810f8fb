"""What every vector backend shares: argument checks, exact top-k, and crash-safe persistence.

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

from veracity.errors import ConfigError, IndexError_

FORMAT = "veracity-vector-index"
FORMAT_VERSION = 1
META = "meta.json"
QUERY_CHUNK = 256  # queries per matmul block
ROW_CHUNK = 32_768  # rows per matmul block: a (256, 32768) float32 block is 32 MiB

Meta = dict[str, Any]
_OURS = re.compile(r"^(?:[a-z]+\.[0-9a-f]{12}\.[a-z]+|meta\.json\.[0-9a-f]{12}\.tmp)$")


# --- argument checks ------------------------------------------------------------------------


def check_dim(dim: int) -> int:
    if not isinstance(dim, int | np.integer) or dim < 1:
        raise ConfigError(f"vector dim must be a positive integer, got {dim!r}")
    return int(dim)


def check_ids(ids: np.ndarray) -> np.ndarray:
    """``(n,)`` int64, non-negative (SQLite rowids are; faiss reserves -1 for "no result")."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ConfigError(f"ids must be a 1-d integer array, got shape {arr.shape} {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise ConfigError("ids must be non-negative int64 values (negative ids are reserved)")
    return arr


def check_batch(ids: np.ndarray, vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``(n,)`` ids and ``(n, dim)`` float32 vectors; a repeated id keeps its last row."""
    ids = check_ids(ids)
    vecs = np.asarray(vectors, dtype=np.float32)
    if vecs.ndim == 1 and vecs.size == dim and ids.size == 1:
        vecs = vecs.reshape(1, dim)
    if vecs.ndim != 2 or vecs.shape[1] != dim:
        raise ConfigError(
            f"vectors must have shape (n, {dim}) for this index, got {vecs.shape}; "
            "an index holds one embedder's vectors: rebuild it to change the dimension"
        )
    if vecs.shape[0] != ids.shape[0]:
        raise ConfigError(f"got {ids.shape[0]} ids for {vecs.shape[0]} vectors")
    if ids.size and np.unique(ids).size != ids.size:
        # Upsert semantics inside one batch too: the last occurrence of an id wins.
        _, first_in_reversed = np.unique(ids[::-1], return_index=True)
        keep = ids.size - 1 - first_in_reversed
        ids, vecs = ids[keep], vecs[keep]
    return ids, np.ascontiguousarray(vecs)


def check_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    """``(q, dim)`` float32; a single ``(dim,)`` vector is taken as one query."""
    qs = np.asarray(queries, dtype=np.float32)
    if qs.ndim == 1:
        qs = qs.reshape(1, -1)
    if qs.ndim != 2 or qs.shape[1] != dim:
        raise ConfigError(f"queries must have shape (q, {dim}) for this index, got {qs.shape}")
    return np.ascontiguousarray(qs)


def check_k(k: int) -> int:
    if not isinstance(k, int | np.integer) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_allowed(allowed: np.ndarray | None) -> np.ndarray | None:
    """Sorted unique int64 ids, or None for "no filter". Sorting is cheap and callers err."""
    if allowed is None:
        return None
    arr = np.asarray(allowed)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ConfigError(f"allowed must be a 1-d integer array of ids, got shape {arr.shape}")
    return np.unique(arr.astype(np.int64, copy=False))


def empty_result(n_queries: int) -> tuple[np.ndarray, np.ndarray]:
    return np.empty((n_queries, 0), np.int64), np.empty((n_queries, 0), np.float32)


# --- exact top-k ----------------------------------------------------------------------------


def topk_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of the ``k`` largest per row, best first. ``(q, n) -> (q, k)``."""
    n = scores.shape[1]
    k = min(k, n)
    if k < n:
        # Partition at n-k (the top k land at the end): no negated copy of a large block.
        part = np.argpartition(scores, n - k, axis=1)[:, n - k :]
    else:
        part = np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)


def exact_search(
    matrix: np.ndarray,
    row_ids: np.ndarray,
    queries: np.ndarray,
    k: int,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inner-product top-k of ``queries`` ``(q, d)`` over ``matrix`` ``(n, d)``, ids from ``row_ids``.

    Blocks of QUERY_CHUNK x ROW_CHUNK bound the score buffer (32 MiB) whatever n and q are; each
    row block's top-k merges into a running top-k, so memory is O(q*k) beyond one block. With
    ``mask`` ``(n,)`` bool, rows where it is False score -inf; the caller keeps ``k`` at most the
    number of True rows, so no -inf row can reach the merged top-k.
    """
    n = matrix.shape[0]
    k = min(k, n)
    if k == 0:
        return empty_result(queries.shape[0])
    out_ids = np.empty((queries.shape[0], k), np.int64)
    out_scores = np.empty((queries.shape[0], k), np.float32)
    for q0 in range(0, queries.shape[0], QUERY_CHUNK):
        qb = queries[q0 : q0 + QUERY_CHUNK]  # (b, d)
        best_s = np.empty((qb.shape[0], 0), np.float32)
        best_i = np.empty((qb.shape[0], 0), np.int64)
        for r0 in range(0, n, ROW_CHUNK):
            scores = qb @ matrix[r0 : r0 + ROW_CHUNK].T  # (b, rows)
            if mask is not None:
                scores[:, ~mask[r0 : r0 + ROW_CHUNK]] = -np.inf
            cols, vals = topk_rows(scores, k)
            best_s = np.concatenate([best_s, vals], axis=1)
            best_i = np.concatenate([best_i, cols + r0], axis=1)
            if best_s.shape[1] > k:
                keep, best_s = topk_rows(best_s, k)
                best_i = np.take_along_axis(best_i, keep, axis=1)
        out_ids[q0 : q0 + qb.shape[0]] = row_ids[best_i]
        out_scores[q0 : q0 + qb.shape[0]] = best_s
    return out_ids, out_scores


# --- persistence ----------------------------------------------------------------------------


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    directory.mkdir(parents=True, exist_ok=True)
    generation = secrets.token_hex(6)
    files: dict[str, dict[str, Any]] = {}
    for role, (ext, write) in writers.items():
        name = f"{role}.{generation}.{ext}"
        path = directory / name
        write(path)
        _fsync(path)
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
    tmp.write_text(json.dumps(meta, indent=1, sort_keys=True))
    _fsync(tmp)
    os.replace(tmp, directory / META)  # the commit point
    _fsync(directory)
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
        with open(path, "wb") as fh:
            np.save(fh, array, allow_pickle=False)

    return write


def load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise IndexError_(f"cannot read {path} ({exc}); rebuild the index") from exc


def sorted_lookup(
    keys: np.ndarray, values: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(found mask, values)`` for ``ids`` in sorted ``keys``; values only meaningful where found.

    Vectorised ``searchsorted`` instead of a Python dict: a million ids cost 8 MB, not ~100 MB.
    """
    if not len(keys):
        return np.zeros(len(ids), bool), np.zeros(len(ids), np.int64)
    at = np.searchsorted(keys, ids)
    at_c = np.minimum(at, len(keys) - 1)
    return (at < len(keys)) & (keys[at_c] == ids), values[at_c]


def members(sorted_keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Boolean mask: which of ``ids`` (any shape) are in ``sorted_keys``. O(len(ids) log n)."""
    return sorted_lookup(sorted_keys, sorted_keys, ids.ravel())[0].reshape(ids.shape)


def restrict(allowed: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Sorted ``allowed ∩ live`` (both sorted, unique) in O(|allowed| log |live|).

    ``np.intersect1d`` sorts both arrays on every call; for a small filter over a large index
    that sort, not the search, was the cost (6 ms per query at 100k live ids).
    """
    out: np.ndarray = allowed[members(live, allowed)]
    return out


# --- positions: the id map of backends whose library numbers vectors 0, 1, 2, ... -----------


class Positions:
    """Position -> id (``-1`` for a dead slot) and the reverse lookup, all numpy.

    Libraries that cannot remove a vector (FAISS HNSW) or only take small dense labels (Annoy)
    number vectors by insertion position; an upsert kills the old position and appends a new one,
    a delete kills it; the owner compacts (rebuilds) once dead slots pass a fraction.
    """

    def __init__(self, pos_id: np.ndarray | None = None) -> None:
        self._pos_id = np.empty(0, np.int64) if pos_id is None else pos_id.astype(np.int64)
        self._size = len(self._pos_id)
        self._dead = int((self._pos_id < 0).sum())
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def size(self) -> int:
        """Positions used, dead ones included."""
        return self._size

    @property
    def pos_id(self) -> np.ndarray:
        return self._pos_id[: self._size]

    def live_count(self) -> int:
        return self._size - self._dead

    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        if self._sorted is None:
            pos = np.flatnonzero(self.pos_id >= 0)
            order = np.argsort(self.pos_id[pos], kind="stable")
            self._sorted = (self.pos_id[pos][order], pos[order])
        return self._sorted

    def live_ids(self) -> np.ndarray:
        """Sorted ids of live positions."""
        return self._index()[0]

    def lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found mask, positions)`` of ``ids``; positions only meaningful where found."""
        return sorted_lookup(*self._index(), ids)

    def append(self, ids: np.ndarray) -> np.ndarray:
        """Give ``ids`` (not live) new positions; returns them."""
        need = self._size + len(ids)
        if need > len(self._pos_id):
            grown = np.full(max(need, int(len(self._pos_id) * 1.5), 1024), -1, np.int64)
            grown[: self._size] = self.pos_id
            self._pos_id = grown
        new = np.arange(self._size, need, dtype=np.int64)
        self._pos_id[new] = ids
        self._size = need
        self._sorted = None
        return new

    def kill(self, positions: np.ndarray) -> None:
        positions = np.unique(positions)
        self._dead += int((self._pos_id[positions] >= 0).sum())
        self._pos_id[positions] = -1
        self._sorted = None

    def live_mask(self) -> np.ndarray:
        return self.pos_id >= 0


def search_filtered(
    queries: np.ndarray,
    k: int,
    candidates: np.ndarray,
    approximate: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    vectors: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Run ``approximate`` and repair any query it answered with fewer than k hits.

    ``candidates`` are the sorted ids a query may return (live and allowed); ``approximate``
    returns ``(q, k)`` ids padded with -1 where the library found fewer; ``vectors(ids)`` gives
    the stored vectors for an exact search over the candidates, which answers the short rows.
    Graph search under a filter can strand itself in a region with no allowed nodes; this makes
    "k results whenever k matching vectors exist" hold whatever the library does.
    """
    k = min(k, len(candidates))
    if k == 0:
        return empty_result(queries.shape[0])
    ids, scores = approximate(queries, k)
    short = (ids[:, :k] < 0).any(axis=1) if ids.shape[1] >= k else np.ones(len(ids), bool)
    if ids.shape[1] < k:
        ids = np.pad(ids, ((0, 0), (0, k - ids.shape[1])), constant_values=-1)
        scores = np.pad(scores, ((0, 0), (0, k - scores.shape[1])), constant_values=-np.inf)
    ids, scores = ids[:, :k].copy(), scores[:, :k].astype(np.float32)
    if short.any():
        fix_ids, fix_scores = exact_search(vectors(candidates), candidates, queries[short], k)
        ids[short], scores[short] = fix_ids, fix_scores
    return ids, scores
