"""``veracity summarize``: an extractive, cited summary of files, a collection or a search result."""

from __future__ import annotations

import argparse
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "summarize",
        help="a cited summary of files, a collection's documents, or a search result",
        description="Extractive: the most central, non-redundant sentences of the input "
        "(map-reduce over chunks for long inputs), each cited to its source span and checked "
        "by the support judge; unsupported picks are dropped and counted.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to summarize")
    p.add_argument("--collection", "-c", metavar="DIR", help="summarize from this collection")
    p.add_argument("--doc", action="append", default=[], metavar="ID", help="only this document")
    p.add_argument("--query", "-q", help="with --collection: summarize this search's hits")
    p.add_argument("-k", type=int, default=10, help="hits to summarize with --query (default 10)")
    p.add_argument("--labels", default=None, help="with --collection: the ACL labels you hold")
    p.add_argument("--sentences", "-n", type=int, default=5, help="summary length (default 5)")
    p.add_argument("--embedder", default=None, help="default: minilm-onnx, else minilm")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_summarize)


def _passages(args: argparse.Namespace) -> tuple[list[Any], Any]:
    from veracity.embed import get_embedder
    from veracity.tasks.embedder import default_embedder
    from veracity.tasks.summarize import file_passages, hit_passages

    if bool(args.paths) == bool(args.collection):
        raise ConfigError("give PATHs to summarize or --collection DIR (one of them)")
    if args.paths:
        if args.doc or args.query or args.labels is not None:
            raise ConfigError("--doc, --query and --labels apply to --collection only")
        return file_passages(args.paths), (
            get_embedder(args.embedder) if args.embedder else default_embedder()
        )
    from veracity.collection import Collection
    from veracity.records import Filter
    from veracity.tasks.feedback import collection_feedback

    col = Collection(args.collection, embedder=args.embedder, create=False)
    labels = None if args.labels is None else [x for x in args.labels.split(",") if x]
    where = Filter(document_ids=frozenset(args.doc)) if args.doc else None
    if args.query:
        hits = col.search(args.query, args.k, where=where, labels=labels)
        return hit_passages(hits), col.embedder()
    return collection_feedback(col.store, labels=labels, where=where), col.embedder()


def cmd_summarize(args: argparse.Namespace) -> int:
    from veracity.guard.grounding import best_judge
    from veracity.tasks.progress import with_progress
    from veracity.tasks.summarize import summarize

    passages, embedder = _passages(args)
    embedder = with_progress(embedder)
    summary = summarize(
        passages, sentences=args.sentences, embedder=embedder, judge=best_judge(embedder)
    )
    if args.json:
        print_json(summary.as_dict())
        return 0
    print(" ".join(f"{' '.join(s.text.split())} [{s.n}]" for s in summary.sentences))
    print()
    for s in summary.sentences:
        print(f"[{s.n}] {s.source} [{s.start}:{s.end}] (support {s.support:.2f})")
    if summary.unsupported:
        print(f"({summary.unsupported} picks dropped, not supported by their source: replaced)")
    return 0
