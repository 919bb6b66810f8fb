"""Retrieval quality on SciFact (BEIR test): BM25, dense MiniLM, hybrid fixed and auto-tuned.

Run: ``python -m benchmarks.scifact_retrieval [--limit-queries N] [--no-write]``.

The corpus is ingested with ``veracity.evaluate.beir.ingest_beir`` into a collection cached in
``benchmarks/results/scifact-minilm`` (gitignored; ingest is content-hash deduped, so a rerun only
checks hashes). Every collection system runs through ``run_beir``: search over chunks (default
chunker: 200-token budget, 32-token overlap), a document ranked at its best chunk. For
comparison, whole-document BM25 (``title + " " + text``, one unit per document, as BEIR's BM25
runs) from our ``BM25Index``, ``bm25s`` and ``rank_bm25``, all fed the same analyzer tokens
(``get_analyzer("english").tokens``).

The auto-tuned hybrid is tuned on synthetic (inverse-cloze) queries drawn from the collection,
never on the test labels, then scored on the test queries; seeds 1 and 2 show how stable the
choice is.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.collection import Collection  # noqa: E402
from veracity.evaluate.beir import BeirSet, ingest_beir, load_beir, run_beir, uri_qrels  # noqa: E402
from veracity.evaluate.ir_metrics import mrr_at_k, ndcg_at_k, recall_at_k  # noqa: E402
from veracity.index.bm25 import BM25Index  # noqa: E402
from veracity.retrieve.search import SearchOptions  # noqa: E402
from veracity.retrieve.tuning.tune import describe, options_of  # noqa: E402
from veracity.text.analyzer import get_analyzer  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"
CACHE_DIR = Path(__file__).resolve().parent / "results"
GOALS = {"bm25": 0.67, "dense": 0.64, "hybrid": 0.70}
REFERENCE = (
    "Published (BEIR, nDCG@10, SciFact test; `../shared/datasets/README.md`): BM25 (Lucene, flat) "
    "about 0.67-0.69; all-MiniLM-L6-v2 dense about 0.64-0.65; BM25 top-100 reranked by a "
    "MiniLM cross-encoder about 0.68-0.69."
)


@dataclass(frozen=True)
class Row:
    system: str
    unit: str
    goal: str  # which goal the row answers ("bm25", "dense", "hybrid") or ""
    ndcg: float
    recall: float
    mrr: float
    p50: float
    p95: float
    note: str = ""


# -- collection systems -----------------------------------------------------------------------


def collection_rows(col: Collection, beir: BeirSet, limit: int | None, n_syn: int) -> list[Row]:
    def run(name: str, goal: str, opts: SearchOptions, note: str = "") -> Row:
        r = run_beir(col, beir.queries, beir.qrels, opts, limit_queries=limit)
        row = Row(name, "chunks", goal, r.ndcg_at_10, r.recall_at_100, r.mrr_at_10,
                  r.latency_ms_p50, r.latency_ms_p95, note)  # fmt: skip
        print(f"{name:44} nDCG@10={row.ndcg:.4f} R@100={row.recall:.4f} MRR@10={row.mrr:.4f}"
              f" p50={row.p50:.1f}ms", flush=True)  # fmt: skip
        return row

    rows = [
        run("veracity bm25", "bm25", SearchOptions(mode="bm25")),
        run(f"veracity dense ({col.embedder_name})", "dense", SearchOptions(mode="dense")),
        run("veracity hybrid rrf k=60", "hybrid", SearchOptions(fusion="rrf")),
        run("veracity hybrid convex minmax alpha=0.5", "hybrid", SearchOptions(fusion="minmax")),
    ]
    start = time.perf_counter()
    tuned = col.tune(n_synthetic=n_syn, seed=0, save=False)
    tune_s = time.perf_counter() - start
    meta = options_of(tuned)
    opts = SearchOptions(fusion=meta["fusion"], alpha=float(meta["alpha"]),
                         rrf_k=float(meta["rrf_k"]))  # fmt: skip
    label = f"{meta['fusion']}, alpha={float(meta['alpha']):g}, rrf k={float(meta['rrf_k']):g}"
    print(f"tuned in {tune_s:.1f}s: {tuned.reason}", flush=True)
    print("  top:", describe(tuned), flush=True)
    rows.append(run(f"veracity hybrid auto-tuned ({label})", "hybrid", opts, tuned.reason))
    for seed in (1, 2):  # how stable the choice is: other synthetic queries, same collection
        meta = options_of(col.tune(n_synthetic=n_syn, seed=seed, save=False))
        opts = SearchOptions(fusion=meta["fusion"], alpha=float(meta["alpha"]),
                             rrf_k=float(meta["rrf_k"]))  # fmt: skip
        label = f"{meta['fusion']}, alpha={float(meta['alpha']):g}, rrf k={float(meta['rrf_k']):g}"
        rows.append(run(f"veracity hybrid auto-tuned, seed {seed} ({label})", "", opts, "seed"))
    # For reference only: tuned on the very labels it is scored on (a leak; never a result).
    oracle = options_of(col.tune(uri_qrels(beir.qrels), beir.queries, save=False))
    opts = SearchOptions(fusion=oracle["fusion"], alpha=float(oracle["alpha"]),
                         rrf_k=float(oracle["rrf_k"]))  # fmt: skip
    label = (
        f"{oracle['fusion']}, alpha={float(oracle['alpha']):g}, rrf k={float(oracle['rrf_k']):g}"
    )
    rows.append(run(f"oracle: tuned on the test labels ({label})", "", opts, "reference"))
    return rows


# -- whole-document BM25 baselines on the same analyzer tokens --------------------------------

Ranker = Callable[[list[list[str]], list[list[str]]], list[list[int]]]
K = 100


def ours_whole(k1: float) -> Ranker:
    def rank(docs: list[list[str]], queries: list[list[str]]) -> list[list[int]]:
        index = BM25Index(get_analyzer("none"), k1=k1)
        index.add(range(len(docs)), [" ".join(d) for d in docs])
        return [ids.tolist() for ids, _ in index.search_many([" ".join(q) for q in queries], K)]

    return rank


def bm25s_whole(docs: list[list[str]], queries: list[list[str]]) -> list[list[int]]:
    import bm25s

    model = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    model.index(docs, show_progress=False)
    # bm25s rejects query terms outside its vocabulary; drop them (they score 0 anyway).
    known = [[t for t in q if t in model.vocab_dict] or ["__none__"] for q in queries]
    model.vocab_dict.setdefault("__none__", len(model.vocab_dict) - 1)
    idx, scores = model.retrieve(known, k=K, show_progress=False, n_threads=1)
    return [
        [int(d) for d, s in zip(r, sr, strict=True) if s > 0]
        for r, sr in zip(idx, scores, strict=True)
    ]


def rank_bm25_whole(docs: list[list[str]], queries: list[list[str]]) -> list[list[int]]:
    import rank_bm25

    model = rank_bm25.BM25Okapi(docs)
    out = []
    for q in queries:
        scores = model.get_scores(q)
        top = np.argsort(-scores, kind="stable")[:K]
        out.append([int(d) for d in top if scores[d] > 0])
    return out


BASELINES: list[tuple[str, Ranker, str]] = [
    ("veracity BM25Index (lucene, k1=1.2)", ours_whole(1.2), ""),
    ("veracity BM25Index (lucene, k1=1.5)", ours_whole(1.5), ""),
    ("bm25s 0.3 (lucene, k1=1.2)", bm25s_whole, ""),
    ("rank_bm25 0.2 BM25Okapi (k1=1.5)", rank_bm25_whole, "k1=1.5, its own idf floor"),
]


def baseline_rows(beir: BeirSet, limit: int | None) -> list[Row]:
    analyzer = get_analyzer("english")
    ids, docs = [], []
    for d in beir.corpus():
        ids.append(d.id)
        docs.append(analyzer.tokens(f"{d.title} {d.text}"))
    qids = [q for q in beir.qrels if q in beir.queries][:limit]
    queries = [analyzer.tokens(beir.queries[q]) for q in qids]
    qrels = {q: beir.qrels[q] for q in qids}
    rows = []
    for name, rank, note in BASELINES:
        try:
            start = time.perf_counter()
            ranked = rank(docs, queries)
            per_query = (time.perf_counter() - start) * 1000 / max(len(qids), 1)
        except ImportError as exc:
            print(f"skip {name}: {exc}")
            continue
        run = {q: [ids[i] for i in r] for q, r in zip(qids, ranked, strict=True)}
        row = Row(name, "whole docs", "", ndcg_at_k(qrels, run, 10), recall_at_k(qrels, run, 100),
                  mrr_at_k(qrels, run, 10), float("nan"), float("nan"),
                  note or f"index+search {per_query:.1f} ms/query amortized")  # fmt: skip
        print(f"{name:44} nDCG@10={row.ndcg:.4f} R@100={row.recall:.4f}", flush=True)
        rows.append(row)
    return rows


TITLED = "BM25Index over the chunks, title on every chunk"


def titled_chunks_row(col: Collection, beir: BeirSet, limit: int | None) -> Row:
    """Experiment: the collection's own chunks, each indexed as ``title + text`` (the store keeps
    the title only in the first chunk's text), ranked at the best chunk like ``run_beir``."""
    rids, texts, owner = [], [], []
    for rows in col.store.iter_chunk_texts():
        rids += [r for r, _ in rows]
        texts += [t for _, t in rows]
    by_rid = {c.rid: c for c in col.store.chunks(rids)}
    titles = {d.id: d.title for d in beir.corpus()}
    for i, rid in enumerate(rids):
        c = by_rid[rid]
        doc = c.uri.removeprefix("beir:")
        owner.append(doc)
        if c.chunk.ordinal > 0 and titles.get(doc):
            texts[i] = f"{titles[doc]}\n\n{texts[i]}"
    index = BM25Index(get_analyzer("english"))
    index.add(range(len(texts)), texts)
    qids = [q for q in beir.qrels if q in beir.queries][:limit]
    found = index.search_many([beir.queries[q] for q in qids], 3 * K)
    run = {q: list(dict.fromkeys(owner[i] for i in ids.tolist()))[:K]
           for q, (ids, _) in zip(qids, found, strict=True)}  # fmt: skip
    qrels = {q: beir.qrels[q] for q in qids}
    row = Row(TITLED, "chunks", "", ndcg_at_k(qrels, run, 10), recall_at_k(qrels, run, 100),
              mrr_at_k(qrels, run, 10), float("nan"), float("nan"), "experiment")  # fmt: skip
    print(f"{TITLED:44} nDCG@10={row.ndcg:.4f} R@100={row.recall:.4f}", flush=True)
    return row


