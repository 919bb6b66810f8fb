"""Feedback analysis: "what are the top N customer complaints?", each answer cited to its rows.

The pipeline (a function that calls functions)::

    items --embed--> vectors --sentiment head--> negative items --cluster--> reasons
          --c-TF-IDF--> names (optionally polished by a generator) --count, rank--> report

1. **Negative items.** One embedding per item feeds both the shipped sentiment head
   (``sentiment.py``; an item is a complaint when the head labels it negative, i.e. calibrated
   ``p_positive`` below the neutral band) and the clustering. ``negative_only=False`` takes every
   item as a complaint (a column of support tickets, say).
2. **Clusters.** Average-linkage clustering cut at a cosine distance (``clustering.py`` says why
   not HDBSCAN); groups under ``min_size`` items are left unclustered and reported as such.
3. **Names.** The cluster's distinctive terms by c-TF-IDF (``cluster_terms.py``). A generator may
   polish the name; its answer is kept only when *grounded*: a first line of at most eight words
   that shares a word with the top terms. Otherwise the term name stays, and ``named_by`` says which.
4. **Count, rank, quote.** Clusters rank by size (ties: the more negative first); the quotes are
   the members closest to the centroid, each with its citation. With a grouping field, each
   cluster also counts its items per group (per product, per month).

    from veracity.tasks.complaints import find_complaints
    from veracity.tasks.feedback import read_feedback
    report = find_complaints(read_feedback(Path("reviews.csv"), "review", by="date:month"))
    for c in report.top_clusters: print(c.rank, c.count, c.name)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from veracity.embed.base import Embedder
from veracity.errors import ConfigError
from veracity.generate.base import Generator
from veracity.records import Decoding, Message
from veracity.tasks.cluster_terms import STOPWORDS, class_tfidf, term_name, top_terms
from veracity.tasks.clustering import MAX_LINKAGE, centroids, cluster
from veracity.tasks.feedback import FeedbackItem
from veracity.tasks.sentiment import SentimentModel

# Average-linkage cut in cosine distance. For all-MiniLM-L6-v2 0.75 means a cluster's members are on
# average at cosine similarity >= 0.25 to each other: same theme, any wording (the benchmark sweeps it).
DEFAULT_THRESHOLD = 0.75
NAME_TERMS = 8  # terms kept per cluster; the term name shows the first 3


@dataclass(frozen=True, slots=True)
class Quote:
    """A representative member of a cluster and its cosine similarity to the centroid."""

    item: FeedbackItem
    similarity: float

    def as_dict(self) -> dict[str, Any]:
        return {**self.item.as_dict(), "similarity": round(self.similarity, 4)}


@dataclass(frozen=True, slots=True)
class ComplaintCluster:
    """One complaint reason: its rank, name, size, terms and quotes; ``members`` index
    ``ComplaintReport.items``."""

    rank: int
    name: str
    term_name: str
    named_by: str  # "terms" or "generator"
    terms: tuple[str, ...]
    count: int
    share: float  # of the negative items
    negativity: float  # mean calibrated P(negative) of the members (1.0 when not scored)
    quotes: tuple[Quote, ...]
    members: tuple[int, ...]
    groups: tuple[tuple[str, int], ...] = ()  # (group, count), largest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "name": self.name,
            "term_name": self.term_name,
            "named_by": self.named_by,
            "terms": list(self.terms),
            "count": self.count,
            "share": round(self.share, 4),
            "negativity": round(self.negativity, 4),
            "groups": dict(self.groups),
            "quotes": [q.as_dict() for q in self.quotes],
        }


@dataclass(frozen=True, slots=True)
class ComplaintReport:
    """All clusters ranked; ``top_clusters`` the first ``top``; ``items`` the negative items."""

    clusters: tuple[ComplaintCluster, ...]
    items: tuple[FeedbackItem, ...]
    total: int  # items read
    top: int
    unclustered: int
    by: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def top_clusters(self) -> tuple[ComplaintCluster, ...]:
        return self.clusters[: self.top]

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups seen among the negative items, in sorted order."""
        return tuple(sorted({it.group for it in self.items if it.group is not None}))

    def by_group(self) -> dict[str, list[tuple[int, int]]]:
        """For each group, ``(cluster rank, count)`` of its top clusters, most items first."""
        out: dict[str, list[tuple[int, int]]] = {}
        for g in self.groups:
            ranked = [(c.rank, dict(c.groups).get(g, 0)) for c in self.clusters]
            ranked = sorted((r for r in ranked if r[1]), key=lambda r: (-r[1], r[0]))
            out[g] = ranked[: self.top]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "negative": len(self.items),
            "clustered": len(self.items) - self.unclustered,
            "unclustered": self.unclustered,
            "top": self.top,
            "by": self.by,
            "settings": self.settings,
            "clusters": [c.as_dict() for c in self.top_clusters],
            "by_group": {
                g: [{"rank": r, "count": n} for r, n in v] for g, v in self.by_group().items()
            }
            if self.by
            else None,
        }


