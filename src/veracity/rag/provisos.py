"""A value given on a condition the person asking says is not theirs.

"7 years parts and labour if the boiler is registered with us" does not answer "We never got
round to registering the boiler. How long is the warranty?", and "If you give both --width and
--height, the image is scaled to fit" does not answer "If I don't give a width or height, how
big are the images?". The answer's sentence sets a condition ("if", "provided", "as long as",
"unless"), the message says the same thing (one of its clauses shares two content words with
the condition), and one of the two denies it while the other does not. ``proviso_problem``
finds that.
"""

from __future__ import annotations

import re

from veracity.guard.claims import content_stems
from veracity.guard.sentences import NEGATIONS, words
from veracity.rag.focus import scene_and_ask
from veracity.rag.structure import sentence_at

__all__ = ["proviso_problem"]

# A condition set in the answer's sentence, to the end of its clause.
_PROVISO = re.compile(
    r"\b(?P<word>if|unless|provided(?:\s+that)?|as\s+long\s+as|only\s+when|on\s+condition\s+that)"
    r"\s+(?P<cond>[^,.;:?!()]{3,160})",
    re.IGNORECASE,
)
# The message's clauses: its sentences cut at commas, semicolons and dashes.
_CLAUSE = re.compile(r"[^,.;:?!\n–—]+")
# A condition of the asking sentence: "If I don't give a width or height, ..."
_CONDITION = re.compile(r"\b(?:if|when|unless)\s+[^,?;]{3,160}", re.IGNORECASE)
# "..., unless the instructor cancels, in which case the next lesson is free"
_IN_WHICH_CASE = re.compile(r"\bin\s+(?:which|that|this)\s+case\b", re.IGNORECASE)
# How many content words a condition and what the message says must share to be about one thing
_SHARED = 2
# Words that deny without a negation word: "never got round to", "forgot to", "failed to".
_DENIALS = frozenset(("forgot", "forgotten", "failed", "neglected", "missed"))


def proviso_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is given on a condition that ``question`` (the whole
    message) says does not hold, or the other way round; "" when its sentence sets no
    condition, or the message says nothing of it. What the message says is in its scene (the
    sentences before the one that asks) and in the conditions of the asking sentence ("If I
    don't give a width, ..."), and shares two content words or more with the condition.
    "Unless X" is read as "if not X"."""
    lo, hi = sentence_at(text, start)
    said = _situation(question)
    for m in _PROVISO.finditer(text, lo, hi):
        denied = _governs(text, lo, m, start)
        if denied is None:
            continue
        condition = m.group("cond")
        terms = set(content_stems(condition))
        for clause in said:
            if len(terms & set(content_stems(clause))) >= _SHARED and _denied(clause) != denied:
                holds = "holds" if denied else "does not hold"
                return (
                    f"the answer is given {m.group('word').lower()} {' '.join(condition.split())}, and "
                    f"the question says that {holds}"
                )
    return ""


def _governs(text: str, lo: int, m: re.Match[str], start: int) -> bool | None:
    """Whether the condition ``m`` (in the sentence starting at ``lo``) governs the span at
    ``start`` denied (True) or as said (False); None when it does not govern it. A condition
    that opens its sentence ("If X, Y") governs what follows it; one after its main clause ("Y
    if X", "Y unless X") governs what comes before it, and what follows "in which case" after
    it, as said ("charged in full, unless the instructor cancels, in which case the next lesson
    is free")."""
    denied = _denied(m.group(0))
    if m.start() <= start < m.end():
        return denied  # "30 days" of "if the boiler is registered within 30 days"
    if not text[lo : m.start()].strip():
        return denied if start >= m.end() else None
    if start < m.start():
        return denied
    if _IN_WHICH_CASE.search(text, m.end(), start):
        return _denied(m.group("cond"))
    return None


def _situation(question: str) -> list[str]:
    """The clauses in which ``question`` says what holds for the person asking: those of its
    scene, and the conditions of its asking sentence."""
    scene, ask = scene_and_ask(question)
    return _CLAUSE.findall(scene) + [m.group(0) for m in _CONDITION.finditer(ask)]


def _denied(clause: str) -> bool:
    """Whether ``clause`` denies what it says: a negation ("don't", "never"), a word that
    denies ("forgot to"), or an opening "unless", but not both."""
    said = words(clause)
    negated = any(w in NEGATIONS or w.endswith("n't") or w in _DENIALS for w in said)
    return negated != (said[:1] == ["unless"])
