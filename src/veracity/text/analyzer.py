"""Analyzers for lexical search: text in, index terms out.

The English analyzer follows what Lucene's ``EnglishAnalyzer`` and bm25s do by default, so BM25
figures stay comparable with theirs: Unicode folding (NFKD, combining marks dropped), lowercase,
tokens of two or more word characters (bm25s' ``(?u)\\b\\w\\w+\\b``), Lucene's English stop set, and
Snowball English stemming (PyStemmer). Where Lucene uses the Porter stemmer, pass
``stemmer="porter"``.

The technical analyzer, which collections use, is the English one that also indexes the parts of
an identifier beside the identifier itself (``split_identifiers``, as Lucene's
``WordDelimiterGraphFilter`` with ``preserveOriginal``): ``log_level`` gives ``log_level``,
``log`` and ``level``; ``maxRetries`` gives ``maxretries``, ``max`` and ``retri``. Documentation
and configuration name settings that way, and people ask about them in words ("What is the
default log level?"): with one term for ``log_level``, BM25 matched nothing of that question but
"default", and the relevance floor declined it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from veracity.errors import ConfigError, MissingDependency

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (also bm25s' STOPWORDS_EN): 33 words.
ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)

WORD_PATTERN = r"(?u)\b\w\w+\b"


@dataclass(frozen=True, slots=True)
class Analyzer:
    """Turns text into index terms; one instance is used both for documents and for queries.

    ``pattern`` picks the tokens (``re.findall``); ``fold`` applies NFKD and drops combining marks
    (``café`` -> ``cafe``); ``stemmer`` is a PyStemmer algorithm name or None;
    ``split_identifiers`` adds the parts of ``snake_case`` and ``camelCase`` tokens after them.
    """

    lowercase: bool = True
    fold: bool = True
    stopwords: frozenset[str] = ENGLISH_STOPWORDS
    stemmer: str | None = "english"
    pattern: str = WORD_PATTERN
    split_identifiers: bool = False
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _stem: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))
        object.__setattr__(self, "_stem", _make_stemmer(self.stemmer))

    def tokens(self, text: str) -> list[str]:
        """The index terms of ``text``, in order, duplicates kept."""
        if self.fold and not text.isascii():
            text = fold(text)
        words: list[str]
        if self.split_identifiers and _IDENTIFIER.search(text):
            words = _with_parts(self._regex.findall(text))
            if self.lowercase:
                words = [w.lower() for w in words]
        else:
            if self.lowercase:
                text = text.lower()
            words = self._regex.findall(text)
        if self.stopwords:
            stop = self.stopwords
            words = [w for w in words if w not in stop]
        if self._stem is not None:
            stemmed: list[str] = self._stem.stemWords(words)
            return stemmed
        return words

    def config(self) -> dict[str, Any]:
        """A JSON-ready description; ``Analyzer(**config)`` rebuilds an equal analyzer."""
        return {
            "lowercase": self.lowercase,
            "fold": self.fold,
            "stopwords": sorted(self.stopwords),
            "stemmer": self.stemmer,
            "pattern": self.pattern,
            "split_identifiers": self.split_identifiers,
        }

    @staticmethod
    def from_config(config: dict[str, Any]) -> Analyzer:
        """The inverse of ``config``."""
        return Analyzer(
            lowercase=bool(config["lowercase"]),
            fold=bool(config["fold"]),
            stopwords=frozenset(config["stopwords"]),
            stemmer=config["stemmer"],
            pattern=str(config["pattern"]),
            # absent in indexes written before it existed, which did not split
            split_identifiers=bool(config.get("split_identifiers", False)),
        )


# A hint that ``text`` holds an identifier: a word character on both sides of "_", a lowercase
# letter before an uppercase one ("maxRetries"), or an acronym before a word ("HTTPServer"; not
# before a letter and a number: "GPLv3" is a name, not "GP" and "Lv").
_IDENTIFIER = re.compile(r"[^\W_]_+[^\W_]|[a-z][A-Z]|[A-Z]{2}[a-z]{2}")
# The parts of one "_"-free piece: "HTTPServer" -> "HTTP", "Server"; "maxRetries" -> "max",
# "Retries"; digits apart.
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\d_]+")


def _with_parts(words: list[str]) -> list[str]:
    """Each word, followed by its parts when it is an identifier (two or more parts of two or
    more characters each are kept)."""
    out: list[str] = []
    for word in words:
        out.append(word)
        if "_" in word or _IDENTIFIER.search(word):
            parts = [p for piece in word.split("_") for p in _PART.findall(piece)]
            if len(parts) > 1:
                out.extend(p for p in parts if len(p) > 1)
    return out


def fold(text: str) -> str:
    """NFKD-decompose and drop combining marks: ``"Ærø café"`` -> ``"Ærø cafe"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _make_stemmer(name: str | None) -> Any:
    if name is None:
        return None
    try:
        import Stemmer
    except ImportError as exc:  # pragma: no cover - PyStemmer is a core dependency
        raise MissingDependency("Stemming", "core", "PyStemmer") from exc
    if name not in Stemmer.algorithms():
        known = ", ".join(sorted(Stemmer.algorithms()))
        raise ConfigError(f"unknown stemmer {name!r}; known: {known}, or None for no stemming")
    return Stemmer.Stemmer(name)


# What a collection indexes its chunks with, for BM25 and TF-IDF alike (``IndexSet``,
# ``TfidfCache``): English, with the parts of identifiers.
COLLECTION_ANALYZER = "technical"

_ANALYZERS = {
    # Lucene EnglishAnalyzer-like: fold, lowercase, stop words, Snowball English.
    "english": lambda: Analyzer(),
    # English, and the parts of identifiers beside them: what collections index.
    "technical": lambda: Analyzer(split_identifiers=True),
    # Fold and lowercase only.
    "simple": lambda: Analyzer(stopwords=frozenset(), stemmer=None),
    # No analysis: whitespace-separated tokens as given (pre-tokenized input).
    "none": lambda: Analyzer(
        lowercase=False, fold=False, stopwords=frozenset(), stemmer=None, pattern=r"\S+"
    ),
}


def get_analyzer(name: str) -> Analyzer:
    """A named analyzer: ``"english"`` (bm25s parity), ``"technical"`` (``COLLECTION_ANALYZER``),
    ``"simple"`` or ``"none"``."""
    try:
        return _ANALYZERS[name]()
    except KeyError:
        known = ", ".join(sorted(_ANALYZERS))
        raise ConfigError(f"unknown analyzer {name!r}; known: {known}") from None
