"""Commands that manage a collection: ingest, docs, delete, status, indexes, reembed, cache clear."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veracity.cli.common import add_collection_arg, human_bytes, open_collection, print_json
from veracity.errors import ConfigError
from veracity.ingest.distributed import ClusterOptions
from veracity.ingest.isolate import ParseLimits
from veracity.ingest.loaders import LoadOptions
from veracity.ingest.pipeline import IngestOptions
from veracity.ingest.report import Progress
from veracity.records import Filter, MetaValue
from veracity.store.filters import coerce_value, parse_where
from veracity.text.chunker import ChunkOptions

_DOC_ID = re.compile(r"^[0-9a-f]{32}$")


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="add files and folders to a collection")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to ingest")
    add_collection_arg(p)
    p.add_argument(
        "--embedder",
        help="embedder name or model path (new collection: minilm-onnx; minilm without onnxruntime)",
    )
    p.add_argument("--labels", default="", help="comma-separated ACL labels for these documents")
    p.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="metadata")
    p.add_argument("--text-field", default="text", help="text field of .jsonl/.csv rows")
    p.add_argument("--id-field", default=None, help="row id field of .jsonl/.csv rows")
    p.add_argument("--max-tokens", type=int, default=200, help="chunk budget in tokens")
    p.add_argument("--overlap", type=int, default=32, help="chunk overlap in tokens")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-index",
        action="store_true",
        help="leave the search indexes to the first search instead of bringing them up to date "
        "after the ingest (for many small ingests in a row)",
    )
    p.add_argument(
        "--isolate",
        action="store_true",
        help="parse each file in a worker process with a time and memory limit, for files "
        "that may be hostile (decompression bombs); costs well under a millisecond per file",
    )
    p.add_argument(
        "--parse-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="with --isolate: a file whose parse takes longer fails (default 30)",
    )
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="load, chunk and embed on a local Dask cluster of N worker processes (this "
        "process writes the collection); needs pip install 'veracity[distributed]'",
    )
    cluster.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="the same on a running Dask cluster, e.g. tcp://scheduler:8786; file contents are "
        "sent to the workers, so they need Veracity and the embedder, not the files",
    )
    cluster.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="the same on a running Ray cluster (auto, or ray://head:10001); needs "
        "pip install 'veracity[ray]'",
    )
    p.add_argument(
        "--engine",
        choices=("dask", "ray"),
        default="dask",
        help="with --workers: the local cluster to start (default dask; ray starts slower)",
    )
    p.add_argument(
        "--shared-paths",
        action="store_true",
        help="with --workers/--dask/--ray: send paths, not file contents (every worker must "
        "see the files at the same absolute paths)",
    )
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("docs", help="list the documents of a collection")
    add_collection_arg(p)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_docs)

    p = sub.add_parser("delete", help="delete documents by id, path or metadata filter")
    p.add_argument("targets", nargs="*", metavar="ID_OR_PATH")
    add_collection_arg(p)
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_delete)

    p = sub.add_parser("status", help="counts, sizes and embedder of a collection")
    add_collection_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser(
        "indexes",
        help="show or choose the vector index backend and the BM25 variant of a collection",
    )
    add_collection_arg(p)
    p.add_argument(
        "--vector",
        metavar="NAME",
        help="auto (exact up to 50k chunks, hnsw above), exact, hnsw, faiss or annoy",
    )
    p.add_argument(
        "--bm25", metavar="VARIANT", help="lucene (default), robertson, atire, bm25l or bm25+"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_indexes)

    p = sub.add_parser("reembed", help="recompute all vectors with another embedder")
    add_collection_arg(p)
    p.add_argument("--embedder", required=True, dest="new_embedder")
    p.set_defaults(run=cmd_reembed)

    cache = sub.add_parser("cache", help="manage the answer cache").add_subparsers(
        dest="cache_command", metavar="ACTION", required=True
    )
    p = cache.add_parser(
        "clear", help="drop every cached answer (say, after relabelling or removing documents)"
    )
    add_collection_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_cache_clear)


def parse_meta(items: list[str]) -> dict[str, MetaValue]:
    meta: dict[str, MetaValue] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"invalid --meta {item!r}: write KEY=VALUE, e.g. --meta team=legal")
        meta[key.strip()] = coerce_value(value.strip())
    return meta


def _positive(name: str, value: int) -> int:
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value}")
    return value


class _Bar:
    """Ingest progress on stderr: a tqdm bar on a terminal; elsewhere (a log, a CI job) one plain
    line every ``LOG_EVERY_S`` seconds, so a long ingest is not silent until its summary."""

    LOG_EVERY_S = 30.0

    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self._bar: Any = None
        self._log = enabled and not sys.stderr.isatty()
        self._clock = clock
        self._next_log = clock() + self.LOG_EVERY_S
        if enabled and not self._log:
            from tqdm import tqdm

            self._bar = tqdm(unit="doc", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, p: Progress) -> None:
        if self._log:
            if self._clock() >= self._next_log:
                self._next_log = self._clock() + self.LOG_EVERY_S
                print(
                    f"ingest: {p.done} documents so far ({p.added} added, {p.updated} updated, "
                    f"{p.unchanged} unchanged, {p.failed} failed), {p.chunks} chunks, "
                    f"{p.rate:.1f} documents/s",
                    file=sys.stderr,
                    flush=True,
                )
            return
        if self._bar is None:
            return
        self._bar.n = p.done
        self._bar.set_postfix(
            added=p.added, updated=p.updated, unchanged=p.unchanged, failed=p.failed,
            chunks=p.chunks, refresh=False,
        )  # fmt: skip
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def cmd_ingest(args: argparse.Namespace) -> int:
    labels = tuple(x.strip() for x in args.labels.split(",") if x.strip())
    options = IngestOptions(
        load=LoadOptions(text_field=args.text_field, id_field=args.id_field),
        chunk=ChunkOptions(
            max_tokens=_positive("--max-tokens", args.max_tokens),
            overlap_tokens=max(0, args.overlap),
        ),
        labels=labels,
        metadata=parse_meta(args.meta),
        isolate=ParseLimits(seconds=args.parse_timeout) if args.isolate else None,
    )
    paths = [Path(p) for p in args.paths]
    collection = open_collection(args, create=True)
    bar = _Bar(not args.quiet and not args.json)
    try:
        report = collection.add(paths, options=options, on_progress=bar, cluster=_cluster(args))
    finally:
        bar.close()
    indexed = None
    if not args.no_index and (report.added or report.updated or report.resumed_after_interruption):
        started = time.monotonic()
        collection.indexes().refresh()
        indexed = time.monotonic() - started
    if args.json:
        print_json({**report.to_dict(), "index_seconds": indexed})
        return 0
    if report.resumed_after_interruption:
        print("(the previous ingest was interrupted; its committed work was kept and resumed)")
    print(report.summary())
    for failure in report.failed:
        print(f"  failed: {failure.uri}: {failure.reason}")
    if indexed is not None:
        print(f"search indexes brought up to date in {indexed:.1f} s")
    return 0


def _cluster(args: argparse.Namespace) -> ClusterOptions | None:
    address = args.dask or args.ray
    if args.workers is None and address is None:
        if args.shared_paths:
            raise ConfigError("--shared-paths applies to --workers, --dask or --ray; give one")
        return None
    engine = "ray" if args.ray else "dask" if args.dask else args.engine
    return ClusterOptions(
        workers=args.workers, address=address, shared_paths=args.shared_paths, engine=engine
    )


def cmd_docs(args: argparse.Namespace) -> int:
    docs = open_collection(args).documents(limit=args.limit)
    if args.json:
        print_json([{**_doc_row(d), "metadata": d.metadata} for d in docs])
        return 0
    if not docs:
        print("no documents; add some with `veracity ingest PATH`")
    for d in docs:
        labels = f" [{','.join(d.labels)}]" if d.labels else ""
        print(f"{d.id}  {d.n_chunks:>5} chunks  {d.uri}{labels}")
    return 0


def _doc_row(d: Any) -> dict[str, Any]:
    return {
        "id": d.id, "uri": d.uri, "title": d.title, "chunks": d.n_chunks,
        "chars": d.size_chars, "labels": list(d.labels),
        "updated_at": datetime.fromtimestamp(d.updated_at, UTC).isoformat(),
    }  # fmt: skip


def cmd_delete(args: argparse.Namespace) -> int:
    ids = [t for t in args.targets if _DOC_ID.match(t)]
    paths = [t for t in args.targets if not _DOC_ID.match(t)]
    where: Filter | None = parse_where(args.where) if args.where else None
    docs, chunks = open_collection(args).delete(ids=ids, uris=paths, where=where)
    if args.json:
        print_json({"documents": docs, "chunks": chunks})
    elif docs == 0:
        print("nothing matched; list documents with `veracity docs`")
        return 4
    else:
        print(f"deleted {docs} document(s), {chunks} chunk(s)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    status = open_collection(args).status()
    if args.json:
        print_json(status.to_dict())
        return 0
    print(f"collection  {status.path}")
    print(f"documents   {status.documents}")
    print(f"chunks      {status.chunks}")
    print(
        f"embedder    {status.embedder or '(none yet)'}"
        + (f" ({status.dim}-d)" if status.dim else "")
    )
    print(
        f"size        {human_bytes(status.size_bytes)} on disk, {status.text_chars} characters of text"
    )
    print(f"indexes     vectors {status.vector_index}, BM25 {status.bm25_variant}")
    return 0


def cmd_indexes(args: argparse.Namespace) -> int:
    """Show the index choices, or store new ones and build the indexes now (so that the next
    search does not pay for it)."""
    collection = open_collection(args)
    changed = args.vector is not None or args.bm25 is not None
    started = time.perf_counter()
    chunks = collection.status().chunks
    if changed:
        collection.set_index_settings(vector_index=args.vector, bm25_variant=args.bm25)
        if chunks:
            collection.indexes().refresh()
    settings = collection.index_settings()
    built = settings.vector_backend(chunks)
    if args.json:
        print_json({**settings.to_dict(), "vector_backend": built})
        return 0
    auto = f" (now {built})" if settings.vector_index == "auto" else ""
    print(f"vector index  {settings.vector_index}{auto}")
    print(f"BM25 variant  {settings.bm25_variant}")
    if changed:
        print(f"indexes built in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_reembed(args: argparse.Namespace) -> int:
    from veracity.collection import Collection

    started = time.perf_counter()
    collection = Collection(args.collection, create=False)
    n = collection.reembed(args.new_embedder)
    print(
        f"re-embedded {n} chunks with {args.new_embedder} in {time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_cache_clear(args: argparse.Namespace) -> int:
    from veracity.store.protocols import open_store

    store = open_store(args.collection, create=False)
    try:
        n = store.answer_cache().clear()
    finally:
        store.close()
    if args.json:
        print_json({"cleared": n})
    else:
        print(f"cleared {n} cached answer(s) from {args.collection}")
    return 0
