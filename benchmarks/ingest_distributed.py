"""Distributed ingest: one process against a local Dask cluster of 1 and 2 worker processes.

Run: ``python -m benchmarks.ingest_distributed [--limit N] [--repeats R] [--embedder NAME]``.

The corpus is the first N SciFact abstracts (``title + "\\n\\n" + text``), written as one ``.txt``
file each into a temporary folder (never into the repository). Each repeat ingests the folder
into a fresh collection with ``Collection.add(paths)`` (``local``) and ``add(paths, workers=W)``;
the order of the configurations rotates between repeats. Every worker runs one thread and loads
the embedder itself; the wall time of a distributed run includes starting its cluster (reported
separately as ``cluster start``) and each worker loading the model. ``driver CPU`` is the CPU
time of the ingesting process (what the writer itself spends); ``worker CPU`` that of the
cluster's processes, read from ``RUSAGE_CHILDREN`` after the cluster is closed.

The point on this machine (2 cores shared with other work) is correctness and the interface: a
cluster of 2 workers competes with the driver and everything else for those 2 cores.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact" / "corpus.jsonl.gz"


def write_corpus(folder: Path, limit: int) -> int:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= limit:
                break
            row = json.loads(line)
            text = f"{row.get('title', '')}\n\n{row['text']}"
            (folder / f"{row['_id']}.txt").write_text(text, encoding="utf-8")
    return min(i + 1, limit)


def cluster_start(workers: int) -> float:
    from veracity.ingest.distributed import ClusterOptions, dask_executor

    started = time.perf_counter()
    with dask_executor(ClusterOptions(workers=workers)) as ex:
        ex.client.wait_for_workers(workers)
        elapsed = time.perf_counter() - started
    return elapsed


def children_cpu() -> float:
    """CPU seconds of the finished child processes (a local cluster's, once it is closed)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(src: Path, embedder: str, workers: int | None) -> tuple[float, float, float, int]:
    import veracity

    with tempfile.TemporaryDirectory() as tmp:
        col = veracity.open(Path(tmp) / "col", embedder=embedder)
        col.embedder()  # the driver's model load is not part of either figure
        wall, cpu, kids = time.perf_counter(), time.process_time(), children_cpu()
        report = col.add([src], workers=workers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        kids = children_cpu() - kids
        assert not report.failed and col.store.check() == []
        col.close()
    return wall, cpu, kids, report.chunks_written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--embedder", default="minilm-onnx")
    args = ap.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"SciFact corpus not found at {CORPUS}")
    configs: list[int | None] = [None, 1, 2]
    runs: dict[int | None, list[tuple[float, float, float, int]]] = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        n = write_corpus(src, args.limit)
        for r in range(args.repeats):
            order = configs[r % len(configs) :] + configs[: r % len(configs)]
            for workers in order:
                runs[workers].append(one_run(src, args.embedder, workers))
                print(workers, runs[workers][-1], flush=True)
    starts = {w: cluster_start(w) for w in (1, 2)}
    local = statistics.median(r[0] for r in runs[None])
    rows = []
    for workers in configs:
        wall, cpu, kids = (statistics.median(r[i] for r in runs[workers]) for i in range(3))
        chunks = runs[workers][0][3]
        name = "one process" if workers is None else f"--workers {workers}"
        start = "" if workers is None else f"{starts[workers]:.1f}"
        rows.append(
            f"| {name} | {wall:.1f} | {n / wall:.1f} | {chunks / wall:.1f} | {cpu:.1f} | "
            f"{kids:.1f} | {start} | {local / wall:.2f}x |"
        )
    cmd = (
        f"python -m benchmarks.ingest_distributed --limit {args.limit} --repeats {args.repeats} "
        f"--embedder {args.embedder}"
    )
    md = "\n".join(
        [
            "## Distributed ingest (Dask): one process against a local cluster",
            "",
            f"`{cmd}`: the first {n} SciFact abstracts as `.txt` files, embedder "
            f"`{args.embedder}`, one thread per process, medians of {args.repeats} runs "
            "(configurations alternated). Wall time includes starting the cluster and each "
            "worker loading the model; driver CPU is the ingesting process, worker CPU its "
            "cluster's processes (workers and nannies, model loads included).",
            "",
            "| configuration | wall s | docs/s | chunks/s | driver CPU s | worker CPU s "
            "| cluster start s | speed vs one process |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "This machine has 2 CPU cores shared with other work, so 2 workers compete with the "
            "driver and each other for them: these figures show the interface works and what "
            "the cluster costs, not the speed-up of a real cluster (each worker adds a core's "
            "worth of embedding there). The collections are identical to a local ingest "
            "(`tests/ingest/test_dask_ingest.py`).",
            "",
            machine_line() + f" 1-minute load average at the end: {os.getloadavg()[0]:.1f}.",
        ]
    )
    print(md)
    write_section("ingest-distributed", md)


if __name__ == "__main__":
    main()