def _check(items: Sequence[FeedbackItem], top: int, quotes: int) -> None:
    if top < 1:
        raise ConfigError(f"top must be >= 1, got {top}")
    if quotes < 0:
        raise ConfigError(f"quotes must be >= 0, got {quotes}")
    if not items:
        raise ConfigError(
            "no feedback to analyze: the input holds no non-empty texts (check the file, "
            "--column, or the collection and your --labels)"
        )


_NAME_WORD = re.compile(r"[^\W\d_]{3,}")


def _same(w: str, v: str) -> bool:
    """One word, or the same 4-letter stem ("refunds" / "refund")."""
    return w == v or (len(w) >= 4 and len(v) >= 4 and w[:4] == v[:4])


def grounded_name(reply: str, terms: Sequence[str], texts: Sequence[str] = ()) -> str | None:
    """The generator's name when it is grounded, else None. Grounded: its first line holds 1-8
    words, shares a word (or a 4-letter stem) with ``terms``, and has at most one content word
    found neither in ``terms`` nor in the cluster's ``texts`` (one paraphrase, "unprofessional",
    is fine; an invented theme is not). List markers, quotes, a trailing period and a "Name:"
    prefix are dropped (small models repeat the title as a list: the first line is the answer)."""
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    if not lines:
        return None
    name = re.sub(r"^([-*•]|\d+[.)])\s*", "", lines[0])
    name = re.sub(r"^(name|label|title)\s*:\s*", "", name, flags=re.I).strip(" \"'`*.")
    if not name or len(name.split()) > 8:
        return None
    words = {w.lower() for w in _NAME_WORD.findall(name)} - STOPWORDS
    vocab = {w for t in terms for w in t.split()}
    seen = vocab | {w.lower() for t in texts for w in _NAME_WORD.findall(t)}
    unseen = [w for w in words if not any(_same(w, v) for v in seen)]
    if not any(_same(w, v) for w in words for v in vocab) or len(unseen) > 1:
        return None
    return name


def polish_name(generator: Generator, terms: Sequence[str], quotes: Sequence[str]) -> str | None:
    """Ask ``generator`` for a short name for a complaint cluster; None when not grounded."""
    examples = "\n".join(f"- {' '.join(q.split())[:200]}" for q in quotes[:3])
    messages = [
        Message(
            "system",
            "You write short titles. Reply with a title of 2 to 6 words and nothing else.",
        ),
        Message(
            "user",
            f"Write a title for these complaints:\n{examples}\nKey words: {', '.join(terms[:6])}",
        ),
    ]
    reply = "".join(generator.generate(messages, Decoding(max_tokens=16, temperature=0.0)))
    return grounded_name(reply, terms, quotes)