# -- report -----------------------------------------------------------------------------------


def goal_lines(rows: list[Row]) -> list[str]:
    out = []
    for goal, target in GOALS.items():
        best = max((r for r in rows if r.goal == goal), key=lambda r: r.ndcg, default=None)
        if best is None:
            continue
        verdict = "met" if best.ndcg >= target else "NOT met"
        out.append(f"- {goal} nDCG@10 >= {target}: **{verdict}** (best: {best.system}, "
                   f"{best.ndcg:.4f})")  # fmt: skip
    return out


def markdown(
    rows: list[Row], n_queries: int, ingest: str, findings: list[str], command: str
) -> str:
    def ms(x: float) -> str:
        return "-" if x != x else f"{x:.1f}"

    lines = [
        "## Retrieval quality on SciFact (BEIR test split)",
        "",
        f"Command: `{command}` (the same figures as "
        "`veracity eval beir ../shared/datasets/scifact --mode MODE`). "
        f'{n_queries} judged test queries; documents are `title + "\\n\\n" + text`, chunked by '
        "the default chunker and ranked at their best chunk; whole-document rows index "
        '`title + " " + text` as one unit with the same analyzer tokens '
        f"(`get_analyzer('english').tokens`). {ingest}",
        "",
        "| system | unit | nDCG@10 | Recall@100 | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.system} | {r.unit} | {r.ndcg:.4f} | {r.recall:.4f} | {r.mrr:.4f} | {ms(r.p50)} | "
        f"{ms(r.p95)} |"
        for r in rows
    ]
    lines += ["", "Goals (from the issue):", "", *goal_lines(rows), "", REFERENCE, ""]
    for finding in findings:
        lines += [finding, ""]
    lines += ["Latency: wall per query, one thread, shared machine. " + machine_line()]
    return "\n".join(lines)


