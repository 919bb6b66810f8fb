"""A small rule-based sentence splitter and content-word tokenizer for the guard's judges.

Kept here so the guard depends on nothing above it; abbreviations and initials are protected so
"U.S. forces" or "J. R. R. Tolkien" do not split.
"""

from __future__ import annotations

import re

from veracity.text.analyzer import fold

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "no",
    "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "fig", "al", "approx", "ca", "gen", "gov", "u.s", "u.k", "vol",
}  # fmt: skip
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.,'’-][A-Za-z0-9]+)*")

STOPWORDS = frozenset(
    {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "another", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "done", "during",
    "each", "either", "for", "from", "further", "had", "has", "have", "having", "he", "her",
    "here", "him", "his", "how", "i", "if", "in", "into", "is", "it", "it's", "its", "just",
    "may", "me", "might", "more", "most", "must", "my", "neither", "of", "off", "on", "once",
    "only", "onto", "or", "other", "our", "out", "over", "own", "per", "s", "same", "shall",
    "she", "should", "so", "some", "such", "t", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "through", "to", "under", "until", "up", "very",
    "via", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
    "whose", "why", "will", "with", "would", "you", "your"
    }
)  # fmt: skip
NEGATIONS = frozenset(
    {
    "aren't", "can't", "cannot", "couldn't", "didn't", "doesn't", "don't", "hadn't", "hasn't",
    "haven't", "isn't", "n't", "neither", "never", "no", "nobody", "none", "nor", "not",
    "nothing", "shouldn't", "wasn't", "weren't", "without", "won't", "wouldn't"
    }
)  # fmt: skip


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` (stripped of surrounding whitespace), split
    at ``.!?`` followed by space and a capital or digit."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()].rstrip("\"')]")
        last = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
        if last in _ABBREV or (len(last) == 1 and last.isalpha()):
            continue
        spans.append(_stripped(text, start, m.start()))
        start = m.end()
    spans.append(_stripped(text, start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences at ``.!?`` followed by space and a capital or digit."""
    return [text[a:b] for a, b in sentence_spans(text)]


def words(text: str) -> list[str]:
    """Lowercased word tokens, accents folded as the search analyzer folds them ("Café" ->
    "cafe": a question typed without the accent names the same thing); numbers keep inner
    ``.,`` (``1,000`` and ``3.5`` stay whole)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(fold(text))]


def content_words(text: str) -> list[str]:
    """Words that carry content: not stopwords, not negations."""
    return [w for w in words(text) if w not in STOPWORDS and w not in NEGATIONS]
