"""BM25 speed: queries and documents per CPU-second, and the cost of updates.

Run: ``python -m benchmarks.bm25_speed`` (``--quick`` for a 20k-document synthetic corpus,
``--synthetic-docs N`` for another size). Systems: ours (numba kernel, numba with MaxScore or
block-max pruning, numpy fallback), bm25s 0.3 (numba and numpy backends) and
tantivy 0.27 (Rust, via tantivy-py, in RAM, one writer thread). All get the same terms: SciFact is
analyzed once with ``get_analyzer("english")``, the synthetic corpus is already terms; ours
gets the token lists through ``add_terms``/``search_terms`` (no analyzer run), bm25s gets token
lists, tantivy space-joined terms with its whitespace tokenizer. Analysis is measured separately.
One thread everywhere, CPU time (``time.process_time``), medians over repetitions, all systems in one run; query timings
interleave the systems round by round.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from benchmarks._bm25_data import scifact, synthetic
from benchmarks._report import machine_line, write_section
from veracity.index.bm25 import BM25Index
from veracity.text.analyzer import get_analyzer

Tokens = list[list[str]]


def cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def median_cpu(fn: Callable[[], Any], reps: int) -> float:
    return statistics.median(cpu(fn)[0] for _ in range(reps))


class Ours:
    """Our index fed pre-analyzed terms (``add_terms``/``search_terms``), as bm25s is."""

    def __init__(self, backend: str, prune: str = "none") -> None:
        self.name = f"veracity ({backend}{'' if prune == 'none' else ', ' + prune})"
        self.backend = backend
        self.prune = prune

    def build(self, docs: Tokens) -> None:
        self.index = BM25Index(get_analyzer("none"), backend=self.backend, prune=self.prune)
        self.index.add_terms(range(len(docs)), docs)

    def add(self, all_docs: Tokens, start: int) -> None:
        self.index.add_terms(range(start, len(all_docs)), all_docs[start:])

    def prepare(self, queries: Tokens) -> Any:
        return queries

    def search(self, prepared: Any, k: int) -> None:
        self.index.search_terms(prepared, k)

    def upsert_one(self, doc_id: int, doc: list[str], query: Any) -> None:
        self.index.add_terms([doc_id], [doc])
        self.index.search_terms([query], 10)


class Bm25s:
    def __init__(self, backend: str) -> None:
        self.name = f"bm25s ({backend})"
        self.backend = backend

    def build(self, docs: Tokens) -> None:
        import bm25s

        self.model = bm25s.BM25(method="lucene", k1=1.2, b=0.75, backend=self.backend)
        self.model.index(docs, show_progress=False)

    def add(self, all_docs: Tokens, start: int) -> None:
        self.build(all_docs)  # bm25s cannot add: a full re-index

    def prepare(self, queries: Tokens) -> Any:
        vocab = self.model.vocab_dict  # bm25s rejects unknown terms; empty queries are skipped
        return [kept for q in queries if (kept := [t for t in q if t in vocab])]

    def search(self, prepared: Any, k: int) -> None:
        self.model.retrieve(prepared, k=k, show_progress=False, n_threads=1)

    upsert_one = None


class Tantivy:
    name = "tantivy"

    def build(self, docs: Tokens) -> None:
        import tantivy

        self.t = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
        builder.add_integer_field("id", stored=False, indexed=True, fast=True)
        self.index = tantivy.Index(builder.build())
        self.writer = self.index.writer(200_000_000, 1)
        self._add(docs, 0)

    def _add(self, docs: Tokens, offset: int) -> None:
        for i, d in enumerate(docs):
            self.writer.add_document(self.t.Document(body=" ".join(d), id=offset + i))
        self.writer.commit()
        self.index.reload()
        self.searcher = self.index.searcher()

    def add(self, all_docs: Tokens, start: int) -> None:
        self._add(all_docs[start:], start)

    def prepare(self, queries: Tokens) -> Any:
        return [self.index.parse_query(" ".join(q), ["body"]) for q in queries if q]

    def search(self, prepared: Any, k: int) -> None:
        for q in prepared:
            self.searcher.search(q, k)

    def upsert_one(self, doc_id: int, doc: list[str], query: Any) -> None:
        self.writer.delete_documents_by_term("id", doc_id)
        self._add([doc], doc_id)
        self.searcher.search(query, 10)


def systems() -> list[Any]:
    return [
        Ours("numba"),
        Ours("numba", prune="maxscore"),
        Ours("numba", prune="blockmax"),
        Ours("numpy"),
        Bm25s("numba"),
        Bm25s("numpy"),
        Tantivy(),
    ]


def interleaved(fns: dict[str, Callable[[], Any]], reps: int) -> dict[str, float]:
    """Median CPU seconds of each function, timed in rounds that run every function once in a
    shuffled order, so load changes on the shared machine hit all systems alike."""
    rng = random.Random(0)
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for _ in range(reps):
        rng.shuffle(names)
        for name in names:
            times[name].append(cpu(fns[name])[0])
    return {name: statistics.median(t) for name, t in times.items()}


def _warm_compiled_build() -> None:
    """Load numba and our compiled build functions before any build is timed: a one-time cost
    per process (about 1-2 s) that the first system built would otherwise pay alone."""
    try:
        from veracity.index.bm25 import numba_build
    except ImportError:
        return
    terms = np.array([0, 1, 0], dtype=np.int64)
    counts = numba_build.doc_term_counts(terms, np.array([3], dtype=np.int64), 2)
    numba_build.invert(counts[0], counts[1], 2)


def bench(
    name: str,
    docs: Tokens,
    queries: Tokens,
    reps: int,
    build_reps: int,
    only: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Every system (or those whose names are in ``only``) on ``docs`` and ``queries``."""
    base = len(docs) - len(docs) // 100
    sys_list = [s for s in systems() if not only or s.name in only]
    rows = {s.name: {"system": s.name} for s in sys_list}
    _warm_compiled_build()
    for system in sys_list:
        rows[system.name]["build_s"] = median_cpu(partial(system.build, docs[:base]), build_reps)
    prepared = {s.name: s.prepare(queries) for s in sys_list}
    for system in sys_list:
        system.search(prepared[system.name][:5], 10)  # warm up (numba compiles once per process)
    for k in (10, 100):
        fns: dict[str, Callable[[], Any]] = {
            s.name: partial(s.search, prepared[s.name], k) for s in sys_list
        }
        for sname, t in interleaved(fns, reps).items():
            rows[sname][f"q_s_{k}"] = t
    for system in sys_list:
        rows[system.name]["add_s"] = cpu(partial(system.add, docs, base))[0]
    prepared = {s.name: s.prepare(queries) for s in sys_list}
    for system in sys_list:
        rows[system.name]["first_after_add_s"] = cpu(
            partial(system.search, prepared[system.name], 10)
        )[0]
    fns = {s.name: partial(s.search, prepared[s.name], 10) for s in sys_list}
    for sname, t in interleaved(fns, reps).items():
        rows[sname]["q_after_add_s"] = t
    for system in sys_list:
        row = rows[system.name]
        if system.upsert_one is not None:
            q1 = prepared[system.name][0]
            times = [cpu(partial(system.upsert_one, i, docs[i], q1))[0] for i in range(50)]
            row["upsert_ms"] = 1000 * statistics.median(times)
        row["n_docs"], row["n_base"], row["n_queries"] = len(docs), base, len(queries)
        print(name, row, flush=True)
    return list(rows.values())


