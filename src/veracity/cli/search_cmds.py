"""``veracity search``: keyword, dense, TF-IDF or hybrid search over a collection."""

from __future__ import annotations

import argparse
from typing import Any

from veracity.cli.common import add_collection_arg, open_collection, print_json
from veracity.errors import ConfigError
from veracity.records import Hit
from veracity.retrieve.copies import passage_copies
from veracity.retrieve.search import FUSIONS, MODES
from veracity.store.filters import parse_where
from veracity.text.markup import display_text

COPY_DEPTH = 3  # hits searched per hit listed, when copies are shown once


def register(sub: Any) -> None:
    p = sub.add_parser("search", help="search a collection")
    p.add_argument("query")
    add_collection_arg(p)
    p.add_argument("-k", type=int, default=10, help="number of hits (default 10)")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    p.add_argument(
        "--alpha", type=float, default=None,
        help="0 = BM25 only, 1 = dense only (default: the collection's tuned choice, else 0.5)",
    )  # fmt: skip
    p.add_argument(
        "--fusion", choices=FUSIONS, default=None,
        help="default: the collection's tuned choice (`veracity tune`), else rrf",
    )  # fmt: skip
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--labels", default=None, help="comma-separated ACL labels the caller may see")
    p.add_argument("--mmr", type=float, default=None, metavar="LAMBDA", help="diversify with MMR")
    p.add_argument("--explain", action="store_true", help="per-retriever ranks and scores")
    p.add_argument(
        "--all-copies", action="store_true",
        help="list every copy of a passage found in several documents (default: one, naming the "
        "others)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_search)


def copy_dict(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {"uri": hit.uri, "document": c.document_id, "chunk": c.id, "start": c.start,
            "end": c.end, "page": c.page, "score": hit.score}  # fmt: skip


def hit_dict(rank: int, hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    out: dict[str, Any] = {
        "rank": rank, "score": hit.score, "uri": hit.uri, "document": c.document_id,
        "chunk": c.id, "start": c.start, "end": c.end, "page": c.page,
        "headings": list(c.headings), "text": c.text,
    }  # fmt: skip
    if hit.explain is not None:
        out["explain"] = dict(hit.explain)
    return out


def cmd_search(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise ConfigError(f"-k must be >= 1, got {args.k}")
    labels = None if args.labels is None else [x for x in args.labels.split(",") if x]
    where = parse_where(args.where) if args.where else None
    # Copies of a passage (a book's print page, a file in two folders) are shown once, so the
    # search looks deeper to still list k distinct passages.
    depth = args.k if args.all_copies else args.k * COPY_DEPTH
    hits = open_collection(args).search(
        args.query, depth, mode=args.mode, alpha=args.alpha, fusion=args.fusion, where=where,
        labels=labels, explain=args.explain, mmr_lambda=args.mmr,
    )  # fmt: skip
    shown = [(h, []) for h in hits] if args.all_copies else passage_copies(hits)[: args.k]
    if args.json:
        print_json([
            {**hit_dict(i, h), "copies": [copy_dict(c) for c in copies]}
            for i, (h, copies) in enumerate(shown, start=1)
        ])  # fmt: skip
        return 0
    if not shown:
        print("no hits")
    for i, (hit, copies) in enumerate(shown, start=1):
        c = hit.chunk
        where_in = f" p.{c.page}" if c.page else ""
        heading = f" > {' > '.join(c.headings)}" if c.headings else ""
        print(f"{i:>2}. [{hit.score:.4f}] {hit.uri}{where_in} [{c.start}:{c.end}]{heading}")
        snippet = display_text(c.text)  # Markdown syntax dropped; --json gives the exact text
        print(f"    {snippet[:240]}{'...' if len(snippet) > 240 else ''}")
        if copies:
            names = ", ".join(f"{h.uri} [{h.chunk.start}:{h.chunk.end}]" for h in copies[:3])
            more = f" and {len(copies) - 3} more" if len(copies) > 3 else ""
            print(f"    also in: {names}{more}")
        if hit.explain:
            for name, e in hit.explain.items():
                print(
                    f"      {name}: rank={e['rank']} score={e['score']} contribution={e['contribution']:.4f}"
                )
    return 0
