"""Entities of custom types through a generator: ``extract_with_generator(text, types, gen)``.

For types the CRF was never trained on (PRODUCT, DRUG, CLAUSE...), any ``Generator`` is asked to
list mentions as ``TYPE | exact text`` lines. Its reply is never trusted as is: a mention becomes
an entity only where those exact characters occur in the source (whole words, case-sensitive),
of a type that was asked for, so every span points at real text; made-up mentions are dropped.
Long texts go in windows of whole sentences. Generator entities carry ``score = 1.0``: the
generator gives no confidence, so filter by type or text instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from veracity.errors import ConfigError
from veracity.generate.base import Generator
from veracity.records import Decoding, Message
from veracity.tasks.entities.extract import Entity
from veracity.text.sentences import split_sentences

__all__ = ["extract_with_generator", "locate_mentions", "parse_mentions"]

_TYPE_NAME = re.compile(r"^[A-Z][A-Z0-9_ -]{0,39}$")
_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*([A-Za-z][\w -]{0,39}?)\s*[|:]\s*(.+?)\s*$")
_QUOTES = "\"'“”‘’`"
_DEFAULT_DECODING = Decoding(temperature=0.0, max_tokens=256)
_SYSTEM = (
    "You find named entities in a passage. List each mention on its own line as "
    "TYPE | exact text, copying the text exactly as it is written in the passage. "
    "Use only these types: {types}. Write nothing else; if there are none, write NONE."
)


def extract_with_generator(
    text: str,
    types: Iterable[str],
    generator: Generator,
    *,
    decoding: Decoding | None = None,
    window_chars: int = 2000,
) -> list[Entity]:
    """Entities of ``types`` in ``text`` found by ``generator``, as checked character spans.

    The text is sent in windows of whole sentences of about ``window_chars`` characters.
    """
    kinds = _check_type_names(types)
    if window_chars < 1:
        raise ConfigError(f"window_chars must be >= 1, got {window_chars}")
    system = _SYSTEM.format(types=", ".join(kinds))
    found: list[Entity] = []
    for start, end in _windows(text, window_chars):
        messages = [Message("system", system), Message("user", text[start:end])]
        reply = "".join(generator.generate(messages, decoding or _DEFAULT_DECODING))
        mentions = [(k, m) for k, m in parse_mentions(reply) if k in kinds]
        found.extend(locate_mentions(text, mentions, start, end))
    return found


def parse_mentions(reply: str) -> list[tuple[str, str]]:
    """``(TYPE, mention)`` pairs from ``TYPE | text`` (or ``TYPE: text``) lines of a reply."""
    pairs: list[tuple[str, str]] = []
    for line in reply.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        mention = m.group(2).strip().strip(_QUOTES).strip()
        if mention and mention.upper() != "NONE":
            pairs.append((m.group(1).strip().upper().replace(" ", "_"), mention))
    return pairs


def locate_mentions(
    text: str, mentions: Sequence[tuple[str, str]], start: int = 0, end: int | None = None
) -> list[Entity]:
    """Every whole-word occurrence of each mention in ``text[start:end]``, as entities in order.

    Where spans overlap, the earlier one wins, and the longer one on a tie ("New York" over "York").
    """
    stop = len(text) if end is None else end
    spans: list[Entity] = []
    for kind, mention in dict.fromkeys(mentions):
        pattern = re.compile(rf"(?<!\w){re.escape(mention)}(?!\w)")
        for m in pattern.finditer(text, start, stop):
            spans.append(Entity(m.group(), kind, m.start(), m.end(), 1.0))
    spans.sort(key=lambda e: (e.start, -(e.end - e.start), e.label))
    kept: list[Entity] = []
    for e in spans:
        if not kept or e.start >= kept[-1].end:
            kept.append(e)
    return kept


def _check_type_names(types: Iterable[str]) -> tuple[str, ...]:
    if isinstance(types, str):
        types = types.split(",")
    kinds = tuple(dict.fromkeys(t.strip().upper().replace(" ", "_") for t in types if t.strip()))
    bad = [k for k in kinds if not _TYPE_NAME.match(k)]
    if not kinds or bad:
        raise ConfigError(
            f"entity types must be short names of letters, digits and _ (e.g. PRODUCT, DRUG); "
            f"got {bad or 'none'}"
        )
    return kinds


def _windows(text: str, size: int) -> Iterator[tuple[int, int]]:
    """Runs of whole sentences of at most about ``size`` characters (a longer sentence alone)."""
    begin: int | None = None
    last = 0
    for s, e in split_sentences(text):
        if begin is None:
            begin = s
        elif e - begin > size:
            yield begin, last
            begin = s
        last = e
    if begin is not None:
        yield begin, last