def table(title: str, rows: list[dict[str, Any]]) -> list[str]:
    ref = next(r for r in rows if r["system"] == "bm25s (numba)")
    nq, nb = rows[0]["n_queries"], rows[0]["n_base"]

    def qps(r: dict[str, Any], key: str) -> float:
        return float(nq / r[key])

    out = [
        f"### {title}",
        "",
        f"{nb} documents indexed, then {rows[0]['n_docs'] - nb} added (1%); {nq} queries. "
        "Ratios are against bm25s (numba); higher is better for throughput.",
        "",
        "| system | docs/CPU-s (build) | queries/CPU-s k=10 | × | queries/CPU-s k=100 | × "
        "| add 1% (CPU s) | queries/CPU-s k=10 after add (first batch / warm) | upsert 1 doc + query (CPU ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        upsert = f"{r['upsert_ms']:.2f}" if "upsert_ms" in r else "n/a (no updates)"
        out.append(
            f"| {r['system']} | {nb / r['build_s']:,.0f} | {qps(r, 'q_s_10'):,.0f} | "
            f"{ref['q_s_10'] / r['q_s_10']:.2f} | {qps(r, 'q_s_100'):,.0f} | "
            f"{ref['q_s_100'] / r['q_s_100']:.2f} | {r['add_s']:.3f} | "
            f"{qps(r, 'first_after_add_s'):,.0f} / {qps(r, 'q_after_add_s'):,.0f} | {upsert} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 20k-document synthetic corpus")
    parser.add_argument("--synthetic-docs", type=int, default=None, help="default 200000")
    parser.add_argument("--section", default="bm25-speed", help="docs/benchmarks.md section")
    parser.add_argument(
        "--synthetic-systems",
        default="",
        help="only these systems on the synthetic corpus, comma-separated names as in the table "
        "(all seven hold their indexes at once: about 20 GB at 1M documents)",
    )
    args = parser.parse_args()
    quick = args.quick
    n_synth = args.synthetic_docs or (20_000 if quick else 200_000)
    flags = " --quick" if quick else ""
    if args.synthetic_docs:
        flags += f" --synthetic-docs {n_synth}"
    if args.section != "bm25-speed":
        flags += f" --section {args.section}"
    if args.synthetic_systems:
        flags += f" --synthetic-systems '{args.synthetic_systems}'"
    analyzer = get_analyzer("english")
    sf = scifact()
    analyze_s, sf_docs = cpu(lambda: [analyzer.tokens(t) for t in sf.texts])
    sf_queries = [analyzer.tokens(q) for q in sf.queries]
    sf_rows = bench("scifact", sf_docs, sf_queries, reps=15, build_reps=3)
    syn = synthetic(n_synth)
    syn_docs = [t.split() for t in syn.texts]
    syn_queries = [q.split() for q in syn.queries]
    only = [n.strip() for n in args.synthetic_systems.split(",") if n.strip()]
    syn_rows = bench("synthetic", syn_docs, syn_queries, reps=5, build_reps=1, only=only)
    lines = [
        "## BM25 speed: queries and documents per CPU-second, updates"
        + (f" ({n_synth:,}-document synthetic corpus)" if args.synthetic_docs else ""),
        "",
        f"Command: `python -m benchmarks.bm25_speed{flags}`. "
        "One thread (OMP/NUMBA_NUM_THREADS=1, bm25s `n_threads=1`, tantivy one writer thread); "
        "CPU seconds from `time.process_time` (all threads of the process); query timings are "
        "medians of 15 rounds (SciFact) or 5 (synthetic), each round running every system once "
        "in a shuffled order so that load on the shared machine hits all alike; builds are "
        "medians of 3 (SciFact) or one, after numba and our compiled build functions are loaded "
        "(batches of 1M+ term occurrences are built by `veracity.index.bm25.numba_build`, "
        "SciFact's by numpy). All systems see the same terms, analysis "
        f"excluded: our English analyzer takes {analyze_s:.2f} CPU s for SciFact's "
        f"{len(sf.texts)} documents ({len(sf.texts) / analyze_s:,.0f} docs/CPU-s), the same for "
        "ours and bm25s (ours takes the terms through `add_terms`/`search_terms`). "
        "ours/bm25s: Lucene variant, k1=1.2, b=0.75; tantivy: its BM25. "
        "The maxscore and blockmax rows are `BM25Index(prune=...)`, opt-in exact dynamic "
        "pruning (`veracity.index.bm25.maxscore`, `.blockmax`). "
        "Adding 1%: ours `add_terms` (a new segment, exact global stats), bm25s a full re-index of "
        "all documents, tantivy `add_document` + `commit` + `reload`. The first query batch "
        "after an add includes our lazy per-term refresh of length norms. tantivy queries are "
        "pre-parsed and hits not loaded (doc addresses only).",
        "",
        *table(f"SciFact ({len(sf.texts)} documents)", sf_rows),
        "",
        *table(
            f"Synthetic Zipf(1.1) corpus ({n_synth} documents, 100k-word vocabulary, 20-200 "
            "words each; 2-5 word queries)",
            syn_rows,
        ),
        "",
        machine_line(),
    ]
    write_section(args.section, "\n".join(lines))


if __name__ == "__main__":
    main()
