"""Groundedness judges: does the cited evidence support a claim? Offline, no LLM, no NLI model.

Every judge maps ``(claim, evidence texts)`` to a probability-like score in [0, 1]:

- ``LexicalJudge``: content-word and bigram recall of the claim in its best evidence sentence;
- ``FactJudge``: every number and named entity of the claim must appear in the evidence, and the
  claim must not flip the polarity of its best sentence ("not", "never", "no");
- ``EmbeddingJudge``: cosine similarity of claim and best evidence sentence under an ``Embedder``;
- ``CombinedJudge``: a logistic model over all of those features, trained on SQuAD v1.1 dev by
  ``python -m benchmarks.train_grounding`` (weights in ``grounding_model.json``).

``best_judge()`` returns the one that measured best (docs/benchmarks.md#groundedness). A claim is
called supported when its score reaches ``SUPPORT_THRESHOLD``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from veracity.embed.base import Embedder, calibration_name
from veracity.errors import ConfigError
from veracity.guard.claims import FEATURE_NAMES, claim_features, evidence_sentences

SUPPORT_THRESHOLD = 0.5
MODEL_PATH = Path(__file__).with_name("grounding_model.json")


@runtime_checkable
class SupportJudge(Protocol):
    """How strongly ``evidence`` supports ``claim``: a probability-like score in [0, 1]."""

    def support(self, claim: str, evidence: Sequence[str]) -> float: ...


class LexicalJudge:
    """Recall of the claim's content words (stemmed) and bigrams in its best evidence sentence."""

    def __init__(self, bigram_weight: float = 0.4) -> None:
        self.bigram_weight = bigram_weight

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        f = claim_features(claim, evidence)
        w = self.bigram_weight
        return (1 - w) * f.unigram_best + w * f.bigram_best


class FactJudge:
    """Numbers, entities and polarity must agree; each kind of disagreement cuts the score.

    Starts from the claim's content-word recall over all evidence, then multiplies by ``penalty``
    for a missing number, for missing entities (scaled by the share missing) and for a negation
    mismatch with the best sentence.
    """

    def __init__(self, penalty: float = 0.15) -> None:
        self.penalty = penalty

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        f = claim_features(claim, evidence)
        score = f.unigram_all
        if f.numbers_missing > 0:
            score *= self.penalty
        score *= 1 - (1 - self.penalty) * f.entities_missing
        if f.negation_mismatch:
            score *= self.penalty
        return score


class EmbeddingJudge:
    """Largest cosine similarity between the claim and an evidence sentence, clipped to [0, 1]."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def similarity(self, claim: str, evidence: Sequence[str]) -> float:
        sents = evidence_sentences(evidence)
        if not sents or not claim.strip():
            return 0.0
        v = self.embedder.embed([claim, *sents])  # (1 + n_sentences, dim), L2-normalized
        return float(np.max(v[1:] @ v[0]))

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        return min(1.0, max(0.0, self.similarity(claim, evidence)))


def load_weights(path: Path = MODEL_PATH) -> dict[str, Any]:
    """The combined judge's weight sets, keyed by embedder name (``none``: no embedding)."""
    if not path.exists():
        raise ConfigError(
            f"groundedness model not found at {path}; rebuild it with "
            "'python -m benchmarks.train_grounding'"
        )
    doc: dict[str, Any] = json.loads(path.read_text())
    if doc.get("format") != "veracity-grounding-lr/1":
        raise ConfigError(f"{path} is not a veracity groundedness model")
    return doc


class CombinedJudge:
    """Logistic regression over the lexical, fact and (optionally) embedding features.

    With an ``embedder`` whose ``name`` has trained weights (``minilm``) the embedding similarity
    is a feature; with no embedder, or one without trained weights, the ``none`` weights apply and
    the embedder is not called. ``weights`` injects a weight set (training, tests).
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        weights: dict[str, Any] | None = None,
        path: Path = MODEL_PATH,
    ) -> None:
        if weights is None:
            sets = load_weights(path)["weights"]
            key = "none"
            if embedder is not None:  # its own weights, else those of the model it quantizes
                names = (embedder.name, calibration_name(embedder.name))
                key = next((n for n in names if n in sets), "none")
            weights = sets[key]
        self._uses_embedding = bool(weights.get("embedding"))
        self._embed = EmbeddingJudge(embedder) if embedder and self._uses_embedding else None
        if self._uses_embedding and self._embed is None:
            raise ConfigError("these combined-judge weights need an embedder; pass embedder=...")
        self.coef = np.asarray(weights["coef"], dtype=np.float64)
        self.intercept = float(weights["intercept"])
        expected = len(FEATURE_NAMES) + int(self._uses_embedding)
        if self.coef.shape != (expected,):
            raise ConfigError(f"combined judge expects {expected} weights, got {self.coef.shape}")

    def features(self, claim: str, evidence: Sequence[str]) -> list[float]:
        """The feature vector the logistic model reads (order: ``FEATURE_NAMES`` [+ embedding])."""
        x = claim_features(claim, evidence).vector()
        if self._embed is not None:
            x.append(self._embed.similarity(claim, evidence))
        return x

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        z = float(np.dot(self.coef, self.features(claim, evidence))) + self.intercept
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def best_judge(embedder: Embedder | None = None) -> SupportJudge:
    """The judge that measured best on held-out SQuAD claims: the combined logistic judge (with
    the embedding feature when ``embedder`` has trained weights, e.g. ``get_embedder("minilm")``)."""
    return CombinedJudge(embedder)
