"""Train the shipped sentiment heads: ``python -m benchmarks.train_sentiment``.

Embeds all 3,000 UCI labelled sentences (Amazon, Yelp, IMDb) with each named embedder, fits the
head of ``veracity.train.sentiment`` (logistic regression, Platt-scaled on 5-fold out-of-fold
logits) and writes one entry per embedder name into ``src/veracity/tasks/sentiment_model.json``,
keeping the other entries. Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._sentiment_data import DATA, cached_embed
from veracity.embed import get_embedder
from veracity.tasks.sentiment import FORMAT, MODEL_PATH
from veracity.train.sentiment import load_uci_sentiment, train_sentiment_head

L2 = 1.0


def train_entry(embedder_name: str, data: Path, *, limit: int | None, l2: float) -> dict[str, Any]:
    sentences = load_uci_sentiment(data)
    if limit:
        # an even spread over sources and labels: every 3000/limit-th sentence
        sentences = sentences[:: max(1, len(sentences) // limit)]
    embedder = get_embedder(embedder_name, **({"threads": 1} if "minilm" in embedder_name else {}))
    x = cached_embed(embedder, [s.text for s in sentences])
    y = np.array([s.label for s in sentences])
    cmd = f"python -m benchmarks.train_sentiment --embedder {embedder_name}"
    if limit:
        cmd += f" --limit {limit}"
    source = (
        f"UCI labelled sentences (Amazon, Yelp, IMDb; {len(y)} sentences), trained by `{cmd}` "
        f"on {datetime.date.today().isoformat()}"
    )
    model, report = train_sentiment_head(x, y, l2=l2, source=source)
    print(f"{embedder.name}: " + ", ".join(f"{k}={v:.4g}" for k, v in report.items()), flush=True)
    return {"name": embedder.name, **model.to_json(), "metrics": _rounded(report)}


def _rounded(report: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", action="append", help="embedder name (repeatable)")
    ap.add_argument("--data", type=Path, default=DATA, help="the UCI sentiment folder")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--limit", type=int, default=None, help="train on about this many sentences")
    ap.add_argument("--l2", type=float, default=L2)
    args = ap.parse_args()
    doc: dict[str, Any] = {"format": FORMAT, "models": {}}
    if args.out.exists():
        doc["models"] = json.loads(args.out.read_text()).get("models", {})
    for name in args.embedder or ["minilm", "hash"]:
        entry = train_entry(name, args.data, limit=args.limit, l2=args.l2)
        doc["models"][entry.pop("name")] = entry
    doc["models"] = dict(sorted(doc["models"].items()))
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
