"""Labelled queries from a collection's own text, for tuning fusion without a single judgement.

``cloze_queries`` (the default of ``veracity tune``): a sentence drawn from a chunk is the query,
the chunks holding that sentence are taken out of the ranking, and the other chunks of the same
document are the answers: the inverse cloze task (Lee, Chang, Toutanova 2019, "Latent Retrieval
for Weakly Supervised Open Domain QA"). The query shares a topic with its answers but not its
words verbatim, like a real question. ``synthetic_queries`` (the sentence's own chunk as the
answer) copies the text verbatim, which nearly any BM25 solves, so it pulls the choice toward
lexical weights.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from veracity.errors import ConfigError
from veracity.text.sentences import split_sentences

MIN_WORDS, MAX_WORDS = 6, 30


def _sentences(text: str) -> list[str]:
    """The sentences of ``text`` (``split_sentences``: rules, abbreviations, line structure)."""
    return [" ".join(text[s:e].split()) for s, e in split_sentences(text)]


def _query_sentence(text: str, rng: random.Random) -> str | None:
    """A sentence of 6-30 words, preferring middle ones (first/last are often headings or cut)."""
    sents = _sentences(text)
    ok = [i for i, s in enumerate(sents) if MIN_WORDS <= len(s.split()) <= MAX_WORDS]
    middle = [i for i in ok if 0 < i < len(sents) - 1]
    pool = middle or ok
    return sents[rng.choice(pool)] if pool else None


def synthetic_queries(
    chunks: Sequence[tuple[int, str]], n: int, seed: int = 0, keep: float = 1.0
) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Up to ``n`` labelled queries drawn from ``chunks`` (``(id, text)``), deterministic in seed.

    Chunks are visited in a seeded shuffle of id order (so input order does not matter); each
    gives one query: a random middle sentence of 6-30 words (any such sentence when the chunk has
    no middle one; chunks without one are skipped, so fewer than ``n`` may come back). The qrels
    mark with relevance 1 the source chunk and every other chunk holding the same sentence
    (overlapping chunkers repeat text), as ``str(id)``. Sentences come from
    ``veracity.text.sentences.split_sentences``, with runs of whitespace collapsed to one space.
    Query ids are ``"syn-0"``, ``"syn-1"``...

    ``keep`` < 1 keeps only that share of the sentence's words (at least 4, in order, seeded):
    verbatim sentences are nearly solved by BM25 alone, and queries with missing words stand in
    better for real questions that share only some terms with their answer.
    """
    if n < 0:
        raise ConfigError(f"n must be >= 0, got {n}")
    if not 0.0 < keep <= 1.0:
        raise ConfigError(f"keep must be in (0, 1], got {keep}")
    rng = random.Random(seed)
    ordered = sorted(chunks, key=lambda c: c[0])
    flat = [(cid, " ".join(text.split())) for cid, text in ordered]
    order = list(range(len(ordered)))
    rng.shuffle(order)
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    used: set[str] = set()
    for i in order:
        if len(queries) >= n:
            break
        cid, text = ordered[i]
        sentence = _query_sentence(text, rng)
        if sentence is None or sentence in used:
            continue
        used.add(sentence)
        qid = f"syn-{len(queries)}"
        queries[qid] = _drop_words(sentence, keep, rng) if keep < 1.0 else sentence
        qrels[qid] = {str(cid): 1} | {str(o): 1 for o, t in flat if o != cid and sentence in t}
    return queries, qrels


def _drop_words(sentence: str, keep: float, rng: random.Random) -> str:
    """A seeded, order-preserving subset of ``keep`` of the words (at least 4)."""
    words = sentence.split()
    m = min(len(words), max(4, round(len(words) * keep)))
    picked = sorted(rng.sample(range(len(words)), m))
    return " ".join(words[i] for i in picked)


@dataclass(frozen=True, slots=True)
class ClozeSet:
    """Inverse-cloze queries: ``queries`` and ``qrels`` as for ``tune_fusion``, and per query the
    chunk ids (as ``str``) to take out of every ranked list before scoring (``exclude``)."""

    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    exclude: dict[str, frozenset[str]]


def cloze_queries(
    chunks: Sequence[tuple[int, str]],
    document_of: Mapping[int, str],
    n: int,
    seed: int = 0,
) -> ClozeSet:
    """Up to ``n`` inverse-cloze queries from ``chunks`` (``(id, text)``), deterministic in seed.

    Chunks are visited in a seeded shuffle of id order. A chunk gives a query when its document
    (``document_of[id]``; chunks missing there are skipped) has at least one other chunk that
    does not hold the drawn sentence (a middle sentence of 6-30 words, as in
    ``synthetic_queries``). The document's chunks holding the sentence (the source, and overlap
    copies) are excluded, its other chunks are relevant (1); another document that repeats the
    sentence verbatim stays in the ranking as a non-relevant hit. Query ids are ``"ict-0"``, ...
    """
    if n < 0:
        raise ConfigError(f"n must be >= 0, got {n}")
    rng = random.Random(seed)
    ordered = sorted(chunks, key=lambda c: c[0])
    flat = {cid: " ".join(text.split()) for cid, text in ordered}
    mates: dict[str, list[int]] = {}
    for cid, _ in ordered:
        if cid in document_of:
            mates.setdefault(document_of[cid], []).append(cid)
    order = list(range(len(ordered)))
    rng.shuffle(order)
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    exclude: dict[str, frozenset[str]] = {}
    used: set[str] = set()
    for i in order:
        if len(queries) >= n:
            break
        cid, text = ordered[i]
        siblings = mates[document_of[cid]] if cid in document_of else []
        if len(siblings) < 2:
            continue
        sentence = _query_sentence(text, rng)
        if sentence is None or sentence in used:
            continue
        holding = {str(o) for o in siblings if sentence in flat[o]}
        answers = {str(o): 1 for o in siblings if str(o) not in holding}
        if not answers:
            continue
        used.add(sentence)
        qid = f"ict-{len(queries)}"
        queries[qid] = sentence
        qrels[qid] = answers
        exclude[qid] = frozenset(holding | {str(cid)})
    return ClozeSet(queries, qrels, exclude)
