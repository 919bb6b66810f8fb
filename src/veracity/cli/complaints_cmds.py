"""``veracity complaints``: the top N complaints in a file's column or a collection, with citations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "complaints",
        help="the top N customer complaints: negative items clustered, named, counted, quoted",
        description="Finds the negative items (the shipped sentiment head), clusters them "
        "(average linkage on embeddings, cut at --threshold cosine distance), names each cluster "
        "by its distinctive terms, and ranks by size with quotes cited to their rows or chunks.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--file", "-f", metavar="FILE", help=".txt, .csv/.tsv or .jsonl of feedback")
    src.add_argument("--collection", "-c", metavar="DIR", help="analyze a collection's chunks")
    p.add_argument("--column", help="the text column of a .csv/.tsv/.jsonl (default: text)")
    p.add_argument(
        "--by", metavar="FIELD", help="also count per FIELD (a column or document metadata "
        "key); FIELD:month or FIELD:year for ISO dates",
    )  # fmt: skip
    p.add_argument("--labels", default=None, help="with --collection: the ACL labels you hold")
    p.add_argument("--top", type=int, default=5, help="how many complaints to report (default 5)")
    p.add_argument("--quotes", type=int, default=3, help="quotes per complaint (default 3)")
    p.add_argument("--all", action="store_true", help="treat every item as a complaint")
    p.add_argument(
        "--threshold", type=float, default=None,
        help="cosine distance at which clusters stop merging (default 0.75; lower: more, "
        "tighter clusters)",
    )  # fmt: skip
    p.add_argument("--min-size", type=int, default=2, help="smallest cluster reported (default 2)")
    p.add_argument("--embedder", default=None, help="default: minilm-onnx, else minilm")
    p.add_argument(
        "--generator", default=None,
        help="polish cluster names with this generator (smollm2, a .gguf path, openai:NAME)",
    )  # fmt: skip
    p.add_argument("--chart", metavar="PNG", help="write a bar chart here")
    p.add_argument("--html", metavar="HTML", help="write an HTML report here")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_complaints)


def _items(args: argparse.Namespace) -> tuple[list[Any], Any]:
    """``(items, embedder)``: a collection brings its own embedder unless one is named."""
    from veracity.embed import get_embedder
    from veracity.tasks.embedder import default_embedder
    from veracity.tasks.feedback import collection_feedback, read_feedback

    if args.file:
        if args.labels is not None:
            raise ConfigError("--labels applies to --collection only")
        items = read_feedback(Path(args.file).expanduser(), args.column, args.by)
        return items, get_embedder(args.embedder) if args.embedder else default_embedder()
    if args.column:
        raise ConfigError("--column applies to --file only")
    from veracity.collection import Collection

    col = Collection(args.collection, embedder=args.embedder, create=False)
    labels = None if args.labels is None else [x for x in args.labels.split(",") if x]
    return collection_feedback(col.store, labels=labels, by=args.by), col.embedder()


def cmd_complaints(args: argparse.Namespace) -> int:
    from veracity.tasks.complaints import DEFAULT_THRESHOLD, find_complaints
    from veracity.tasks.complaints_report import write_chart, write_html
    from veracity.tasks.progress import with_progress

    items, embedder = _items(args)
    embedder = with_progress(embedder)
    generator = None
    if args.generator:
        from veracity.generate.base import get_generator

        generator = get_generator(args.generator)
    report = find_complaints(
        items, embedder=embedder, top=args.top, negative_only=not args.all,
        threshold=args.threshold or DEFAULT_THRESHOLD, min_size=args.min_size,
        quotes=args.quotes, generator=generator, by=args.by,
    )  # fmt: skip
    if args.chart:
        write_chart(report, Path(args.chart).expanduser())
    if args.html:
        write_html(report, Path(args.html).expanduser())
    if args.json:
        print_json(report.as_dict())
        return 0
    print(
        f"# {report.total} items, {len(report.items)} negative, {len(report.clusters)} clusters "
        f"({report.unclustered} unclustered)",
        file=sys.stderr,
    )
    for c in report.top_clusters:
        print(f"{c.rank}. {c.name}  ({c.count} items, {c.share:.0%})")
        for q in c.quotes:
            print(f"   - {_one_line(q.item.text)}  [{q.item.citation()}]")
    if report.by:
        for group, ranked in report.by_group().items():
            print(f"{args.by}={group}: " + ", ".join(f"#{r} x{n}" for r, n in ranked))
    return 0


def _one_line(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
