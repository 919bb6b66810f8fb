"""Prioritization: rank items by negativity and urgency, with the reasons shown.

Urgency comes from explicit, documented cues (``CUES``), each a named pattern with a weight; the
matched cue names travel with the result, so a ranking can be checked and argued with. Weights
combine as a noisy-or, ``urgency = 1 - prod(1 - w)``, so two cues count more than one and the total
stays in [0, 1]. The priority blends the calibrated probability of negative sentiment with it:

    priority = NEGATIVITY_WEIGHT * (1 - p_positive) + (1 - NEGATIVITY_WEIGHT) * urgency

With the weight at 0.6 a calm but surely negative item (0.6) still outranks a happy one that
says "urgent" (about 0.3), and an angry, urgent one outranks both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from veracity.embed.base import Embedder
from veracity.errors import ConfigError
from veracity.tasks.sentiment import Sentiment, SentimentAnalyzer

NEGATIVITY_WEIGHT = 0.6


@dataclass(frozen=True, slots=True)
class Cue:
    """A named urgency cue: a regular expression (case-insensitive unless said) and its weight."""

    name: str
    pattern: str
    weight: float
    case_sensitive: bool = False


CUES: tuple[Cue, ...] = (
    Cue("explicit", r"\b(urgent(ly)?|asap|as soon as possible|immediately|right away|right now"
        r"|emergency|critical|top priority)\b", 0.6),
    Cue("safety", r"\b(danger(ous)?|unsafe|hazard(ous)?|injur(y|ed|ies)|fire|smok(e|ing)|burn(ed|t|s)?"
        r"|shock(ed)?|allergic|poison(ed|ing)?)\b", 0.6),
    Cue("blocked", r"\b(outage|(is|was|went|are|were) down|broken|crash(es|ed|ing)?"
        r"|(not|n't|stopped) (work(ing|s)?|load(ing)?|start(ing)?|turn(ing)? on)"
        r"|unable to|locked out|can(not|'t) (log ?in|sign in|access|use|connect))\b", 0.4),
    Cue("churn", r"\b(cancel(l?ing|l?ed)?|refund|chargeback|money back|lawyer|lawsuit|legal action"
        r"|sue|never (again|buy|order)|switch(ing)? to|return(ing)? (it|this))\b", 0.4),
    Cue("deadline", r"\b(deadline|today|tonight|tomorrow|by (monday|tuesday|wednesday|thursday"
        r"|friday|saturday|sunday|noon|eod|end of (the )?day)|within \d+ (minutes|hours|days))\b", 0.3),
    Cue("repeated", r"\b(still (not|no|waiting|broken|nothing)|again and again|(second|third|fourth"
        r"|\d+(st|nd|rd|th)) time|(several|many|multiple|\d+) (times|emails|calls|tickets)"
        r"|no (one|response|reply|answer) (yet|since|from|has)|(been )?waiting (for|since))\b", 0.3),
    Cue("emphasis", r"!{2,}|\b[A-Z]{2,}\b(?:\W+\b[A-Z]{2,}\b){2,}", 0.15, case_sensitive=True),
)  # fmt: skip

_COMPILED = tuple((c, re.compile(c.pattern, 0 if c.case_sensitive else re.I)) for c in CUES)


@dataclass(frozen=True, slots=True)
class Priority:
    """One ranked item: its input position, sentiment, urgency, matched cues and priority."""

    index: int
    sentiment: Sentiment
    urgency: float
    cues: tuple[str, ...]
    priority: float

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            **self.sentiment.as_dict(),
            "urgency": self.urgency,
            "cues": list(self.cues),
            "priority": self.priority,
        }


def urgency_cues(text: str) -> tuple[str, ...]:
    """Names of the ``CUES`` found in ``text``, in ``CUES`` order. Emphasis (``!!``, or three
    words in capitals in a row) is case-sensitive; the others are not."""
    return tuple(cue.name for cue, rx in _COMPILED if rx.search(text))


def urgency(cues: Sequence[str]) -> float:
    """Noisy-or of the named cues' weights: ``1 - prod(1 - w)``, in [0, 1)."""
    weights = {c.name: c.weight for c in CUES}
    unknown = [c for c in cues if c not in weights]
    if unknown:
        raise ConfigError(f"unknown urgency cues {unknown}; known: {list(weights)}")
    rest = 1.0
    for name in dict.fromkeys(cues):
        rest *= 1.0 - weights[name]
    return 1.0 - rest


def priority_score(negativity: float, urgency_: float) -> float:
    """``NEGATIVITY_WEIGHT * negativity + (1 - NEGATIVITY_WEIGHT) * urgency``, in [0, 1]."""
    return NEGATIVITY_WEIGHT * negativity + (1.0 - NEGATIVITY_WEIGHT) * urgency_


def rank(sentiments: Sequence[Sentiment]) -> list[Priority]:
    """Items by decreasing priority; ties go to the more negative, then the earlier item."""
    items = []
    for i, s in enumerate(sentiments):
        cues = urgency_cues(s.text)
        u = urgency(cues)
        items.append(Priority(i, s, round(u, 6), cues, round(priority_score(s.negativity, u), 6)))
    return sorted(items, key=lambda p: (-p.priority, p.sentiment.p_positive, p.index))


def prioritize(texts: Sequence[str], *, embedder: Embedder | None = None) -> list[Priority]:
    """Sentiment for each text, then ``rank``; the default embedder is all-MiniLM-L6-v2."""
    from veracity.tasks.embedder import default_embedder

    return rank(SentimentAnalyzer(embedder or default_embedder()).analyze(texts))
