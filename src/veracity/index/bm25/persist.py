"""Saving and loading a ``BM25Index``: crash-safe, checksummed, versioned.

A saved index is a directory with ``manifest.json`` and one data file ``bm25-<token>.npz``. ``save``
writes the new data file under a fresh name, then replaces the manifest with ``os.replace`` (an
atomic rename), then removes data files the manifest no longer names. A crash at any point leaves
either the old manifest with its old data file or the new pair, never a mix. The manifest holds
the data file's SHA-256, so a damaged or truncated file is detected on load.

Only forward postings, tombstones and the vocabulary are stored; inverted postings and the global
statistics (df, N, total length) are derived again on load, so they cannot disagree with the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import IndexError_
from veracity.index.bm25.index import BM25Index
from veracity.index.bm25.segment import Segment
from veracity.index.durable import fsync_path, private_dirs, private_file
from veracity.text.analyzer import Analyzer

FORMAT = "veracity-bm25"
VERSION = 1
MANIFEST = "manifest.json"
_SEGMENT_FIELDS = ("ids", "lengths", "fwd_indptr", "fwd_terms", "fwd_tfs", "live")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_synced(path: Path, write: Any) -> None:
    with os.fdopen(private_file(path), "wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())


def save(index: BM25Index, directory: Path) -> None:
    """Write ``index`` under ``directory`` (created if needed), replacing any previous save."""
    private_dirs(directory)
    terms = list(index.vocab)  # dict order is term id order
    encoded = [t.encode("utf-8") for t in terms]
    arrays: dict[str, Any] = {
        "vocab_bytes": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "vocab_ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
    }
    for i, seg in enumerate(index.segments):
        for name in _SEGMENT_FIELDS:
            arrays[f"s{i}_{name}"] = getattr(seg, name)
    data_name = f"bm25-{secrets.token_hex(8)}.npz"
    tmp = directory / (data_name + ".tmp")
    _write_synced(tmp, lambda fh: np.savez(fh, **arrays))
    os.replace(tmp, directory / data_name)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "data": data_name,
        "sha256": _sha256(directory / data_name),
        "segments": len(index.segments),
        "variant": index.variant.name,
        "k1": index.k1,
        "b": index.b,
        "delta": index.delta,
        "merge_factor": index.merge_factor,
        "prune": index.prune,
        "analyzer": index.analyzer.config(),
        "applied_seq": index.applied_seq,
    }
    tmp_manifest = directory / (MANIFEST + ".tmp")
    _write_synced(tmp_manifest, lambda fh: fh.write(json.dumps(manifest, indent=1).encode()))
    os.replace(tmp_manifest, directory / MANIFEST)
    fsync_path(directory)
    for old in directory.glob("bm25-*.npz*"):
        if old.name != data_name:
            old.unlink(missing_ok=True)


def _fail(directory: Path, why: str) -> IndexError_:
    return IndexError_(
        f"BM25 index at {directory} cannot be loaded: {why}. "
        "Delete the directory and rebuild the index from the store."
    )


def load(directory: Path) -> BM25Index:
    """Read the index saved under ``directory``."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise _fail(directory, f"no {MANIFEST}") from None
    except (OSError, ValueError) as exc:
        raise _fail(directory, f"{MANIFEST} is unreadable ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _fail(directory, f"{MANIFEST} is not a {FORMAT} manifest")
    if manifest.get("version") != VERSION:
        raise _fail(
            directory,
            f"format version {manifest.get('version')!r}, this Veracity reads version {VERSION}",
        )
    try:
        return _load_checked(directory, manifest)
    except IndexError_:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise _fail(directory, f"data is damaged ({type(exc).__name__}: {exc})") from None


def _load_checked(directory: Path, manifest: dict[str, Any]) -> BM25Index:
    data = directory / str(manifest["data"])
    if not data.is_file():
        raise _fail(directory, f"data file {data.name} is missing")
    if _sha256(data) != manifest["sha256"]:
        raise _fail(directory, f"data file {data.name} does not match its checksum")
    index = BM25Index(
        Analyzer.from_config(manifest["analyzer"]),
        variant=str(manifest["variant"]),
        k1=float(manifest["k1"]),
        b=float(manifest["b"]),
        delta=float(manifest["delta"]),
        merge_factor=int(manifest["merge_factor"]),
        # absent in files written before it existed; a bool in those before "maxscore"
        prune=manifest.get("prune", "none"),
    )
    index.applied_seq = int(manifest["applied_seq"])
    with np.load(data, allow_pickle=False) as npz:
        raw = npz["vocab_bytes"].tobytes()
        ends = npz["vocab_ends"].tolist()
        starts = [0, *ends[:-1]]
        index.vocab = {
            raw[s:e].decode("utf-8"): i for i, (s, e) in enumerate(zip(starts, ends, strict=True))
        }
        if len(index.vocab) != len(ends):
            raise ValueError("duplicate terms in the vocabulary")
        segments = [_read_segment(npz, i, len(ends)) for i in range(int(manifest["segments"]))]
    df = np.zeros(len(index.vocab), dtype=np.int64)
    for seg in segments:
        df += seg.live_term_counts(len(df))
        index._n_live += seg.n_live
        index._total_len += int(seg.lengths[seg.live].sum())
        index._attach(seg)
    index._df = df
    if len(index._where) != index._n_live:
        raise ValueError("an id is live in more than one segment")
    return index


def _read_segment(npz: Any, i: int, vocab_size: int) -> Segment:
    a = {name: npz[f"s{i}_{name}"] for name in _SEGMENT_FIELDS}
    n = len(a["ids"])
    ok = (
        a["ids"].dtype == np.int64
        and len(a["lengths"]) == n
        and len(a["live"]) == n
        and a["live"].dtype == np.bool_
        and len(a["fwd_indptr"]) == n + 1
        and len(a["fwd_terms"]) == len(a["fwd_tfs"]) == int(a["fwd_indptr"][-1])
        and bool(np.all(np.diff(a["fwd_indptr"]) >= 0))
        and (
            len(a["fwd_terms"]) == 0
            or 0 <= int(a["fwd_terms"].min()) <= int(a["fwd_terms"].max()) < vocab_size
        )
    )
    if not ok:
        raise ValueError(f"segment {i} arrays are inconsistent")
    return Segment(
        a["ids"],
        a["lengths"].astype(np.int64),
        a["fwd_indptr"].astype(np.int64),
        a["fwd_terms"].astype(np.int32),
        a["fwd_tfs"].astype(np.int32),
        a["live"].copy(),
    )
