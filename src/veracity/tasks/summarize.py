"""Extractive summaries of a document, a folder or a search result, every sentence cited and checked.

Why extractive. The shipped generator (SmolLM2-135M) invents facts when it writes freely, so the
summary is built from the source's own sentences: each one is cited by construction to its
passage and character span, and the support judge (``rag.support.check_support``, the same check
answers get) re-reads it against the cited passage; a sentence the judge does not find supported
is dropped, counted, and replaced by the next-ranked one. Centrality follows centroid-based summarization (Radev et al. 2004):
sentences closest to the mean embedding carry what the text is mostly about; MMR (Carbonell &
Goldstein 1998, ``retrieve.mmr``) keeps the picks from repeating each other.

Map-reduce for long inputs: passages go in groups of ``group_size``; each group contributes its
``2 * sentences`` most central, diverse sentences (map; half are spares for rejected picks);
while the pooled picks exceed one group's worth they are grouped and picked again (reduce); the
last round ranks the pool against the centroid of *all* sentences, so a long input is summarized
by what it is mostly about, not by its last group. The judge reads the ranked picks until
``sentences`` pass; those are put back in source order.

    from veracity.tasks.summarize import summarize
    summary = summarize(passages, sentences=5)      # passages: FeedbackItem spans (see feedback.py)
    print(summary.text)                             # "First sentence [1]. Second [2]."
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from veracity.embed.base import Embedder
from veracity.errors import ConfigError
from veracity.guard.grounding import SUPPORT_THRESHOLD, SupportJudge
from veracity.tasks.feedback import FeedbackItem

# A passage is any cited span of text: a file's text, a chunk, a search hit (same record as a
# feedback item: text, source, character span, chunk and document ids).
Passage = FeedbackItem
MIN_WORDS = 4  # shorter "sentences" (headings, list stubs) are not summary material
_NOT_PROSE = re.compile(r"^\s*(#|```|~~~)|\|.*\|")  # headings, code fences, table rows
MMR_LAMBDA = 0.7


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One summary sentence: ``n`` its citation number, ``start``/``end`` its span in ``source``."""

    n: int
    text: str
    source: str
    start: int
    end: int
    chunk_id: str
    document_id: str
    support: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "text": self.text,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "chunk_id": self.chunk_id or None,
            "document_id": self.document_id or None,
            "support": self.support,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """The cited sentences in source order, and what the run read and dropped."""

    sentences: tuple[SummarySentence, ...]
    passages: int
    candidates: int
    rounds: int
    unsupported: int  # picked, then dropped by the support judge (the next pick took its place)

    @property
    def text(self) -> str:
        return " ".join(f"{s.text} [{s.n}]" for s in self.sentences)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "sentences": [s.as_dict() for s in self.sentences],
            "passages": self.passages,
            "candidates": self.candidates,
            "rounds": self.rounds,
            "unsupported": self.unsupported,
        }


@dataclass(frozen=True, slots=True)
class _Candidate:
    passage: int
    start: int  # offsets into the passage's source (the document for chunks)
    end: int
    text: str


def candidates(passages: Sequence[Passage]) -> list[_Candidate]:
    """The prose sentences of every passage (no table rows, headings or code fences),
    de-duplicated by source span (chunks overlap)."""
    from veracity.text.sentences import split_sentences

    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for i, p in enumerate(passages):
        for s, e in split_sentences(p.text):
            text = p.text[s:e]
            key = (p.source, p.document_id, p.start + s, p.start + e)
            if len(text.split()) < MIN_WORDS or _NOT_PROSE.search(text) or key in seen:
                continue
            seen.add(key)
            out.append(_Candidate(i, p.start + s, p.start + e, text))
    return out


def _pick(x: np.ndarray, idx: list[int], k: int, centre: np.ndarray | None = None) -> list[int]:
    """``k`` central, diverse rows among ``idx`` (MMR against ``centre``, else their centroid)."""
    from veracity.retrieve.mmr import mmr

    sub = x[idx]  # (m, d)
    q = sub.mean(axis=0) if centre is None else centre  # (d,)
    return [idx[j] for j in mmr(q, sub, None, k, MMR_LAMBDA)]


def select(x: np.ndarray, groups: list[list[int]], k: int, group_cap: int) -> tuple[list[int], int]:
    """Map-reduce selection over rows of ``x`` (``(n, d)``): ``(ranked rows, rounds)``. The last
    round ranks the whole remaining pool by MMR against the centroid of all rows, so a pick the
    support judge rejects can be replaced by the next one."""
    keep = 2 * k  # the summary length and as many spares for picks the judge rejects
    pool = [i for g in groups for i in _pick(x, g, keep)]
    rounds = 1
    while len(pool) > group_cap:
        pool = [
            i
            for at in range(0, len(pool), group_cap)
            for i in _pick(x, pool[at : at + group_cap], keep)
        ]
        rounds += 1
    centre = x.mean(axis=0)  # the whole input's centroid decides the final order
    return _pick(x, pool, len(pool), centre), rounds + 1


