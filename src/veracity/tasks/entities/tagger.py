"""Run a trained linear-chain CRF with numpy: Viterbi decoding and per-token marginals.

The model is the ``.npz`` written by ``veracity.train.entities``: for each feature string a weight
per label (sparse), and a label-to-label transition matrix. A sentence's score for a tag path
``y`` is ``sum_t state[t, y_t] + sum_t trans[y_{t-1}, y_t]`` (CRFsuite's first-order model, no
start or end weights); the best path is found by Viterbi, token marginals by forward-backward in
log space (Lafferty et al. 2001; Sutton & McCallum 2012, section 4.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from veracity.errors import ConfigError, ModelNotFound
from veracity.tasks.entities.features import FEATURES_VERSION, sentence_features

__all__ = ["MODEL_FORMAT", "CrfTagger", "default_model_path", "load_tagger"]

MODEL_FORMAT = 1
_DEFAULT_MODEL = "conll2003_crf.npz"


def default_model_path() -> Path:
    """The shipped CoNLL-2003 model (package data beside this module)."""
    return Path(__file__).with_name(_DEFAULT_MODEL)


@dataclass(frozen=True, slots=True)
class CrfTagger:
    """A loaded CRF: ``labels`` (L,), ``weights`` (A, L) over the feature ``index``, and
    ``transitions`` (L, L) from row label to column label."""

    labels: tuple[str, ...]
    index: dict[str, int]
    weights: np.ndarray  # (A, L) float32
    transitions: np.ndarray  # (L, L) float32

    def state_scores(self, tokens: Sequence[str]) -> np.ndarray:
        """(T, L) sum of the weights of each token's known features."""
        scores = np.zeros((len(tokens), len(self.labels)), dtype=np.float64)
        for t, feats in enumerate(sentence_features(tokens)):
            rows = [self.index[f] for f in feats if f in self.index]
            if rows:
                scores[t] = self.weights[rows].sum(axis=0)
        return scores

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """The best tag path for ``tokens`` (empty for no tokens)."""
        if not tokens:
            return []
        path = viterbi(self.state_scores(tokens), self.transitions)
        return [self.labels[i] for i in path]

    def tag_with_marginals(self, tokens: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The best path and, per token, the marginal probability of its tag on that path."""
        if not tokens:
            return [], np.zeros(0)
        state = self.state_scores(tokens)
        path = viterbi(state, self.transitions)
        probs = marginals(state, self.transitions)
        return [self.labels[i] for i in path], probs[np.arange(len(path)), path]


def viterbi(state: np.ndarray, trans: np.ndarray) -> list[int]:
    """Highest-scoring label path for (T, L) ``state`` scores and (L, L) ``trans``itions."""
    n, _ = state.shape
    best = state[0].copy()  # (L,) best score of a path ending in each label
    back = np.zeros(state.shape, dtype=np.int64)
    for t in range(1, n):
        cand = best[:, None] + trans  # (L_prev, L)
        back[t] = cand.argmax(axis=0)
        best = cand.max(axis=0) + state[t]
    path = [int(best.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def marginals(state: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """(T, L) probability of each label at each position under the CRF (forward-backward)."""
    n, size = state.shape
    alpha = np.zeros((n, size))
    beta = np.zeros((n, size))
    alpha[0] = state[0]
    for t in range(1, n):
        alpha[t] = _logsumexp(alpha[t - 1][:, None] + trans, axis=0) + state[t]
    for t in range(n - 2, -1, -1):
        beta[t] = _logsumexp(trans + (state[t + 1] + beta[t + 1])[None, :], axis=1)
    log_z = _logsumexp(alpha[-1], axis=0)
    out: np.ndarray = np.exp(alpha + beta - log_z)
    return out


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    out: np.ndarray = np.log(np.exp(x - top).sum(axis=axis)) + np.squeeze(top, axis=axis)
    return out


def load_tagger(path: str | Path | None = None) -> CrfTagger:
    """The CRF at ``path`` (default: the shipped CoNLL-2003 model), loaded once per path."""
    resolved = Path(path).expanduser().resolve() if path is not None else default_model_path()
    return _load(resolved)


@cache
def _load(path: Path) -> CrfTagger:
    if not path.is_file():
        raise ModelNotFound(
            f"no entity tagger model at {path}; pass a .npz written by "
            "`python -m benchmarks.train_entities --out FILE`, or omit it for the shipped model"
        )
    with np.load(path) as z:
        if int(z["format"]) != MODEL_FORMAT or int(z["features_version"]) != FEATURES_VERSION:
            raise ConfigError(
                f"{path} is an entity model of format {int(z['format'])}, features "
                f"{int(z['features_version'])}; this Veracity reads format {MODEL_FORMAT}, "
                f"features {FEATURES_VERSION}. Retrain it: python -m benchmarks.train_entities"
            )
        labels = tuple(_unpack(z["labels"]))
        attributes = _unpack(z["attributes"])
        weights = np.zeros((len(attributes), len(labels)), dtype=np.float32)
        weights[z["rows"], z["cols"].astype(np.int64)] = z["weights"]
        transitions = z["transitions"].astype(np.float64)
    index = {a: i for i, a in enumerate(attributes)}
    return CrfTagger(labels, index, weights, transitions)


def _unpack(packed: np.ndarray) -> list[str]:
    text = packed.tobytes().decode("utf-8")
    return text.split("\n") if text else []