def _negatives(
    vectors: np.ndarray, embedder: Embedder, model: SentimentModel | None, negative_only: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``(indices of complaint items, P(negative) of every item)``."""
    if not negative_only:
        return np.arange(len(vectors)), np.ones(len(vectors))
    from veracity.tasks.sentiment import SentimentAnalyzer

    head = SentimentAnalyzer(embedder, model).model
    p_pos = head.p_positive(vectors)  # (n,)
    keep = np.flatnonzero(p_pos < head.low)
    return keep, 1.0 - p_pos


def _build_cluster(
    c: int,
    x: np.ndarray,
    labels: np.ndarray,
    cent: np.ndarray,
    items: Sequence[FeedbackItem],
    neg: np.ndarray,
    terms: tuple[str, ...],
    quotes: int,
) -> ComplaintCluster:
    members = np.flatnonzero(labels == c)
    sims = x[members] @ cent[c]  # (m,)
    order = np.lexsort((members, -sims))[:quotes]  # closest first, ties by position
    best = [Quote(items[int(members[p])], float(sims[p])) for p in order]
    groups = Counter(g for g in (items[int(i)].group for i in members) if g is not None)
    name = term_name(terms)
    return ComplaintCluster(
        rank=0, name=name, term_name=name, named_by="terms", terms=terms, count=len(members),
        share=0.0, negativity=float(neg[members].mean()), quotes=tuple(best),
        members=tuple(int(i) for i in members),
        groups=tuple(sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))),
    )  # fmt: skip


def find_complaints(
    items: Sequence[FeedbackItem],
    *,
    embedder: Embedder | None = None,
    top: int = 5,
    negative_only: bool = True,
    sentiment_model: SentimentModel | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_size: int = 2,
    quotes: int = 3,
    generator: Generator | None = None,
    by: str | None = None,
) -> ComplaintReport:
    """Find, cluster, name, count and rank the complaints among ``items`` (see the module doc).

    ``embedder`` defaults to all-MiniLM-L6-v2; ``sentiment_model`` to the head shipped for it.
    ``by`` only labels the report: the items carry their groups (``read_feedback(by=...)``)."""
    _check(items, top, quotes)
    if embedder is None:
        from veracity.tasks.embedder import default_embedder

        embedder = default_embedder()
    vectors = np.asarray(embedder.embed([it.text for it in items]), dtype=np.float64)  # (n, d)
    keep, p_neg = _negatives(vectors, embedder, sentiment_model, negative_only)
    negative = [items[int(i)] for i in keep]
    x, neg = vectors[keep], p_neg[keep]
    labels = cluster(x, threshold=threshold, min_size=min_size)
    cent = centroids(x, labels) if len(x) else np.zeros((0, vectors.shape[1]))
    k = len(cent)
    texts = [it.text for it in negative]
    weights = class_tfidf(
        [[texts[i] for i in np.flatnonzero(labels == c)] for c in range(k)],
        background=[texts[i] for i in np.flatnonzero(labels < 0)],
    )
    found = [
        _build_cluster(c, x, labels, cent, negative, neg, top_terms(weights[c], NAME_TERMS), quotes)
        for c in range(k)
    ]
    found.sort(key=lambda cl: (-cl.count, -cl.negativity, cl.members[0]))
    ranked = []
    for rank, cl in enumerate(found, start=1):
        name, named_by = cl.term_name, "terms"
        if generator is not None and rank <= top:
            polished = polish_name(generator, cl.terms, [q.item.text for q in cl.quotes])
            if polished is not None:
                name, named_by = polished, "generator"
        share = cl.count / len(negative)
        ranked.append(_replace(cl, rank=rank, name=name, named_by=named_by, share=share))
    settings = {
        "embedder": embedder.name, "negative_only": negative_only, "threshold": threshold,
        "min_size": min_size, "algorithm": "average-linkage cosine, cut at threshold",
        "sampled": len(x) > MAX_LINKAGE,
        "generator": getattr(generator, "name", None) if generator is not None else None,
    }  # fmt: skip
    return ComplaintReport(
        clusters=tuple(ranked), items=tuple(negative), total=len(items), top=top,
        unclustered=int((labels < 0).sum()), by=by, settings=settings,
    )  # fmt: skip


def _replace(cl: ComplaintCluster, **changes: Any) -> ComplaintCluster:
    import dataclasses

    return dataclasses.replace(cl, **changes)
