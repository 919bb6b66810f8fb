"""Named entities in text as exact character spans: ``extract(text)``.

::

    >>> from veracity.tasks.entities import extract
    >>> [(e.text, e.label) for e in extract("Angela Merkel visited Paris.")]  # doctest: +SKIP
    [('Angela Merkel', 'PER'), ('Paris', 'LOC')]

The text is cut into sentences (``veracity.text.sentences``), each sentence into CoNLL-style
tokens with offsets (``tokenize``), the CRF tags the tokens, and the IOB2 chunks become spans of
the source: ``text[e.start:e.end] == e.text`` always holds. ``score`` is the smallest marginal
probability of the entity's tags, a calibrated-ish confidence the caller may threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from veracity.errors import ConfigError
from veracity.tasks.entities.iob import ENTITY_TYPES, iob_chunks
from veracity.tasks.entities.tagger import load_tagger
from veracity.tasks.entities.tokenize import Token, tokenize
from veracity.text.sentences import split_sentences

__all__ = ["Entity", "check_types", "extract"]

# Longer sentences are tagged in windows of this many tokens: Viterbi is linear in length, but a
# "sentence" of a whole unpunctuated file would otherwise be one huge array.
_MAX_TOKENS = 256


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity: ``text == source[start:end]``; ``label`` is its type; ``score`` in [0, 1]."""

    text: str
    label: str
    start: int
    end: int
    score: float = 1.0

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }


def check_types(types: Iterable[str] | None, known: Sequence[str] = ENTITY_TYPES) -> frozenset[str]:
    """``types`` as a set of known labels (all of ``known`` for None); unknown ones are refused."""
    if types is None:
        return frozenset(known)
    wanted = frozenset(t.strip().upper() for t in types if t.strip())
    unknown = sorted(wanted - set(known))
    if unknown or not wanted:
        raise ConfigError(
            f"unknown entity types {unknown or '(none given)'}; the tagger knows "
            f"{', '.join(known)}. For other types use a generator (--generator, or extract_with_generator)"
        )
    return wanted


def extract(
    text: str,
    types: Iterable[str] | None = None,
    *,
    model: str | Path | None = None,
    min_score: float = 0.0,
) -> list[Entity]:
    """The entities of ``text`` in order, as character spans.

    ``types``: keep only these (PER, ORG, LOC, MISC; default all). ``model``: a ``.npz`` written by
    ``python -m benchmarks.train_entities`` (default: the shipped CoNLL-2003 tagger).
    ``min_score``: drop entities whose confidence is lower.
    """
    if not isinstance(text, str):
        raise ConfigError(f"extract() takes text as a str, got {type(text).__name__}")
    if not 0.0 <= min_score <= 1.0:
        raise ConfigError(f"min_score must be in [0, 1], got {min_score}")
    wanted = check_types(types)
    tagger = load_tagger(model)
    entities: list[Entity] = []
    for start, end in split_sentences(text):
        tokens = tokenize(text, start, end)
        for i in range(0, len(tokens), _MAX_TOKENS):
            window = tokens[i : i + _MAX_TOKENS]
            tags, probs = tagger.tag_with_marginals([t.text for t in window])
            for kind, a, b in iob_chunks(tags):
                score = float(probs[a:b].min())
                if kind in wanted and score >= min_score:
                    entities.append(_span(text, window, kind, a, b, score))
    return entities


def _span(text: str, tokens: Sequence[Token], kind: str, a: int, b: int, score: float) -> Entity:
    start, end = tokens[a].start, tokens[b - 1].end
    return Entity(text[start:end], kind, start, end, min(1.0, max(0.0, score)))
