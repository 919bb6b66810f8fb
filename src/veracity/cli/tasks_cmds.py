"""``veracity classify`` and ``veracity sentiment``: tasks over a text or a file of texts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError

INPUT_HELP = ".txt (one text per line), .csv/.tsv (header row) or .jsonl"


def _add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="the text (or give --file)")
    p.add_argument("--file", "-f", metavar="FILE", help=f"texts from {INPUT_HELP}")
    p.add_argument(
        "--column", help="the text column or field of a .csv/.tsv/.jsonl (default: text)"
    )
    p.add_argument(
        "--embedder", default=None, help="embedder name (default: minilm-onnx, else minilm)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def register(sub: Any) -> None:
    c = sub.add_parser(
        "classify",
        help="classify texts into your labels (zero-shot, few-shot or a trained head)",
        description="Without --examples, labels are matched zero-shot by embedding similarity "
        "(give descriptions as name=description). With examples: nearest centroid below 8 "
        "examples of some label, else a logistic-regression head, both temperature-calibrated.",
    )
    _add_inputs(c)
    c.add_argument("--labels", "-l", help="comma-separated labels, each name or name=description")
    c.add_argument("--examples", "-e", metavar="FILE", help="labelled examples (.csv/.tsv/.jsonl)")
    c.add_argument("--text-column", default="text", help="text column of --examples")
    c.add_argument("--label-column", default="label", help="label column of --examples")
    c.add_argument("--mode", default="auto", choices=["auto", "zero-shot", "few-shot", "head"])
    c.set_defaults(run=cmd_classify)
    s = sub.add_parser(
        "sentiment",
        help="negative / neutral / positive with a score in [-1, 1]; --rank to prioritize",
        description="A logistic head on sentence embeddings, trained on the UCI review "
        "sentences and Platt-calibrated; neutral means neither polarity is over 70%% likely. "
        "--rank orders items by negativity and urgency cues (most pressing first).",
    )
    _add_inputs(s)
    s.add_argument("--rank", action="store_true", help="order by priority, most pressing first")
    s.add_argument("--top", type=int, default=None, help="with --rank, show only the first N")
    s.set_defaults(run=cmd_sentiment)


def _texts(args: argparse.Namespace) -> list[str]:
    from veracity.tasks.inputs import read_texts

    if (args.text is None) == (args.file is None):
        raise ConfigError("give either a TEXT argument or --file FILE (one of them, not both)")
    if args.file is None:
        if args.column:
            raise ConfigError("--column applies to --file only")
        return [args.text]
    return read_texts(Path(args.file).expanduser(), args.column)


def _embedder(args: argparse.Namespace) -> Any:
    from veracity.embed import get_embedder
    from veracity.tasks.embedder import default_embedder
    from veracity.tasks.progress import with_progress

    return with_progress(get_embedder(args.embedder) if args.embedder else default_embedder())


def _one_line(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cmd_classify(args: argparse.Namespace) -> int:
    from veracity.tasks.classify import build_classifier, parse_label_spec
    from veracity.tasks.inputs import read_examples

    labels = parse_label_spec(args.labels) if args.labels else ()
    examples = (
        read_examples(Path(args.examples).expanduser(), args.text_column, args.label_column)
        if args.examples
        else []
    )
    if not labels and not examples:
        raise ConfigError("give --labels a,b,c (and/or --examples FILE to learn them from)")
    texts = _texts(args)
    model = build_classifier(labels, examples, embedder=_embedder(args), mode=args.mode)
    results = model.classify(texts)
    cal = model.calibration
    if args.json:
        print_json(
            {
                "mode": model.mode,
                "labels": [label.name for label in model.labels],
                "calibration": None
                if cal is None
                else {
                    "method": cal.method,
                    "temperature": cal.temperature,
                    "ece_before": cal.ece_before,
                    "ece_after": cal.ece_after,
                    "held_out": cal.held_out,
                },
                "results": [r.as_dict() for r in results],
            }
        )
        return 0
    note = (
        f"calibrated ({cal.method}; ECE {cal.ece_before:.3f} -> {cal.ece_after:.3f} "
        f"on {cal.held_out} held-out)"
        if cal
        else "probabilities not calibrated (no labelled examples)"
    )
    print(f"# {model.mode}: {note}", file=sys.stderr)
    for r in results:
        print(f"{r.label}\t{r.probability:.3f}\t{_one_line(r.text)}")
    return 0


def cmd_sentiment(args: argparse.Namespace) -> int:
    from veracity.tasks.priority import rank
    from veracity.tasks.sentiment import SentimentAnalyzer

    if args.top is not None and (not args.rank or args.top < 1):
        raise ConfigError("--top N needs --rank and N >= 1")
    texts = _texts(args)
    sentiments = SentimentAnalyzer(_embedder(args)).analyze(texts)
    if not args.rank:
        if args.json:
            print_json([s.as_dict() for s in sentiments])
        else:
            for s in sentiments:
                print(f"{s.label}\t{s.score:+.3f}\t{_one_line(s.text)}")
        return 0
    ranked = rank(sentiments)[: args.top]
    if args.json:
        print_json([p.as_dict() for p in ranked])
        return 0
    for p in ranked:
        cues = ",".join(p.cues) or "-"
        line = f"{p.priority:.3f}\t{p.sentiment.label}\t{p.sentiment.score:+.3f}\t{cues}"
        print(f"{line}\t{_one_line(p.sentiment.text, 70)}")
    return 0
