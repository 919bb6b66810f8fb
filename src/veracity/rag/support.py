"""Check every answer sentence against the text it cites, and find a source for uncited ones."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.guard.grounding import SupportJudge
from veracity.guard.strict import claim_problems, question_problems
from veracity.rag.citations import AnswerSentence
from veracity.rag.prompt import Source
from veracity.records import SentenceSupport


def check_support(
    sentences: Sequence[AnswerSentence],
    sources: Sequence[Source],
    judge: SupportJudge,
    threshold: float,
    *,
    question: str | None = None,
    strict: bool = True,
) -> list[SentenceSupport]:
    """One verdict per sentence. A sentence is judged against the sources it cites; one that cites
    none (small models forget) is judged against each source, and the best one that supports it
    becomes its citation. Citing a number that is not a source counts as citing nothing.

    With ``strict`` (the default) the rules of ``guard.strict`` are hard vetoes: a sentence whose
    cited text breaks one is unsupported whatever the judge's score, with the reasons in
    ``problems``; with a ``question``, its key constraints (numbers, names, quoted strings) must
    be in each sentence's cited text too. An uncited sentence only takes a source that passes.
    """
    by_n = {s.n: s for s in sources}
    out: list[SentenceSupport] = []
    for sentence in sentences:
        cited = tuple(n for n in sentence.cited if n in by_n)
        claim = sentence.plain
        if cited:
            evidence = [by_n[n].hit.chunk.text for n in cited]
            score = judge.support(claim, evidence)
            problems = _problems(claim, evidence, question) if strict else ()
        else:
            cited, score, problems = _best_source(
                claim, sources, judge, threshold, question, strict
            )
        supported = score >= threshold and bool(cited) and not problems
        out.append(SentenceSupport(claim, cited, supported, round(score, 4), problems))
    return out


def _problems(claim: str, evidence: Sequence[str], question: str | None) -> tuple[str, ...]:
    found = claim_problems(claim, evidence)
    return found + question_problems(question, evidence) if question else found


def _best_source(
    claim: str,
    sources: Sequence[Source],
    judge: SupportJudge,
    threshold: float,
    question: str | None,
    strict: bool,
) -> tuple[tuple[int, ...], float, tuple[str, ...]]:
    """The citation an uncited sentence gets: the best-scoring source that reaches ``threshold``
    and, when ``strict``, passes the strict rules. With none, no citation, the best score seen
    and the problems of the best-scoring source (so the verdict says why)."""
    best_n, best = 0, 0.0
    top = 0.0  # the best-scoring source, passing or not (so best <= top), and its problems
    top_problems: tuple[str, ...] = ()
    for source in sources:
        score = judge.support(claim, [source.hit.chunk.text])
        if score <= top and score < threshold:
            continue  # can become neither the citation nor the score to report
        problems = _problems(claim, [source.hit.chunk.text], question) if strict else ()
        if score > top:
            top, top_problems = score, problems
        if not problems and score > best:
            best_n, best = source.n, score
    if best_n and best >= threshold:
        return (best_n,), best, ()
    return (), top, top_problems