def findings_of(rows: list[Row]) -> list[str]:
    by = {r.system: r for r in rows}
    chunk, whole = by.get("veracity bm25"), by.get("veracity BM25Index (lucene, k1=1.2)")
    titled = by.get(TITLED)
    out = []
    if chunk and whole:
        out.append(
            f"Chunking vs whole documents (BM25, same analyzer and scoring): chunks ranked by their "
            f"best chunk {chunk.ndcg:.4f} vs whole documents {whole.ndcg:.4f} nDCG@10. SciFact "
            "claims match an abstract as a whole; splitting an abstract spreads its matching terms "
            "over chunks (and only the first chunk carries the title), so whole-document units "
            "suit this corpus better."
        )
    if chunk and titled:
        out.append(
            f"Title handling: the same chunks indexed with the document title prepended to every "
            f"chunk (not only the first) score {titled.ndcg:.4f} nDCG@10 (vs {chunk.ndcg:.4f}): "
            "most of the chunking loss is chunks that lost the title's terms."
        )
    tuned = [r for r in rows if "auto-tuned" in r.system]
    fixed = [r for r in rows if r.goal == "hybrid" and "auto-tuned" not in r.system]
    oracle = [r for r in rows if r.system.startswith("oracle")]
    if tuned and tuned[0].note:
        out.append(f"Auto-tuning: {tuned[0].note}.")
    if tuned and fixed and oracle:
        best_fixed = max(fixed, key=lambda r: r.ndcg)
        rrf = next((r for r in fixed if "rrf" in r.system), None)
        vs_rrf = f", {tuned[0].ndcg - rrf.ndcg:+.4f} against rrf k=60" if rrf else ""
        out.append(
            f"On the test labels the synthetically tuned setting scores {tuned[0].ndcg:.4f}"
            f"{vs_rrf}, against {best_fixed.ndcg:.4f} for "
            f"{best_fixed.system.removeprefix('veracity ')} and {oracle[0].ndcg:.4f} for the "
            "oracle (tuned on the test labels themselves, a leak shown only for reference; the "
            "tuner scores the top 10 fused chunks mapped to documents, a proxy of the "
            "100-document run, so even the oracle can land a little below the best fixed "
            "setting)."
        )
    seeds = [r for r in rows if ", seed " in r.system]
    if seeds:
        listed = "; ".join(f"{r.system.split('auto-tuned, ')[-1]}: {r.ndcg:.4f}" for r in seeds)
        out.append(
            "The same tuning with other seeds (other synthetic queries), each choice scored on "
            f"the test labels: {listed}."
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--embedder", default="minilm",
        help="minilm (PyTorch fp32) or minilm-onnx (the same model, int8 MatMuls, ~2x faster)",
    )  # fmt: skip
    ap.add_argument("--collection", default=None, help="default: benchmarks/results/scifact-EMB")
    ap.add_argument("--limit-queries", type=int, default=None)
    ap.add_argument("--n-synthetic", type=int, default=200)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = ap.parse_args()
    if not SCIFACT.exists():
        raise SystemExit(f"SciFact not found at {SCIFACT}; it lives in ../shared/datasets/scifact")
    beir = load_beir(SCIFACT)
    path = args.collection or str(CACHE_DIR / f"scifact-{args.embedder}")
    with Collection(path, embedder=args.embedder) as col:
        start = time.perf_counter()
        ingest_beir(col, beir.corpus(), on_batch=lambda n, _: print(f"ingested {n}", flush=True))
        st = col.status()
        ingest = (
            f"Collection: {st.documents} documents, {st.chunks} chunks, embedder `{args.embedder}`, cached in "
            f"`benchmarks/results/` (this run's ingest check: {time.perf_counter() - start:.0f} s)."
        )
        rows = collection_rows(col, beir, args.limit_queries, args.n_synthetic)
        rows.append(titled_chunks_row(col, beir, args.limit_queries))
    rows += baseline_rows(beir, args.limit_queries)
    n = len([q for q in beir.qrels if q in beir.queries][: args.limit_queries])
    command = "python -m benchmarks.scifact_retrieval" + "".join(f" {a}" for a in sys.argv[1:])
    md = markdown(rows, n, ingest, findings_of(rows), command)
    print(md)
    if not args.no_write:
        write_section("retrieval_quality", md)


if __name__ == "__main__":
    main()
