"""Check every answer sentence against the text it cites, and find a source for uncited ones."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.guard.grounding import SupportJudge
from veracity.rag.citations import AnswerSentence
from veracity.rag.prompt import Source
from veracity.records import SentenceSupport


def check_support(
    sentences: Sequence[AnswerSentence],
    sources: Sequence[Source],
    judge: SupportJudge,
    threshold: float,
) -> list[SentenceSupport]:
    """One verdict per sentence. A sentence is judged against the sources it cites; one that cites
    none (small models forget) is judged against each source, and the best one that supports it
    becomes its citation. Citing a number that is not a source counts as citing nothing."""
    by_n = {s.n: s for s in sources}
    out: list[SentenceSupport] = []
    for sentence in sentences:
        cited = tuple(n for n in sentence.cited if n in by_n)
        claim = sentence.plain
        if cited:
            score = judge.support(claim, [by_n[n].hit.chunk.text for n in cited])
        else:
            best_n, score = 0, 0.0
            for source in sources:
                s = judge.support(claim, [source.hit.chunk.text])
                if s > score:
                    best_n, score = source.n, s
            cited = (best_n,) if best_n and score >= threshold else ()
        out.append(
            SentenceSupport(claim, cited, score >= threshold and bool(cited), round(score, 4))
        )
    return out
