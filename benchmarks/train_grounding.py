"""Train the combined groundedness judge: ``python -m benchmarks.train_grounding``.

Fits a logistic regression over ``claims.FEATURE_NAMES`` on the train articles of the SQuAD
calibration set (``benchmarks/_grounding_data.py``), once without and once with the MiniLM
embedding similarity, and writes both weight sets to ``src/veracity/guard/grounding_model.json``.
Test articles stay unseen for ``python -m benchmarks.groundedness``. Deterministic.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks._grounding_data import Case, build_cases
from benchmarks._guard_data import DATASETS
from veracity.embed.base import Embedder
from veracity.guard.claims import FEATURE_NAMES, claim_features, evidence_sentences
from veracity.guard.grounding import MODEL_PATH, EmbeddingJudge
from veracity.guard.logistic import fit_logistic

L2 = 1.0


CACHE = Path(tempfile.gettempdir()) / "veracity-grounding-minilm-cache.npz"


class CachedEmbedder:
    """Wraps an embedder with a text -> vector cache, so judges can be scored case by case.

    ``path`` keeps the vectors between runs (outside the project: it holds dataset text)."""

    def __init__(self, inner: Embedder, path: Path | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.path = path
        self._cache: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as z:
                self._cache = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))

    def save(self) -> None:
        if self.path is not None and self._cache:
            texts = list(self._cache)
            np.savez(
                self.path, texts=np.array(texts), vectors=np.stack([self._cache[t] for t in texts])
            )

    def warm(self, texts: Sequence[str], batch: int = 4096) -> None:
        todo = sorted({t for t in texts if t not in self._cache}, key=len)
        for i in range(0, len(todo), batch):
            chunk = todo[i : i + batch]
            for t, v in zip(chunk, self.inner.embed(chunk), strict=True):
                self._cache[t] = v
            print(f"embedded {min(i + batch, len(todo))}/{len(todo)}", flush=True)
            self.save()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.warm(texts)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, self.dim))


def minilm() -> CachedEmbedder:
    from veracity.embed import get_embedder

    return CachedEmbedder(get_embedder("minilm", threads=1), CACHE)


def features(cases: Sequence[Case], embedder: CachedEmbedder | None = None) -> np.ndarray:
    """``(n, 8 or 9)`` feature matrix, in ``CombinedJudge.features`` order."""
    x = np.array([claim_features(c.claim, c.evidence).vector() for c in cases])
    if embedder is None:
        return x
    embedder.warm(
        [c.claim for c in cases] + [s for c in cases for s in evidence_sentences(c.evidence)]
    )
    judge = EmbeddingJudge(embedder)
    sim = np.array([judge.similarity(c.claim, c.evidence) for c in cases])
    return np.column_stack([x, sim])


def fit_set(x: np.ndarray, y: np.ndarray, embedding: bool) -> dict[str, object]:
    w, b = fit_logistic(x, y, l2=L2)
    names = [*FEATURE_NAMES, "embedding_similarity"] if embedding else list(FEATURE_NAMES)
    return {
        "coef": [round(float(v), 6) for v in w],
        "intercept": round(b, 6),
        "embedding": embedding,
        "feature_names": names,
    }


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--no-embedding", action="store_true", help="skip the MiniLM weight set")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    cases = build_cases(args.datasets)
    train = [c for c in cases if c.split == "train"]
    y = np.array([c.label for c in train])
    sets = {"none": fit_set(features(train), y, embedding=False)}
    print(f"lexical features done in {time.perf_counter() - t0:.0f}s", flush=True)
    if not args.no_embedding:
        emb = minilm()
        # embed test texts too, once, so ``benchmarks.groundedness`` finds them cached
        emb.warm(
            [c.claim for c in cases] + [s for c in cases for s in evidence_sentences(c.evidence)]
        )
        sets[emb.name] = fit_set(features(train, emb), y, embedding=True)
    doc = {
        "format": "veracity-grounding-lr/1",
        "weights": sets,
        "meta": {
            "trained_on": f"SQuAD v1.1 dev, train articles, {len(train)} cases",
            "l2": L2,
            "script": "python -m benchmarks.train_grounding",
        },
    }
    args.out.write_text(json.dumps(doc, indent=1))
    print(f"wrote {args.out} with {sorted(sets)} in {time.perf_counter() - t0:.0f}s")
    for k, s in sets.items():
        print(k, dict(zip(s["feature_names"], s["coef"], strict=True)), s["intercept"])  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