def summarize(
    passages: Sequence[Passage],
    *,
    sentences: int = 5,
    embedder: Embedder | None = None,
    judge: SupportJudge | None = None,
    threshold: float = SUPPORT_THRESHOLD,
    group_size: int = 8,
) -> Summary:
    """Up to ``sentences`` cited sentences from ``passages`` (see the module doc).

    ``judge`` defaults to ``guard.grounding.best_judge``; ``group_size`` passages form one map
    group."""
    if sentences < 1 or group_size < 1:
        raise ConfigError(f"sentences and group_size must be >= 1, got {sentences}, {group_size}")
    cands = candidates(passages)
    if not cands:
        raise ConfigError(
            f"nothing to summarize: no sentence of {MIN_WORDS}+ words in the input "
            "(check the file, or the collection, --doc/--query and your --labels)"
        )
    if embedder is None:
        from veracity.tasks.embedder import default_embedder

        embedder = default_embedder()
    x = np.asarray(embedder.embed([c.text for c in cands]), dtype=np.float64)  # (n, d)
    by_group: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        by_group.setdefault(c.passage // group_size, []).append(i)
    ranked, rounds = select(x, list(by_group.values()), sentences, group_size * 2 * sentences)
    return _checked(
        passages, [cands[i] for i in ranked], sentences, judge, threshold, len(cands), rounds
    )


def _checked(
    passages: Sequence[Passage],
    ranked: list[_Candidate],
    k: int,
    judge: SupportJudge | None,
    threshold: float,
    n_candidates: int,
    rounds: int,
) -> Summary:
    """Judge the ranked picks against their cited passages until ``k`` pass; number those 1..k in
    source order."""
    from veracity.rag.citations import AnswerSentence
    from veracity.rag.prompt import Source
    from veracity.rag.support import check_support
    from veracity.records import Chunk, Hit

    if judge is None:
        from veracity.guard.grounding import best_judge

        judge = best_judge()
    kept: list[tuple[_Candidate, float]] = []
    dropped = 0
    for c in ranked:
        if len(kept) == k:
            break
        p = passages[c.passage]
        chunk = Chunk(
            p.chunk_id or f"passage-{c.passage}", p.document_id, 0, p.text, p.start, p.end
        )
        sentence = AnswerSentence(f"{c.text} [1]", (1,))
        verdict = check_support(
            [sentence], [Source(1, Hit(chunk, 1.0, p.source))], judge, threshold
        )
        if verdict[0].supported:
            kept.append((c, verdict[0].score))
        else:
            dropped += 1
    kept.sort(key=lambda cs: (cs[0].passage, cs[0].start))
    out = tuple(
        SummarySentence(n, c.text, passages[c.passage].source, c.start, c.end,
                        passages[c.passage].chunk_id, passages[c.passage].document_id, score)
        for n, (c, score) in enumerate(kept, start=1)
    )  # fmt: skip
    return Summary(out, len(passages), n_candidates, rounds, dropped)


def file_passages(paths: Sequence[Any]) -> list[Passage]:
    """The chunks of the documents in files or folders (any format ``ingest`` loads), each with
    its document offsets; a row of a .csv/.jsonl is a document. Unreadable rows are skipped."""
    from pathlib import Path

    from veracity.ingest.loaders import iter_files, load
    from veracity.records import Document
    from veracity.text.chunker import chunk_document

    out = []
    for path in iter_files([Path(p).expanduser() for p in paths]):
        for doc in load(path):
            if not isinstance(doc, Document):
                continue
            for c in chunk_document(doc):
                out.append(Passage(c.text, doc.uri, c.start, c.end, None, doc.id, c.id))
    return out


def text_passages(text: str, source: str = "text") -> list[Passage]:
    """Given text (not a stored document) in chunks, with offsets into it; ``source`` names it."""
    from veracity.records import Document
    from veracity.text.chunker import chunk_document

    chunks = chunk_document(Document.make(source, text))
    return [Passage(c.text, source, c.start, c.end, None, "", c.id) for c in chunks]


def hit_passages(hits: Sequence[Any]) -> list[Passage]:
    """Search hits (``records.Hit``) as passages, for summarizing a search result."""
    return [
        Passage(
            h.chunk.text, h.uri, h.chunk.start, h.chunk.end, None, h.chunk.document_id, h.chunk.id
        )
        for h in hits
    ]
