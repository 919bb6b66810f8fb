"""Vector search benchmark: exact numpy search against memory bandwidth, and HNSW libraries side by side.

Run: ``python -m benchmarks.vector_ann [--n 100000] [--dim 384] [--queries 1000]``; the opt-in
large run is ``python -m benchmarks.vector_ann --n 1000000`` (about 1.5 GB of vectors, and single-
thread HNSW builds of tens of minutes per library).

Everything runs on one thread (OMP, OpenBLAS, faiss, hnswlib and usearch are all pinned), timings
are CPU seconds (``time.process_time``) so a busy shared machine hurts less, and every
configuration runs in the same process so the figures compare side by side; ratios are what to
read, absolute speeds vary with load.

Data: deterministic clustered vectors with a low intrinsic dimension, like real sentence
embeddings: 2,000 cluster centres in a 64-d latent space, points scattered around them,
projected to ``dim`` by a fixed random matrix, plus isotropic noise, then L2-normalized. Queries
are fresh draws from the same distribution (not copies of indexed points).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402

EFS = (16, 32, 64, 128, 256)
ANNOY_SEARCH_K = (2_000, 8_000, 32_000)
FILTER_FRACTIONS = (0.01, 0.05, 0.1, 0.2, 0.5)
M = 16
EF_CONSTRUCTION = 100
K = 10


def make_data(n: int, dim: int, n_queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(n, dim)`` base vectors and ``(n_queries, dim)`` queries, float32, L2-normalized."""
    rng = np.random.default_rng(seed)
    latent, n_centres = 64, 2000
    centres = rng.normal(size=(n_centres, latent)).astype(np.float32)
    proj = rng.normal(size=(latent, dim)).astype(np.float32) / np.sqrt(latent)

    def draw(count: int) -> np.ndarray:
        which = rng.integers(0, n_centres, size=count)
        z = centres[which] + 1.0 * rng.normal(size=(count, latent)).astype(np.float32)
        x = z @ proj + 0.2 * rng.normal(size=(count, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out: np.ndarray = x.astype(np.float32)
        return out

    return draw(n), draw(n_queries)


def cpu(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median CPU seconds of ``fn`` over ``repeat`` runs, and its last result."""
    times: list[float] = []
    out: Any = None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        times.append(time.process_time() - t0)
    return statistics.median(times), out


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean fraction of the true top-k ids among the found ones, ``(q, k)`` each."""
    hits = sum(len(np.intersect1d(f[f >= 0], t)) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


@dataclass
class Result:
    name: str
    build_s: float
    points: list[tuple[int, float, float]] = field(default_factory=list)  # (ef, recall, qps)


# --- raw libraries --------------------------------------------------------------------------


def run_hnswlib(x: np.ndarray, q: np.ndarray, truth: np.ndarray) -> Result:
    import hnswlib

    idx = hnswlib.Index(space="ip", dim=x.shape[1])
    idx.set_num_threads(1)

    def build() -> None:
        idx.init_index(max_elements=len(x), M=M, ef_construction=EF_CONSTRUCTION)
        idx.add_items(x, np.arange(len(x)), num_threads=1)

    build_s, _ = cpu(build, repeat=1)
    res = Result("hnswlib (raw)", build_s)
    for ef in EFS:
        idx.set_ef(max(ef, K))
        t, (labels, _) = cpu(lambda: idx.knn_query(q, k=K, num_threads=1))
        res.points.append((ef, recall_at_k(labels.astype(np.int64), truth), len(q) / t))
    return res


def run_faiss_hnsw(x: np.ndarray, q: np.ndarray, truth: np.ndarray) -> Result:
    import faiss

    faiss.omp_set_num_threads(1)
    idx = faiss.IndexHNSWFlat(x.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    idx.hnsw.efConstruction = EF_CONSTRUCTION
    build_s, _ = cpu(lambda: idx.add(x), repeat=1)
    res = Result("faiss IndexHNSWFlat (raw)", build_s)
    for ef in EFS:
        idx.hnsw.efSearch = max(ef, K)
        t, (_, labels) = cpu(lambda: idx.search(q, K))
        res.points.append((ef, recall_at_k(labels, truth), len(q) / t))
    return res


def run_usearch(x: np.ndarray, q: np.ndarray, truth: np.ndarray) -> Result:
    from usearch.index import Index

    idx = Index(
        ndim=x.shape[1], metric="ip", dtype="f32", connectivity=M, expansion_add=EF_CONSTRUCTION
    )
    build_s, _ = cpu(lambda: idx.add(np.arange(len(x)), x, threads=1), repeat=1)
    res = Result("usearch f32 (raw)", build_s)
    for ef in EFS:
        idx.expansion_search = max(ef, K)  # type: ignore[misc]  # it has a setter
        t, found = cpu(lambda: idx.search(q, K, threads=1))
        keys = found.keys.astype(np.int64)
        res.points.append((ef, recall_at_k(keys, truth), len(q) / t))
    return res


# --- our backends ---------------------------------------------------------------------------


def run_ours(name: str, x: np.ndarray, q: np.ndarray, truth: np.ndarray) -> tuple[Result, Any]:
    """Our backend through the registry; the sweep knob is ef_search (hnsw, faiss) or search_k
    (annoy). Returns the result and the built index (reused by the filtered run)."""
    from veracity.index.vector import get_vector_index

    opts: dict[str, object] = {}
    if name in ("hnsw", "faiss"):
        opts = {"m": M, "ef_construction": EF_CONSTRUCTION}
    idx = get_vector_index(name, x.shape[1], **opts)
    ids = np.arange(len(x), dtype=np.int64)

    def build() -> None:
        idx.add(ids, x)
        idx.search(q[:1], K)  # annoy builds its forest lazily, at the first search

    build_s, _ = cpu(build, repeat=1)
    res = Result(f"veracity `{name}`", build_s)
    knobs: tuple[int, ...] = {"exact": (0,), "annoy": ANNOY_SEARCH_K}.get(name, EFS)
    for knob in knobs:
        if name == "annoy":
            idx.search_k = knob  # type: ignore[attr-defined]
        elif knob:
            idx.ef_search = max(knob, K)  # type: ignore[attr-defined]
        t, (found, _) = cpu(lambda: idx.search(q, K))
        res.points.append((knob, recall_at_k(found, truth), len(q) / t))
    with tempfile.TemporaryDirectory() as tmp:
        save_s, _ = cpu(lambda: idx.save(Path(tmp)), repeat=1)
        res.name += f" (save {save_s:.1f} s)"
    return res, idx


LARGE_RUN = (
    "Opt-in large run (not run here): `python -m benchmarks.vector_ann --n 1000000` (1.5 GB of "
    "vectors, about 10x the build CPU above per HNSW library; needs about 6 GB of RAM)."
)

TITLES = {
    "vector": "Vector search: exact and HNSW libraries side by side",
    "vector-backends": "Vector search: our exact, FAISS and Annoy backends",
    "vector-filtered": "Vector search: filtered (pre-filter) strategies",
}

STRATEGIES = (  # (label, brute_below, overfetch) forced on our hnsw backend
    ("exact over allowed", 1.0, True),
    ("over-fetch", 0.0, True),
    ("hnswlib filter callback", 0.0, False),
)


def run_filtered(idx: Any, x: np.ndarray, q: np.ndarray) -> list[tuple[str, list[float]]]:
    """Filtered search through our hnsw backend, one query per call (how the engine calls it),
    each strategy forced at each allowed fraction. Rows: (fraction, [recall, q/CPU s] * 3)."""
    rng = np.random.default_rng(1)
    rows = []
    qs = q[:100]
    idx.ef_search = 64
    saved = idx.brute_below, idx.overfetch
    for frac in FILTER_FRACTIONS:
        allowed = np.sort(rng.choice(len(x), size=max(K, int(frac * len(x))), replace=False))
        truth = allowed[np.argsort(-(qs @ x[allowed].T), axis=1)[:, :K]]
        row: list[float] = []
        for _, brute, overfetch in STRATEGIES:
            idx.brute_below, idx.overfetch = brute, overfetch

            def one_by_one(a: np.ndarray = allowed) -> np.ndarray:
                out = [idx.search(v[None], K, allowed=a)[0][0] for v in qs]
                assert all(len(r) == K for r in out), "filtered search returned fewer than k"
                return np.stack(out)

            t, found = cpu(one_by_one)
            row += [recall_at_k(found, truth), len(qs) / t]
        rows.append((f"{frac:.0%}", row))
    idx.brute_below, idx.overfetch = saved
    return rows


# --- bandwidth ------------------------------------------------------------------------------


def bandwidth(x: np.ndarray, q: np.ndarray) -> dict[str, float]:
    """Measured numpy copy bandwidth vs single-query exact search (a memory-bound matvec)."""
    src = np.ones(64 * 2**20, dtype=np.float32)  # 256 MiB, far larger than any cache
    dst = np.empty_like(src)
    t_copy, _ = cpu(lambda: np.copyto(dst, src), repeat=5)
    copy_gbs = src.nbytes / t_copy / 1e9  # bytes copied per second (memcpy convention)
    t_sum, _ = cpu(lambda: src.sum(), repeat=5)
    nbytes = x.nbytes
    one = q[:50]
    t_mv, _ = cpu(lambda: [x @ v for v in one], repeat=3)
    per_query = t_mv / len(one)
    t_mm, _ = cpu(lambda: q @ x.T, repeat=1)
    return {
        "copy_gbs": copy_gbs,
        "read_gbs": src.nbytes / t_sum / 1e9,
        "matvec_gbs": nbytes / per_query / 1e9,
        "matvec_ms": per_query * 1e3,
        "batched_qps": len(q) / t_mm,
        "batched_gflops": 2 * x.shape[0] * x.shape[1] * len(q) / t_mm / 1e9,
    }


# --- report ---------------------------------------------------------------------------------


def results_table(results: list[Result]) -> list[str]:
    lines = [
        "",
        "| index | build (CPU s) | ef (annoy: search_k) | recall@10 | queries / CPU s |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        for i, (ef, rec, qps) in enumerate(r.points):
            build = f"{r.build_s:.1f}" if i == 0 else ""
            name = r.name if i == 0 else ""
            lines.append(f"| {name} | {build} | {ef or '-'} | {rec:.3f} | {qps:,.0f} |")
    lines += [
        "",
        "Lowest ef reaching recall@10 >= 0.95, and throughput relative to raw hnswlib there:",
        "",
    ]
    base = next((r for r in results if r.name.startswith("hnswlib")), None)
    base_qps = _qps_at(base) if base else None
    for r in results:
        at = _qps_at(r)
        if at is None:
            lines.append(f"- {r.name}: never reaches 0.95 in the sweep")
            continue
        ratio = f", {at[1] / base_qps[1]:.2f}x hnswlib" if base_qps else ""
        lines.append(f"- {r.name}: ef={at[0]}, {at[1]:,.0f} q/CPU s{ratio}")
    return lines


def exact_lines(args: argparse.Namespace, bw: dict[str, float]) -> list[str]:
    lines: list[str] = []
    lines += [
        "",
        "Exact search against memory bandwidth (one query reads the whole matrix: n*dim*4 = "
        f"{args.n * args.dim * 4 / 1e6:.0f} MB):",
        "",
        f"- numpy copy bandwidth (bytes copied / s): {bw['copy_gbs']:.1f} GB/s; "
        f"numpy sum read bandwidth: {bw['read_gbs']:.1f} GB/s",
        f"- single-query exact search (matvec): {bw['matvec_ms']:.1f} ms/query = "
        f"{bw['matvec_gbs']:.1f} GB/s, {bw['matvec_gbs'] / bw['copy_gbs']:.0%} of copy bandwidth",
        f"- batched exact search ({args.queries} queries in one matmul): "
        f"{bw['batched_qps']:,.0f} queries / CPU s ({bw['batched_gflops']:.0f} GFLOP/s): batching "
        "reads the matrix once per batch, so it becomes compute-bound instead",
    ]
    return lines


def report(
    args: argparse.Namespace,
    results: list[Result],
    bw: dict[str, float],
    filt: list[tuple[str, list[float]]],
) -> str:
    cmd = (
        f"python -m benchmarks.vector_ann --n {args.n} --dim {args.dim} --queries {args.queries} "
        f"--only {args.only}" + (f" --section {args.section}" if args.section != "vector" else "")
    )
    title = TITLES.get(args.section, f"Vector search: {args.section}")
    lines = [
        f"## {title}",
        "",
        f"Command: `{cmd}`. {machine_line()} One thread everywhere; CPU seconds, medians of 3.",
        f"Data: {args.n:,} clustered {args.dim}-d unit vectors (64-d latent), {args.queries:,} "
        f"queries, k={K}; HNSW M={M}, ef_construction={EF_CONSTRUCTION}.",
    ]
    if results:
        lines += results_table(results)
    lines += exact_lines(args, bw)
    if filt:
        head = " | ".join(f"{label}: recall | q / CPU s" for label, _, _ in STRATEGIES)
        lines += [
            "",
            "Filtered search with our `hnsw` backend, one query per call, ef_search=64, random "
            "allowed sets, each strategy forced at every fraction (every query returned k). "
            "Default: exact at or below 10% of the index, the callback above it (over-fetch is "
            "opt-in: faster, lower recall), exact for any query left short:",
            "",
            f"| allowed fraction | {head} |",
            "|---:|" + "---:|" * (2 * len(STRATEGIES)),
        ]
        for frac, vals in filt:
            cells = " | ".join(
                f"{vals[i]:.3f} | {vals[i + 1]:,.0f}" for i in range(0, len(vals), 2)
            )
            lines.append(f"| {frac} | {cells} |")
    if args.section == "vector":
        lines += ["", LARGE_RUN]
    return "\n".join(lines)


def _qps_at(r: Result | None, target: float = 0.95) -> tuple[int, float] | None:
    if r is None:
        return None
    for ef, rec, qps in r.points:
        if rec >= target:
            return ef, qps
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument(
        "--only",
        default="hnswlib,usearch,faiss,ours-hnsw,filtered,ours-faiss,ours-exact,ours-annoy",
        help="comma-separated runners",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave the docs alone")
    parser.add_argument("--section", default="vector", help="docs/benchmarks.md section to write")
    args = parser.parse_args()
    try:
        import faiss

        faiss.omp_set_num_threads(1)
    except ImportError:
        pass
    x, q = make_data(args.n, args.dim, args.queries)
    t0 = time.process_time()
    from veracity.index.vector.scan import exact_search

    # Blocked exact top-k: a full (queries, n) score matrix would need 4 GB at --n 1000000.
    truth = exact_search(x, np.arange(len(x), dtype=np.int64), q, K)[0]
    print(f"exact ground truth: {time.process_time() - t0:.1f} CPU s", flush=True)
    raw: dict[str, Callable[[], Result]] = {
        "hnswlib": lambda: run_hnswlib(x, q, truth),
        "faiss": lambda: run_faiss_hnsw(x, q, truth),
        "usearch": lambda: run_usearch(x, q, truth),
    }
    wanted = args.only.split(",")
    results, filt = [], []
    for name in wanted:
        if name in raw:
            results.append(raw[name]())
        elif name.startswith("ours-"):
            res, idx = run_ours(name.removeprefix("ours-"), x, q, truth)
            results.append(res)
            if name == "ours-hnsw" and "filtered" in wanted:
                filt = run_filtered(idx, x, q)
                print(filt, flush=True)
            del idx
        else:
            continue
        print(results[-1], flush=True)
    if "filtered" in wanted and "ours-hnsw" not in wanted:
        from veracity.index.vector import get_vector_index

        idx = get_vector_index("hnsw", x.shape[1], m=M, ef_construction=EF_CONSTRUCTION)
        idx.add(np.arange(len(x), dtype=np.int64), x)
        filt = run_filtered(idx, x, q)
    bw = bandwidth(x, q)
    print(bw, flush=True)
    text = report(args, results, bw, filt)
    print(text)
    if not args.no_write:
        write_section(args.section, text)


if __name__ == "__main__":
    main()
