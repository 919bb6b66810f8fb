"""How informative a word is in general English, for collections too small to tell.

The relevance model's coverage (``relevance.query_coverage``) weighs each term of a question by
its idf in the collection. In a folder of a few documents that idf is noise: with 23 chunks,
"what" in one heading ("What is covered") weighs as much as "daemon", and everyday words the
documents happen not to use ("happen", "bring", "keep", "finish") weigh the most of all, so
"What happened to the --daemon flag?" covered 45% of its weight in the passage that answers it
and fell under the floor. The fitted model was fitted on a collection of 2,067 paragraphs, where
such words are seen in many chunks and weigh little.

So a term's weight blends the collection's idf with its idf in general English:
``a * idf_collection + (1 - a) * idf_background`` with ``a = N / (N + COLLECTION_SIZE)`` for a
collection of ``N`` chunks: a folder of a few documents leans on general English, a collection
of thousands of chunks on its own statistics (SQuAD's 2,067 paragraphs: a = 0.91).

The background idf is the idf a term would have among ``REFERENCE_CHUNKS`` chunks of
``REFERENCE_LENGTH`` words of general English. A word's frequency comes from its rank in the
WordPiece vocabulary of the packaged MiniLM (BERT's uncased vocabulary, built from English
Wikipedia and books, which lists its words by frequency after 1,996 reserved and
single-character entries), through Zipf's law (frequency 0.1 / rank). A stem the vocabulary lacks
as a whole word is taken to be rare (``RARE_RANK``). Without the packaged model (a bare install),
there is no background and coverage uses the collection's idf alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from veracity.errors import MissingDependency
from veracity.text.analyzer import Analyzer

# The collection size (chunks) at which its own idf and the background weigh the same.
COLLECTION_SIZE = 200
# The general-English collection the background idf pretends to be drawn from (SQuAD-sized).
REFERENCE_CHUNKS = 2000
REFERENCE_LENGTH = 120
RARE_RANK = 40_000
_RESERVED = 1996  # BERT's [PAD], [unusedN], [CLS], ..., and single characters come first


@dataclass(frozen=True, slots=True)
class BackgroundIdf:
    """Frequency ranks of analyzed terms (1 = "the"); ``idf`` of a term by its rank."""

    ranks: Mapping[str, int]

    def idf(self, term: str) -> float:
        rank = self.ranks.get(term, RARE_RANK)
        in_chunk = 1.0 - math.exp(-REFERENCE_LENGTH * 0.1 / rank)
        df = REFERENCE_CHUNKS * in_chunk
        return math.log(1.0 + (REFERENCE_CHUNKS - df + 0.5) / (df + 0.5))

    def blend(self, term: str, collection_idf: float, chunks: int) -> float:
        """The term's weight in a collection of ``chunks`` chunks (see the module docstring)."""
        a = chunks / (chunks + COLLECTION_SIZE)
        return a * collection_idf + (1.0 - a) * self.idf(term)


def ranked_words(words: list[str], analyzer: Analyzer) -> BackgroundIdf:
    """A background from ``words`` listed most frequent first, as ``analyzer`` indexes them (a
    stem takes the rank of its most frequent word: "happened" ranks "happen")."""
    ranks: dict[str, int] = {}
    for rank, word in enumerate(words, start=1):
        if word.isalpha():
            for term in analyzer.tokens(word):
                ranks.setdefault(term, rank)
    return BackgroundIdf(ranks)


@lru_cache(maxsize=8)
def background_idf(analyzer: Analyzer) -> BackgroundIdf | None:
    """The packaged MiniLM's vocabulary as a background for ``analyzer``, or None without it."""
    from veracity.embed.minilm import packaged_minilm_path

    try:
        vocab = packaged_minilm_path() / "vocab.txt"
        words = vocab.read_text(encoding="utf-8").splitlines()[_RESERVED:]
    except (MissingDependency, OSError):
        return None
    return ranked_words(words, analyzer)
