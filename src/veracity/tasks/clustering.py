"""Clustering for an unknown number of groups: average-linkage agglomeration cut at a distance.

Why this algorithm. Feedback analysis never knows how many complaint reasons there are, so
k-means (k given) is out. The two usual choices for unknown counts are HDBSCAN and hierarchical
clustering cut at a distance threshold. We use the second:

- its one knob is a *distance with a meaning*: with average linkage (UPGMA; Sokal & Michener
  1958) two groups merge only while the mean cosine distance between their members stays below
  ``threshold``, so "how alike must two complaints be to count as one reason" is what the user
  sets, in the embedder's own similarity scale;
- it is deterministic and needs nothing beyond SciPy, a core dependency (scikit-learn's HDBSCAN
  would add a runtime dependency, and on the tens to hundreds of items a feedback export often
  holds, HDBSCAN's density estimate labels much of the data as noise);
- small groups become noise the same way HDBSCAN's do: a group under ``min_size`` is label -1.

Its cost is O(n^2) memory for the condensed distance matrix, so above ``max_linkage`` items it
clusters a fixed-seed sample of that size and assigns every other item to the nearest cluster
centroid when that centroid is within ``threshold`` (else noise). This is the usual
"cluster a sample, then classify the rest" scaling and is stated in the report settings.
"""

from __future__ import annotations

import numpy as np

from veracity.errors import ConfigError

MAX_LINKAGE = 4000  # 4000 items: an 8M-entry (64 MB) condensed distance matrix


def _check(threshold: float, min_size: int) -> None:
    if not 0.0 < threshold < 2.0:
        raise ConfigError(f"threshold is a cosine distance in (0, 2), got {threshold}")
    if min_size < 1:
        raise ConfigError(f"min_size must be >= 1, got {min_size}")


def _linkage_labels(x: np.ndarray, threshold: float) -> np.ndarray:
    """Flat labels (0-based, arbitrary order) of average-linkage clusters cut at ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    if len(x) == 1:
        return np.zeros(1, dtype=np.int64)
    dist = np.clip(pdist(x.astype(np.float64), metric="cosine"), 0.0, 2.0)  # (n*(n-1)/2,)
    z = linkage(dist, method="average")
    out: np.ndarray = fcluster(z, t=threshold, criterion="distance").astype(np.int64) - 1
    return out


def _relabel(raw: np.ndarray, min_size: int) -> np.ndarray:
    """Clusters of ``min_size`` or more numbered 0.. by decreasing size (ties: first member
    first); the rest -1."""
    ids, first, counts = np.unique(raw[raw >= 0], return_index=True, return_counts=True)
    keep = [(-int(c), int(f), int(i)) for i, f, c in zip(ids, first, counts, strict=True)]
    keep = sorted(k for k in keep if -k[0] >= min_size)
    mapping = {old: new for new, (_, _, old) in enumerate(keep)}
    return np.array([mapping.get(int(r), -1) for r in raw], dtype=np.int64)


def centroids(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``(k, d)`` L2-normalized mean vector of each cluster ``0..k-1``."""
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    out = np.zeros((k, x.shape[1]), dtype=np.float64)
    for c in range(k):
        out[c] = x[labels == c].mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


def cluster(
    x: np.ndarray,
    *,
    threshold: float,
    min_size: int = 2,
    max_linkage: int = MAX_LINKAGE,
    seed: int = 0,
) -> np.ndarray:
    """Cluster labels for the rows of ``x`` (``(n, d)``, L2-normalized): ``0`` is the largest
    cluster, ``-1`` noise (a group smaller than ``min_size``)."""
    _check(threshold, min_size)
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= max_linkage:
        return _relabel(_linkage_labels(x, threshold), min_size)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=max_linkage, replace=False))
    sample_labels = _relabel(_linkage_labels(x[sample], threshold), min_size)
    cents = centroids(x[sample], sample_labels)  # (k, d)
    raw = np.full(n, -1, dtype=np.int64)
    if len(cents):
        sims = x @ cents.T  # (n, k)
        best = sims.argmax(axis=1)
        close = 1.0 - sims[np.arange(n), best] <= threshold
        raw[close] = best[close]
    raw[sample] = sample_labels
    return _relabel(raw, min_size)
