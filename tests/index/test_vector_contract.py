"""One contract for every vector index backend: a base class, one subclass per backend.

Each subclass names its backend and options; a backend whose library is not installed is
skipped with the reason. Recall is checked against a numpy brute-force oracle on small data.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from veracity.errors import ConfigError, IndexError_, MissingDependency
from veracity.index.vector import (
    VECTOR_INDEXES,
    VectorIndex,
    get_vector_index,
    load_or_rebuild,
    load_vector_index,
)
from veracity.index.vector.scan import search_filtered

DIM = 16
K = 10

Make = Callable[..., VectorIndex]


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    x = rng.normal(size=(n, dim)).astype(np.float32)
    out: np.ndarray = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def oracle(x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ids by inner product, ``(q, k)``."""
    order = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :k]
    return ids[order]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return sum(len(np.intersect1d(f, t)) for f, t in zip(found, truth, strict=True)) / truth.size


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    ids = rng.choice(10**9, size=600, replace=False).astype(np.int64)  # sparse, large ids
    return ids, unit(rng, 600), unit(rng, 25)


class VectorIndexContract:
    """The behaviour every backend promises; subclasses set ``name``, ``options``, ``module``."""

    name: ClassVar[str]
    options: ClassVar[dict[str, Any]] = {}
    module: ClassVar[str | None] = None
    min_recall: ClassVar[float] = 0.9

    @pytest.fixture
    def make(self) -> Make:
        if self.module:
            pytest.importorskip(self.module)

        def build(dim: int = DIM, **extra: Any) -> VectorIndex:
            return get_vector_index(self.name, dim, **{**self.options, **extra})

        return build

    def filled(self, make: Make, data: tuple[np.ndarray, ...]) -> VectorIndex:
        ids, x, _ = data
        index = make()
        index.add(ids, x)
        return index

    def test_protocol_and_len(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        index = self.filled(make, data)
        assert isinstance(index, VectorIndex)
        assert index.dim == DIM and len(index) == 600 and index.applied_seq == 0

    def test_recall_and_scores(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, q = data
        found, scores = self.filled(make, data).search(q, K)
        assert found.shape == scores.shape == (len(q), K)
        assert found.dtype == np.int64 and scores.dtype == np.float32
        assert recall(found, oracle(x, ids, q, K)) >= self.min_recall
        assert np.all(np.diff(scores, axis=1) <= 1e-6), "best first"
        by_id = dict(zip(ids.tolist(), x, strict=True))
        for row, qv in enumerate(q):
            expect = np.array([by_id[i] @ qv for i in found[row]])
            np.testing.assert_allclose(scores[row], expect, atol=1e-4)

    def test_single_query_vector(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, _ = data
        found, _ = self.filled(make, data).search(x[3], 1)
        assert found.shape == (1, 1) and found[0, 0] == ids[3]

    def test_upsert_replaces_vector(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, q = data
        index = self.filled(make, data)
        index.add(ids[:1], q[:1])  # id 0 now holds the first query's vector
        found, scores = index.search(q[:1], 1)
        assert found[0, 0] == ids[0] and scores[0, 0] == pytest.approx(1.0, abs=1e-4)
        assert len(index) == 600
        # Within one batch the last occurrence of an id wins.
        index.add(np.array([ids[1], ids[1]]), np.stack([x[1], q[2]]))
        found, _ = index.search(q[2:3], 1)
        assert found[0, 0] == ids[1] and len(index) == 600

    def test_delete(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, q = data
        index = self.filled(make, data)
        gone = ids[::3]
        index.delete(np.concatenate([gone, np.array([123], np.int64)]))  # unknown id: no-op
        assert len(index) == 600 - len(gone)
        found, _ = index.search(x[::3], K)
        assert not np.isin(found, gone).any()
        keep = np.ones(600, bool)
        keep[::3] = False
        assert recall(index.search(q, K)[0], oracle(x[keep], ids[keep], q, K)) >= self.min_recall
        index.add(gone[:1], x[:1])  # a deleted id comes back
        assert index.search(x[:1], 1)[0][0, 0] == gone[0] and len(index) == 601 - len(gone)

    @pytest.mark.parametrize("size", [1, 3, 10, 25, 60, 300, 540])
    def test_filtered_returns_k(self, make: Make, data: tuple[np.ndarray, ...], size: int) -> None:
        ids, x, q = data
        index = self.filled(make, data)
        rng = np.random.default_rng(size)
        rows = np.sort(rng.choice(600, size=size, replace=False))
        absent = np.array([5, 77], np.int64)  # ids the index does not hold are ignored
        found, scores = index.search(q, K, allowed=np.concatenate([ids[rows], absent]))
        want = min(K, size)
        assert found.shape == scores.shape == (len(q), want)
        assert np.isin(found, ids[rows]).all()
        assert all(len(set(r.tolist())) == want for r in found), "no duplicates"
        truth = oracle(x[rows], ids[rows], q, want)
        assert recall(found, truth) >= (1.0 if size <= 25 else self.min_recall)

    def test_filter_far_from_the_query(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        """An allowed set correlated against the query (its least similar 15%) still gives k."""
        ids, x, q = data
        index = self.filled(make, data)
        far = np.argsort(x @ q[0])[:90]  # the 90 vectors least like query 0: above brute_below
        found, _ = index.search(q[:1], K, allowed=ids[far])
        assert found.shape == (1, K) and np.isin(found, ids[far]).all()
        assert recall(found, oracle(x[far], ids[far], q[:1], K)) >= self.min_recall

    def test_filter_with_deleted_ids(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, _, q = data
        index = self.filled(make, data)
        index.delete(ids[:300])
        found, _ = index.search(q, K, allowed=ids[250:350])  # half of it deleted
        assert found.shape == (len(q), K) and np.isin(found, ids[300:350]).all()

    def test_empty_filter_and_empty_index(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        _, _, q = data
        index = make()
        assert len(index) == 0
        for allowed in (None, np.array([1, 2], np.int64)):
            found, scores = index.search(q, K, allowed=allowed)
            assert found.shape == scores.shape == (len(q), 0)
        found, _ = self.filled(make, data).search(q, K, allowed=np.empty(0, np.int64))
        assert found.shape == (len(q), 0)

    def test_k_greater_than_n(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, q = data
        index = make()
        index.add(ids[:4], x[:4])
        found, _ = index.search(q, K)
        assert found.shape == (len(q), 4)
        assert all(set(r.tolist()) == set(ids[:4].tolist()) for r in found)

    def test_save_load_roundtrip(
        self, make: Make, data: tuple[np.ndarray, ...], tmp_path: Path
    ) -> None:
        ids, x, q = data
        index = self.filled(make, data)
        index.delete(ids[:10])
        index.applied_seq = 42
        index.save(tmp_path / "ix")
        before = index.search(q, K)
        loaded = load_vector_index(tmp_path / "ix")
        assert type(loaded) is type(index)
        assert loaded.applied_seq == 42 and loaded.dim == DIM and len(loaded) == 590
        after = loaded.search(q, K)
        assert recall(after[0], before[0]) >= 0.98
        filt = ids[100:130]
        assert np.array_equal(
            loaded.search(q, K, allowed=filt)[0], index.search(q, K, allowed=filt)[0]
        )
        # The loaded index keeps changing and saving; old generations are cleaned away.
        loaded.add(ids[:10], x[:10])
        loaded.delete(ids[10:20])
        loaded.save(tmp_path / "ix")
        again = load_vector_index(tmp_path / "ix")
        assert len(again) == 590 and again.search(x[:1], 1)[0][0, 0] == ids[0]
        meta = json.loads((tmp_path / "ix" / "meta.json").read_text())
        listed = {f["name"] for f in meta["files"].values()} | {"meta.json"}
        assert {p.name for p in (tmp_path / "ix").iterdir()} == listed

    def test_save_leaves_foreign_files(
        self, make: Make, data: tuple[np.ndarray, ...], tmp_path: Path
    ) -> None:
        (tmp_path / "notes.txt").write_text("mine")
        index = self.filled(make, data)
        index.save(tmp_path)
        index.save(tmp_path)
        assert (tmp_path / "notes.txt").read_text() == "mine"

    def test_crash_mid_save_keeps_previous(
        self,
        make: Make,
        data: tuple[np.ndarray, ...],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        ids = data[0]
        index = self.filled(make, data)
        index.save(tmp_path)
        index.delete(ids[:100])

        def crash(*_: object) -> None:
            raise OSError("simulated crash before the commit point")

        monkeypatch.setattr(os, "replace", crash)
        with pytest.raises(OSError, match="simulated"):
            index.save(tmp_path)
        monkeypatch.undo()
        assert len(load_vector_index(tmp_path)) == 600

    def test_damaged_or_missing_raises_index_error(
        self, make: Make, data: tuple[np.ndarray, ...], tmp_path: Path
    ) -> None:
        with pytest.raises(IndexError_, match="no vector index"):
            load_vector_index(tmp_path / "nothing")
        index = self.filled(make, data)
        index.save(tmp_path)
        meta = json.loads((tmp_path / "meta.json").read_text())
        for entry in meta["files"].values():
            path = tmp_path / entry["name"]
            blob = path.read_bytes()
            path.write_bytes(blob[: len(blob) // 2])  # truncated
            with pytest.raises(IndexError_, match="damaged"):
                load_vector_index(tmp_path)
            path.write_bytes(blob[:-8] + b"\xff" * 8)  # same size, flipped bytes
            with pytest.raises(IndexError_):
                load_vector_index(tmp_path)
            path.write_bytes(blob)
        assert len(load_vector_index(tmp_path)) == 600
        (tmp_path / "meta.json").write_text("{not json")
        with pytest.raises(IndexError_):
            load_vector_index(tmp_path)
        (tmp_path / "meta.json").write_text(json.dumps({**meta, "version": 99}))
        with pytest.raises(IndexError_, match="version"):
            load_vector_index(tmp_path)

    def test_bad_arguments_raise_config_error(
        self, make: Make, data: tuple[np.ndarray, ...]
    ) -> None:
        ids, x, q = data
        index = self.filled(make, data)
        with pytest.raises(ConfigError, match=f"\\(n, {DIM}\\)"):
            index.add(ids[:2], np.ones((2, DIM + 1), np.float32))
        with pytest.raises(ConfigError, match=f"\\(q, {DIM}\\)"):
            index.search(np.ones((1, DIM - 1), np.float32), K)
        with pytest.raises(ConfigError):
            index.add(np.array([-1], np.int64), x[:1])
        with pytest.raises(ConfigError):
            index.add(ids[:3], x[:2])
        with pytest.raises(ConfigError):
            index.search(q, 0)
        with pytest.raises(ConfigError):
            make(0)

    def test_load_or_rebuild(
        self, make: Make, data: tuple[np.ndarray, ...], tmp_path: Path
    ) -> None:
        ids, x, _ = data
        calls: list[int] = []

        def stored() -> list[tuple[np.ndarray, np.ndarray]]:
            calls.append(1)
            return [(ids[:300], x[:300]), (ids[300:], x[300:])]

        def open_at(seq: int) -> tuple[VectorIndex, bool]:
            return load_or_rebuild(
                tmp_path, self.name, DIM, head_seq=seq, stored=stored, **self.options
            )

        index, rebuilt = open_at(5)  # missing -> built
        assert rebuilt and len(index) == 600 and index.applied_seq == 5
        index, rebuilt = open_at(5)  # current -> loaded
        assert not rebuilt and len(index) == 600
        index, rebuilt = open_at(6)  # stale -> rebuilt
        assert rebuilt and index.applied_seq == 6 and len(calls) == 2
        assert load_vector_index(tmp_path).applied_seq == 6


class TestExact(VectorIndexContract):
    name = "exact"
    min_recall = 1.0

    def test_matches_oracle_exactly(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, q = data
        index = make()
        for lo in range(0, 600, 128):  # several batches grow the matrix
            index.add(ids[lo : lo + 128], x[lo : lo + 128])
        assert np.array_equal(index.search(q, K)[0], oracle(x, ids, q, K))
        rows = np.arange(0, 600, 2)  # 50% allowed: the masked full-scan path
        found = index.search(q, K, allowed=ids[rows])[0]
        assert np.array_equal(found, oracle(x[rows], ids[rows], q, K))


class TestHnsw(VectorIndexContract):
    name = "hnsw"
    module = "hnswlib"
    options: ClassVar[dict[str, Any]] = {"m": 8, "ef_construction": 64, "ef_search": 32}


class TestHnswWithoutVectorCopy(VectorIndexContract):
    name = "hnsw"
    module = "hnswlib"
    options: ClassVar[dict[str, Any]] = {"m": 8, "ef_construction": 64, "keep_vectors": False}


class TestHnswOverfetch(VectorIndexContract):
    name = "hnsw"
    module = "hnswlib"
    options: ClassVar[dict[str, Any]] = {"m": 8, "ef_construction": 64, "overfetch": True}


class TestFaissHnsw(VectorIndexContract):
    name = "faiss"
    module = "faiss"
    options: ClassVar[dict[str, Any]] = {"m": 8, "ef_construction": 64, "ef_search": 32}

    def test_compaction_after_many_deletes(self, make: Make, data: tuple[np.ndarray, ...]) -> None:
        ids, x, q = data
        index = self.filled(make, data)
        index.delete(ids[:400])  # past compact_above: rebuilt from the live vectors
        assert len(index) == 200
        assert recall(index.search(q, K)[0], oracle(x[400:], ids[400:], q, K)) >= self.min_recall


class TestFaissFlat(VectorIndexContract):
    name = "faiss"
    module = "faiss"
    options: ClassVar[dict[str, Any]] = {"kind": "flat"}
    min_recall = 1.0


class TestAnnoy(VectorIndexContract):
    name = "annoy"
    module = "annoy"
    options: ClassVar[dict[str, Any]] = {"n_trees": 16, "search_k": 4000}
    min_recall = 0.85


def test_registry_names_and_unknown() -> None:
    assert set(VECTOR_INDEXES) == {"exact", "hnsw", "faiss", "annoy"}
    with pytest.raises(ConfigError, match="known: annoy, exact, faiss, hnsw"):
        get_vector_index("nope", DIM)
    with pytest.raises(ConfigError, match="bad option"):
        get_vector_index("exact", DIM, bogus=1)


@pytest.mark.parametrize(
    ("name", "module", "package"),
    [("hnsw", "hnswlib", "hnswlib"), ("faiss", "faiss", "faiss-cpu"), ("annoy", "annoy", "annoy")],
)
def test_missing_library_names_the_install(
    name: str, module: str, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # makes ``import module`` fail
    with pytest.raises(MissingDependency, match=rf"veracity\[ann\].*{package}"):
        get_vector_index(name, DIM)


def test_foreign_backend_in_meta(tmp_path: Path) -> None:
    index = get_vector_index("exact", DIM)
    index.save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "backend": "pgvector"}))
    with pytest.raises(IndexError_, match="unknown backend"):
        load_vector_index(tmp_path)


def test_short_rows_are_repaired_exactly() -> None:
    """A library that finds fewer than k allowed hits for a query gets that row answered exactly."""
    rng = np.random.default_rng(3)
    x, q = unit(rng, 50), unit(rng, 4)
    ids = np.arange(100, 150, dtype=np.int64)

    def approximate(qs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        found, scores = oracle(x, ids, qs, k), np.sort(qs @ x.T, axis=1)[:, ::-1][:, :k]
        found[1, 3:] = -1  # the library stranded query 1 after three hits
        return found, scores.astype(np.float32)

    found, scores = search_filtered(q, K, ids, approximate, lambda wanted: x[wanted - 100])
    assert np.array_equal(found, oracle(x, ids, q, K))
    np.testing.assert_allclose(scores[1], np.sort(q[1] @ x.T)[::-1][:K], atol=1e-6)
