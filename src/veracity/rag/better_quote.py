"""A yes/no question quoted from the sentence that names what it asks about, across passages.

The reader answers a yes/no question by its best span, and the engine quotes that span's
sentence (or the sentence of the same passage that holds the most of the question's words:
``structure.named_sentence``). The passage may be the wrong one: "Can I pay for my test with an
American Express card?" was quoted "Fees for motorcycle tests taken on a moped ...", from the fee
table the reader liked, while another retrieved passage says "We do not accept American
Express". ``better_sentence`` finds, over the passages read, the sentence that holds clearly
more of what the question names than the quote does, each word weighed by how rare it is in
English (``rag.background``: "American Express" names a sentence more than "pay" does). The
caller quotes it instead when it passes every check, and keeps the reader's quote otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from veracity.rag.named_entries import weight
from veracity.rag.structure import content_terms, is_title_sentence
from veracity.text.sentences import split_sentences

__all__ = ["MARGIN", "Better", "better_sentence"]

# How much more the better sentence must name, in idf-weighted words: about one word rare in
# English ("waiver", "Express"), so that a tie on common words ("pay", "get") keeps the reader's.
MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class Better:
    """The sentence ``texts[passage][start:end]`` and how much more it names than the quote."""

    passage: int
    start: int
    end: int
    gain: float


def better_sentence(
    question: str, texts: Sequence[str], quoted: tuple[int, int, int], margin: float = MARGIN
) -> list[Better]:
    """The sentences of ``texts`` (the passages read) that hold at least ``margin`` more of
    ``question``'s content words, weighed by rarity, than the quoted sentence ``quoted``
    (``(passage, start, end)``), most first; headings left out (a heading names a topic and
    asserts nothing)."""
    asked = content_terms(question)
    if len(asked) < 2:
        return []
    p, s, e = quoted
    mine = weight(asked & content_terms(texts[p][s:e]))
    out = [
        Better(i, a, b, gain)
        for i, text in enumerate(texts)
        for a, b in split_sentences(text)
        if (i, a, b) != quoted
        and b > a
        and not is_title_sentence(text, a, b)
        and (gain := weight(asked & content_terms(text[a:b])) - mine) >= margin
    ]
    return sorted(out, key=lambda x: -x.gain)
