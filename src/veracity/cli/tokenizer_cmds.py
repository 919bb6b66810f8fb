"""``veracity tokenize`` and ``veracity tokenizer train`` (see ``veracity.text.tokenizers``)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError

KINDS = ("bpe", "wordpiece", "unigram", "word", "char")


def register(sub: Any) -> None:
    t = sub.add_parser(
        "tokenize",
        help="show the tokens and ids of a text (gpt2, cl100k, minilm or a trained file)",
    )
    t.add_argument("text", help="the text to tokenize; '-' reads standard input")
    t.add_argument(
        "--tokenizer", "-t", default="gpt2", metavar="NAME|PATH",
        help="gpt2 (r50k_base BPE), cl100k, minilm (BERT WordPiece) or a file from "
        "`veracity tokenizer train` (default: gpt2)",
    )  # fmt: skip
    t.add_argument("--json", action="store_true", help="print ids and tokens as JSON")
    t.set_defaults(run=cmd_tokenize)

    p = sub.add_parser("tokenizer", help="train tokenizers (word, char, BPE, WordPiece, Unigram)")
    tsub = p.add_subparsers(dest="tokenizer_command", metavar="ACTION", required=True)
    tr = tsub.add_parser(
        "train",
        help="train a tokenizer on text files",
        description="FILES are plain text (one text per line) or JSON Lines with a 'text' "
        "field, optionally gzipped. Pure Python: train on a few MB.",
    )
    tr.add_argument("files", nargs="+", metavar="FILE")
    tr.add_argument("--kind", choices=KINDS, required=True)
    tr.add_argument("--vocab-size", type=int, required=True, metavar="N")
    tr.add_argument("--out", required=True, metavar="PATH", help="tokenizer file to write (.json)")
    tr.add_argument(
        "--max-mb", type=float, default=None,
        help="train on at most this many MB (million characters) of text",
    )  # fmt: skip
    tr.add_argument("--json", action="store_true", help="print the report as JSON")
    tr.set_defaults(run=cmd_tokenizer_train)


def cmd_tokenize(args: argparse.Namespace) -> int:
    from veracity.text.tokenizers import get_tokenizer

    text = sys.stdin.read() if args.text == "-" else args.text
    tok = get_tokenizer(args.tokenizer)
    ids = tok.encode(text)
    tokens = [tok.id_to_token(i) for i in ids]
    if args.json:
        print_json({"tokenizer": args.tokenizer, "kind": tok.kind, "count": len(ids),
                    "ids": ids, "tokens": tokens})  # fmt: skip
    else:
        print(" ".join(f"{t}|{i}" for t, i in zip(tokens, ids, strict=True)))
        print(f"{len(ids)} tokens ({tok.kind}, vocabulary {tok.vocab_size})")
    return 0


def cmd_tokenizer_train(args: argparse.Namespace) -> int:
    from veracity.train.tokenizers import train_tokenizer
    from veracity.train.tokenizers.corpus import read_texts

    if args.vocab_size <= 0:
        raise ConfigError(f"--vocab-size must be positive, got {args.vocab_size}")
    if args.max_mb is not None and args.max_mb <= 0:
        raise ConfigError(f"--max-mb must be positive, got {args.max_mb}")
    out = Path(args.out).expanduser()
    max_chars = int(args.max_mb * 1e6) if args.max_mb else None
    texts = list(read_texts(args.files, max_chars))
    if not texts:
        raise ConfigError(f"no text in {', '.join(args.files)}")
    start = time.perf_counter()
    tok = train_tokenizer(texts, args.kind, args.vocab_size)
    seconds = time.perf_counter() - start
    tok.save(out)
    chars = sum(map(len, texts))
    report = {"out": str(out), "kind": tok.kind, "vocab_size": tok.vocab_size,
              "texts": len(texts), "chars": chars, "seconds": round(seconds, 2)}  # fmt: skip
    if args.json:
        print_json(report)
    else:
        print(
            f"wrote {out}: {tok.kind}, {tok.vocab_size} tokens, trained on "
            f"{chars / 1e6:.2f} MB in {seconds:.1f} s"
        )
    return 0
