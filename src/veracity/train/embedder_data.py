"""Label-free training pairs for the embedder: inverse-cloze queries and mined hard negatives.

Inverse cloze task (Lee, Chang & Toutanova 2019, "Latent Retrieval for Weakly Supervised Open
Domain Question Answering"): one sentence of a passage is the pseudo-query and the rest of the
passage, that sentence cut out, is its positive, so the model must match a sentence to its context
rather than to its own words. Hard negatives are the passages BM25 and the current embedder rank
highest for the query, as in GPL (Wang et al. 2022, "GPL: Generative Pseudo Labeling for
Unsupervised Domain Adaptation of Dense Retrieval"), minus any passage that could be a positive:
the source passage, passages of the same document (``groups``), and any passage that holds the
query sentence itself (overlapping chunks, duplicated text).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from veracity.errors import ConfigError
from veracity.text.sentences import split_sentences

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class IctPair:
    """``query == passage[start:end]``; ``positive`` is the passage with that span cut out."""

    query: str
    positive: str
    source: int  # index of the passage in the list the pair was drawn from
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TrainPair:
    query: str
    positive: str
    negatives: tuple[str, ...]
    source: int = (
        -1
    )  # the passage the pair came from: pairs of one source are not in-batch negatives


def cut_span(text: str, start: int, end: int) -> str:
    """``text`` without ``text[start:end]``, the two sides joined by one space."""
    left, right = text[:start].rstrip(), text[end:].lstrip()
    return f"{left} {right}".strip() if left and right else (left or right)


def ict_pairs(
    passages: Sequence[str],
    n: int,
    seed: int = 0,
    min_sentences: int = 3,
    min_chars: int = 40,
    max_chars: int = 400,
) -> list[IctPair]:
    """Up to ``n`` inverse-cloze pairs, at most one per passage per round over a shuffled order
    (so a small corpus gives several distinct sentences per passage, a big one spreads wide).

    A passage qualifies when it has ``min_sentences`` sentences or more, so the positive keeps at
    least two; a sentence qualifies when it is ``min_chars``-``max_chars`` long (headings and
    run-on tables make poor queries)."""
    if n < 1:
        raise ConfigError(f"the number of inverse-cloze pairs must be >= 1, got {n}")
    rng = random.Random(seed)
    choices: dict[int, list[tuple[int, int]]] = {}
    for i, text in enumerate(passages):
        spans = split_sentences(text)
        if len(spans) < min_sentences:
            continue
        ok = [(s, e) for s, e in spans if min_chars <= e - s <= max_chars]
        if ok:
            rng.shuffle(ok)
            choices[i] = ok
    order = sorted(choices)
    rng.shuffle(order)
    pairs: list[IctPair] = []
    while order and len(pairs) < n:
        for i in order:
            if len(pairs) >= n:
                break
            s, e = choices[i].pop()
            pairs.append(IctPair(passages[i][s:e], cut_span(passages[i], s, e), i, s, e))
        order = [i for i in order if choices[i]]
    return pairs


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def mine_negatives(
    pairs: Sequence[IctPair],
    passages: Sequence[str],
    query_vectors: np.ndarray | None = None,
    passage_vectors: np.ndarray | None = None,
    groups: Sequence[str] | None = None,
    per_pair: int = 1,
    depth: int = 10,
    skip: int = 0,
    seed: int = 0,
) -> list[TrainPair]:
    """Each pair with ``per_pair`` hard negatives, taken in turn from BM25's ranking and (when
    vectors are given: ``query_vectors`` (q, dim) and ``passage_vectors`` (n, dim), L2-normalized)
    the embedder's, after skipping each ranking's first ``skip`` admissible hits (a guard against
    unlabelled positives); the negatives are drawn at random from the first ``depth`` passages of
    the two rankings interleaved. Pairs with no admissible negative are dropped."""
    from veracity.index.bm25 import BM25Index
    from veracity.text.analyzer import get_analyzer

    if per_pair < 0 or depth < 1 or skip < 0:
        raise ConfigError(
            f"need per_pair >= 0, depth >= 1, skip >= 0; got {per_pair}, {depth}, {skip}"
        )
    if groups is not None and len(groups) != len(passages):
        raise ConfigError(f"groups has {len(groups)} entries for {len(passages)} passages")
    if per_pair == 0:
        return [TrainPair(p.query, p.positive, (), p.source) for p in pairs]
    bm25 = BM25Index(get_analyzer("english"), backend="numpy")
    bm25.add(list(range(len(passages))), list(passages))
    wide = depth + skip + 8  # a few more, since inadmissible hits are dropped
    lexical = [ids.tolist() for ids, _ in bm25.search_many([p.query for p in pairs], wide)]
    dense: list[list[int]] = [[] for _ in pairs]
    if query_vectors is not None and passage_vectors is not None:
        sims = np.asarray(query_vectors, np.float32) @ np.asarray(passage_vectors, np.float32).T
        k = min(wide, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        dense = [row[np.argsort(-sims[i, row])].tolist() for i, row in enumerate(top)]
    normed = [_norm(t) for t in passages]
    rng = random.Random(seed)
    out: list[TrainPair] = []
    for i, pair in enumerate(pairs):
        q = _norm(pair.query)

        def admissible(j: int, pair: IctPair = pair, q: str = q) -> bool:
            same_group = groups is not None and groups[j] == groups[pair.source]
            return j != pair.source and not same_group and q not in normed[j]

        lists = [
            [j for j in r if admissible(j)][skip : skip + depth] for r in (dense[i], lexical[i])
        ]
        chosen: list[int] = []
        for rank in range(depth):
            for ranking in lists:
                if rank < len(ranking) and ranking[rank] not in chosen:
                    chosen.append(ranking[rank])
        if not chosen:
            continue
        pool = chosen[:depth]  # the hardest ``depth`` of the interleaved rankings
        picked = rng.sample(pool, min(per_pair, len(pool)))
        out.append(
            TrainPair(pair.query, pair.positive, tuple(passages[j] for j in picked), pair.source)
        )
    return out


def save_pairs(pairs: Sequence[TrainPair], path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
    tmp.replace(path)


def load_pairs(path: Path) -> list[TrainPair]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.append(
                TrainPair(row["query"], row["positive"], tuple(row["negatives"]), row["source"])
            )
    return out
