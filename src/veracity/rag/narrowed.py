"""A narrower thing than the passage talks about: a modifier the passage never uses.

"How much is an *evening* hire?" of a studio that prices hire by the hour, "Who was the
*official* founder of CBS?" of a paragraph that names its founder: the question puts a word
before one of the passage's nouns that the passage nowhere says, and a reader that matches the
other words answers with the value for the thing unqualified. SQuAD 2.0 built many of its
unanswerable questions this way, and users ask them when a document does not cover their case.

``narrowed_problem`` refuses a span when the asking clause (not the one that states the asker's
case: "... if I've opted out of the workplace pension?") has such a pair: a word that opens a
noun phrase (after a determiner or a preposition), followed by a noun the passage uses, where
neither the word nor its stem (nor, for "low-pressure", each of its parts) is anywhere in the
passage, its headings or its title. Left alone: a word after "what" or "which" ("Which
environment variable ...?" names the kind of the answer, which the passage need not), words that
describe rather than pick out ("famous", "new", "main"), numbers, ordinals, comparatives and
superlatives (the checks of numbers and opposites have those), the qualifiers of
``rag.qualifiers`` (checked there with the ways a sentence says them), and a verb where the noun
should be ("What entity enforces the Charter?").

It is a looser check than the others of ``rag``: a question may paraphrase, so it fires on 210
of SQuAD v1.1 dev's 10,570 questions with their own paragraph (2.0%); see
``docs/benchmarks.md`` (reader-answers, written-answers) for what it gains and costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

from veracity.guard.claims import ORDINALS, SMALL_CARDINALS, stems
from veracity.guard.sentences import STOPWORDS
from veracity.rag.focus import main_clause
from veracity.rag.qualifiers import names_a_qualifier

# words after which a noun phrase opens, so that the next word may be a modifier of a noun
_OPENS = frozenset({
    "the", "a", "an", "of", "in", "on", "for", "by", "with", "from",
    "at", "about", "into", "as", "its", "their", "his", "her", "this", "that", "these", "those",
    "my", "our", "your", "any", "each", "every", "per",
})  # fmt: skip
# words that describe or hedge rather than pick one thing out of several ("the famous writer",
# "the main reason", "the exact date")
_DESCRIBING = frozenset({
    "famous", "well-known", "notable", "noted", "popular", "important", "significant", "major",
    "main", "principal", "key", "certain", "specific", "particular", "different", "various",
    "entire", "whole", "general", "actual", "exact", "approximate", "approximately", "common",
    "typical", "usual", "overall", "real", "true", "so-called", "respective", "same", "many",
    "several", "few", "most", "more", "less", "much", "numerous", "normal", "ordinary", "good",
    "bad", "nice", "great", "new", "fresh", "additional", "extra", "own", "separate", "simple",
    "basic", "further", "other", "another", "single", "given", "specified", "individual",
})  # fmt: skip
_DETERMINERS = frozenset({
    "the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those", "my", "our",
    "your", "any", "each", "every",
})  # fmt: skip
# verbs after which a subject comes before a bare verb ("does the author grant"); not "is" ("is
# an evening hire" is a noun phrase)
_AUXILIARIES = frozenset({
    "do", "does", "did", "can", "could", "will", "would", "should", "shall", "may", "might", "must",
})  # fmt: skip
_OBJECTS = _DETERMINERS | {"it", "them", "him", "us", "me", "you"}
_NUMBER_WORDS = frozenset((*SMALL_CARDINALS, *ORDINALS, "last", "final", "next", "previous"))
# comparatives: "Which network has the longer range?" of "the 2.4 GHz network has a shorter
# range than ..." is for ``guard.opposites``
_COMPARATIVES = frozenset({
    "longer", "shorter", "higher", "lower", "larger", "smaller", "bigger", "cheaper", "dearer",
    "faster", "slower", "older", "newer", "younger", "greater", "wider", "narrower", "deeper",
    "stronger", "weaker", "harder", "softer", "lighter", "heavier", "earlier", "later", "better",
    "worse", "closer", "nearer", "further", "farther",
})  # fmt: skip
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_MODIFIER = re.compile(r"[a-z][a-z-]{2,}")
_NOUN = re.compile(r"[a-z]{3,}")
# a verb's form: "the company relaunched", "an internet based campaign"
_VERB_FORM = re.compile(r"(?:ed|ing)$")


@cache
def _stem(word: str) -> str:
    return stems([word])[0]


class _Vocabulary:
    """The lowercase words of a passage and their stems."""

    def __init__(self, text: str) -> None:
        lowered = text.lower()
        self.words = set(re.findall(r"[a-z]+", lowered))
        # "Wi-Fi" says "wifi", "e-mail" says "email"
        self.words |= {w.replace("-", "") for w in re.findall(r"[a-z]+(?:-[a-z]+)+", lowered)}
        self.stems = {_stem(w) for w in self.words}

    def has(self, word: str) -> bool:
        return word in self.words or _stem(word) in self.stems

    def says(self, modifier: str) -> bool:
        """Whether the passage uses ``modifier``, or each part of it that is no function word
        ("low-pressure", "user's", "per-user")."""
        parts = [p for p in re.split(r"[-']", modifier) if len(p) > 1 and p not in STOPWORDS]
        return modifier.replace("-", "") in self.words or all(self.has(p) for p in parts)


def narrowed_pairs(asked: str, passage: str) -> list[tuple[str, str]]:
    """The ``(modifier, noun)`` pairs of ``asked`` whose noun ``passage`` uses and whose modifier
    it never does ("evening hire" of a passage about hire by the hour)."""
    vocabulary = _Vocabulary(passage)
    # the question's own clause: "... if I've opted out of the workplace pension?" describes the
    # asker's case, in the words of the asker
    asked = main_clause(asked)
    words = list(_WORD.finditer(asked))
    found = []
    for i in range(1, len(words) - 1):
        before, word, noun = (m.group(0) for m in words[i - 1 : i + 2])
        # "What does the author grant?", "Can the landlord charge ...?": after an auxiliary,
        # "the author" is a subject and "grant" its verb
        if i >= 2 and words[i - 2].group(0).lower() in _AUXILIARIES:
            continue
        # one phrase: "At the time, countries ..." is two
        if asked[words[i - 1].end() : words[i + 1].start()].strip(" " + word):
            continue
        after = words[i + 2].group(0).lower() if i + 2 < len(words) else ""
        if (
            _may_modify(before.lower(), word)
            and _may_be_noun(noun.lower(), after)
            and vocabulary.has(noun.lower())
            and not vocabulary.says(word)
        ):
            found.append((word, noun.lower()))
    return found


def _may_modify(before: str, word: str) -> bool:
    """Whether ``word``, after ``before``, may pick one kind of the noun that follows it: it
    opens a noun phrase, and is no function word, number, comparative, superlative, word that
    describes, qualifier of ``rag.qualifiers``, or verb after a preposition ("for getting")."""
    return (
        before in _OPENS
        and bool(_MODIFIER.fullmatch(word))
        and word not in STOPWORDS
        and word not in _NUMBER_WORDS
        and word not in _COMPARATIVES
        and word not in _DESCRIBING
        and not names_a_qualifier(word)
        and not (word.endswith("ing") and before not in _DETERMINERS)
        and not (word.endswith("est") and len(word) >= 6)
    )


def _may_be_noun(noun: str, after: str) -> bool:
    """Whether ``noun`` (with the word ``after`` it) may be a noun: no function word, number,
    verb form, or verb before its object ("What entity enforces the Charter?")."""
    return (
        bool(_NOUN.fullmatch(noun))
        and noun not in STOPWORDS
        and noun not in _NUMBER_WORDS
        and not _VERB_FORM.search(noun)
        and after not in _OBJECTS
    )


def narrowed_problem(
    asked: str,
    text: str,
    context: Sequence[str] = (),
    document: Callable[[], str | None] | None = None,
) -> str:
    """Why the passage ``text`` (with its headings and title, ``context``) cannot answer the
    asking sentence ``asked``, or "": the question narrows one of the passage's nouns by a word
    the passage never uses, nor its whole document (``document`` reads it, and is called only
    when the passage alone would refuse: "a child package" of a passage about the damage
    waiver, in a price list whose table has child prices, is a paraphrase)."""
    pairs = narrowed_pairs(asked, " ".join((text, *context)))
    whole = document() if pairs and document is not None else None
    if whole is not None:
        vocabulary = _vocabulary(whole)
        pairs = [(word, noun) for word, noun in pairs if not vocabulary.says(word)]
    if not pairs:
        return ""
    word, noun = pairs[0]
    return f"the question asks about '{word} {noun}', and the passage never says '{word}'"


@lru_cache(maxsize=8)
def _vocabulary(text: str) -> _Vocabulary:
    return _Vocabulary(text)
