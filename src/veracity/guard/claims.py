"""What a claim asserts, in checkable pieces: content words, numbers, named entities, negation.

These are the features of the groundedness judges (``grounding``). All are cheap string work:
numbers are normalized (``1,000`` -> ``1000``, ``three``/``third`` -> ``3``, ``50th`` -> ``50``),
entities are capitalized words not at the start of the claim, negation is a cue word from
``sentences.NEGATIONS``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from veracity.guard.sentences import NEGATIONS, STOPWORDS, content_words, split_sentences, words

# Cardinal number words: the small ones a count of things is mostly written with ("two adults"),
# and all of them; the ordinals of the small ones.
SMALL_CARDINALS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
)  # fmt: skip
ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
)  # fmt: skip
_NUMBER_WORDS = {
    w: str(i) for i, pair in enumerate(zip(SMALL_CARDINALS, ORDINALS, strict=True), 1) for w in pair
}
_TEENS = ("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS.update({w: str(i) for i, w in enumerate(_TEENS, 13)})
_NUMBER_WORDS.update({w: str(10 * i) for i, w in enumerate(_TENS, 2)})
_NUMBER_WORDS.update(
    {"hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000"}
)
CARDINALS = (*SMALL_CARDINALS, *_TEENS, *_TENS, "hundred", "thousand", "million", "billion")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|s)$")
# A capitalized word, or a capital alone, but not the letter of a language's name ("C++", "C#").
_CAP = re.compile(r"\b[A-Z][A-Za-z0-9'’&.-]*[A-Za-z0-9]|\b[A-Z]\b(?![+#])")


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer  # PyStemmer, a core dependency

    return Stemmer.Stemmer("english")


def stems(tokens: Sequence[str]) -> list[str]:
    """Snowball (Porter 2) stems of lowercase tokens."""
    return list(_stemmer().stemWords(list(tokens)))  # type: ignore[attr-defined]


def _norm_token(w: str) -> str:
    if w in _NUMBER_WORDS:
        return _NUMBER_WORDS[w]
    m = _ORDINAL.match(w)
    return m.group(1) if m else w


@lru_cache(maxsize=8192)
def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the content words, with number words and ordinals as digits. Cached: the answer
    engine judges many answer sentences against the same cited chunks."""
    return tuple(stems([_norm_token(w) for w in content_words(text)]))


def numbers(text: str) -> set[str]:
    """Normalized numbers in ``text``: digits without thousands commas, ordinals and number words."""
    out: set[str] = set()
    for w in words(text):
        if w in _NUMBER_WORDS:
            out.add(_NUMBER_WORDS[w])
        elif m := _ORDINAL.match(w):
            out.add(m.group(1))
    for m in _NUM.finditer(text):
        tok = m.group(0).rstrip(".,")
        tok = tok.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", tok) else tok
        out.add(tok.lstrip("0") or "0")
    return out


def entities(text: str, *, name_start: bool = False) -> set[str]:
    """Lowercased capitalized words, skipping the claim's first word and capitalized stopwords.

    With ``name_start`` the first word counts as well when the next word is capitalized too: a
    capitalized pair opens a name ("American Union law is ..."), a lone one is sentence case.
    """
    out: set[str] = set()
    caps = list(_CAP.finditer(text))
    for i, m in enumerate(caps):
        w = m.group(0).lower().rstrip(".")
        first = i == 0 and m.start() == len(text) - len(text.lstrip())
        if first and name_start and len(caps) > 1:
            first = not text[m.end() : caps[1].start()].isspace()
        if first or w in STOPWORDS:
            continue
        if any(ch.isdigit() for ch in w):
            continue  # numbers are checked by ``numbers``
        out.add(w)
    return out


def negated(text: str) -> bool:
    """Whether ``text`` holds an odd number of negation cues (a double negative cancels)."""
    toks = words(text)
    n = sum(t in NEGATIONS or t.endswith("n't") for t in toks)
    return n % 2 == 1


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(tokens))


@dataclass(frozen=True, slots=True)
class ClaimFeatures:
    """How well evidence covers a claim. Fractions are in [0, 1]; 0 missing when none to check."""

    unigram_best: float  # claim content stems found in the best evidence sentence
    bigram_best: float  # claim content bigrams found in that sentence
    unigram_all: float  # claim content stems found anywhere in the evidence
    numbers_missing: float  # share of the claim's numbers absent from the evidence
    entities_missing: float  # share of the claim's entities absent from the evidence
    negation_mismatch: float  # 1 when the claim and its best sentence differ in polarity
    best_sentence: str

    def vector(self) -> list[float]:
        return [
            self.unigram_best,
            self.bigram_best,
            self.unigram_all,
            self.numbers_missing,
            float(self.numbers_missing > 0),
            self.entities_missing,
            float(self.entities_missing > 0),
            self.negation_mismatch,
        ]


FEATURE_NAMES = (
    "unigram_best", "bigram_best", "unigram_all", "numbers_missing", "any_number_missing",
    "entities_missing", "any_entity_missing", "negation_mismatch",
)  # fmt: skip


def evidence_sentences(evidence: Sequence[str]) -> list[str]:
    """Every sentence of every evidence text."""
    return [s for text in evidence for s in split_sentences(text)]


def claim_features(claim: str, evidence: Sequence[str]) -> ClaimFeatures:
    """Compare ``claim`` with the evidence sentence that shares most of its content words."""
    c = content_stems(claim)
    c_set, c_bi = set(c), _bigrams(c)
    best, best_score, best_bi, best_sent = 0.0, -1.0, 0.0, ""
    all_stems: set[str] = set()
    for sent in evidence_sentences(evidence):
        s = content_stems(sent)
        all_stems.update(s)
        uni = len(c_set & set(s)) / len(c_set) if c_set else 0.0
        bi = len(c_bi & _bigrams(s)) / len(c_bi) if c_bi else uni
        if uni + 0.5 * bi > best_score:
            best, best_bi, best_score, best_sent = uni, bi, uni + 0.5 * bi, sent
    joined = " ".join(evidence)
    c_nums, e_nums = numbers(claim), numbers(joined)
    c_ents, e_words = entities(claim), set(words(joined))
    return ClaimFeatures(
        unigram_best=best,
        bigram_best=best_bi,
        unigram_all=len(c_set & all_stems) / len(c_set) if c_set else 0.0,
        numbers_missing=len(c_nums - e_nums) / len(c_nums) if c_nums else 0.0,
        entities_missing=len(c_ents - e_words) / len(c_ents) if c_ents else 0.0,
        negation_mismatch=float(bool(best_sent) and negated(claim) != negated(best_sent)),
        best_sentence=best_sent,
    )
