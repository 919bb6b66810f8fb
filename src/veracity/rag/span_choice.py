"""Which of the reader's candidate spans in a passage to try first.

The reader gives each passage its best span and the next-best distinct ones. When they lie in
different sentences, the one whose sentence holds more of the question's words is more often
right: the reader scores a span by the words around it, and a passage may hold the kind of
answer asked for in several sentences ("1951" for the ECSC, "1957" for the EEC). On the reader's
calibration articles of SQuAD v1.1 dev (604 questions on their gold paragraphs, never used to
train it), choosing by ``log(probability) + 0.5 * share of the question's terms in the span's
sentence`` raised F1 from 65.4 to 67.3 (weights from 0.25 to 0.75 all gave 67.1-67.4; the best
candidate every time would give 83.0). Measured with ``benchmarks/reader_answers.py`` on the
held-out articles.
"""

from __future__ import annotations

import math
from dataclasses import replace

from veracity.rag.reader.base import Reading
from veracity.rag.structure import content_terms
from veracity.text.sentences import split_sentences

__all__ = ["SENTENCE_WEIGHT", "by_sentence"]

SENTENCE_WEIGHT = 0.5


def by_sentence(question: str, text: str, reading: Reading) -> Reading:
    """``reading`` (of passage ``text``) with its candidates reordered by ``log(probability) +
    SENTENCE_WEIGHT * share of the question's terms in the candidate's sentence``. The
    probabilities stay with the ranks: the passage's answerability is its best candidate's, and
    the first span now carries it."""
    candidates = [reading, *reading.alternatives]
    asked = content_terms(question)
    if len(candidates) < 2 or not asked:
        return reading
    sentences = split_sentences(text) or [(0, len(text))]

    def share(r: Reading) -> float:
        s, e = next(((s, e) for s, e in sentences if s <= r.start < e), (0, len(text)))
        return len(asked & content_terms(text[s:e])) / len(asked)

    def key(r: Reading) -> float:
        return math.log(max(r.probability, 1e-9)) + SENTENCE_WEIGHT * share(r)

    order = sorted(candidates, key=key, reverse=True)
    if order[0] is reading:
        return reading
    ranked = [
        replace(r, probability=c.probability, score=c.score, alternatives=())
        for r, c in zip(order, candidates, strict=True)
    ]
    return replace(ranked[0], alternatives=tuple(ranked[1:]))
