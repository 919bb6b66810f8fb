"""The answer's sentence is about a peer of what the question asks about, not about it.

A passage often says the same thing of several members of a kind: the City and the Sport model,
v2 and v3, sale items and faulty items. Each sentence answers for its own member, and a reader
that matches words takes a span from whichever it likes best. Each check here refuses a span
whose sentence names another member of the kind and not the question's:

- ``namesake_problem``: a named member ("the Sport model" answered from "The City model weighs
  23 kg");
- a numbered member ("When will v3 be switched off?" answered from "Version v2 will be
  switched off on 30 June 2027"): ``rag.numbered``;
- ``identifier_problem``: an option or a name in code ("--jobs" answered from the sentence
  about "--min-size", ``max_items`` from the one about ``ttl``);
- ``modifier_problem``: a modified noun ("How long can faulty items be returned?" answered "14
  days" from "Sale items can be returned within 14 days" when another sentence is the one about
  faulty items).

Prices and percentages, which small documents are full of (price lists, fee tables, an SLA's
credits) and which near-miss questions ask for, have two checks of their own that need no
sibling sentence:

- ``owner_problem``: another sentence holds the question's word with an amount of its own ("How
  much does a workshop cost?" answered "£260" from "A one-day pass costs £260." when
  "Workshops are booked separately at £180 each");
- ``peer_kind_problem``: the sentence prices another kind of the question's noun ("How much is
  a family ticket?" answered "£12" from "Adult tickets cost £12").

Each fires on at most 9 of SQuAD v1.1 dev's 10,570 gold answer sentences (namesake and numbered
namesake 4, owner 5, peer kind 8).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from veracity.guard.claims import CARDINALS, stems
from veracity.guard.sentences import STOPWORDS
from veracity.rag.answer_types import asks_amount
from veracity.rag.conditions import cases
from veracity.rag.structure import (
    POINTS_BACK,
    content_terms,
    sentence_at,
    sentence_index,
    sentence_with_antecedent,
    short_quote,
)
from veracity.rag.tables import table_header
from veracity.text.analyzer import fold
from veracity.text.sentences import split_sentences

# a name and the word after it in a question ("the Sport model", "the Riga office"); and the
# capitalized words that open a sentence without naming anything
_NAMED_KIND = re.compile(r"\b[Tt]he\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+([a-z][a-z-]{2,})\b")
# one capitalized word inside the question, without "the", and the word after it ("Standard
# support")
_BARE_KIND = re.compile(r"(?<!^)(?<![.?!]\s)(?<![Tt]he\s)\b([A-Z][\w'-]*)\s+([a-z][a-z-]{2,})\b")
SENTENCE_OPENERS = frozenset({
    "The", "A", "An", "This", "That", "These", "Those", "Its", "It", "Our", "Your", "Their", "His",
    "Her", "My", "We", "They", "He", "She", "Each", "Every", "All", "Some", "Many", "Most", "Both",
    "Any", "No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
})  # fmt: skip


# Runs of capitalized words of a question that name something (the opening word excluded).
NAME_RUNS = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
# ", and the ", " & ": what joins two members of a list ("or" more often introduces another name
# for the same thing: "adenosine triphosphate, or ATP").
_JOIN = r"\s*,?\s*(?:and|&)\s+(?:the\s+)?"
# Questions that ask for a peer: "besides X", "along with X", "other than X", "X or Y".
_ASKS_FOR_PEER = re.compile(
    r"\b(?:or|besides|with|alongside|along|other|another|apart|except|together|share[sd]?|"
    r"also|both|between|versus|vs|compared|than|and)\b",
    re.IGNORECASE,
)


def listed_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the span ``text[start:end]`` is a peer of what the question asks about, not an
    answer: it sits in a list with one of the question's names ("Lisbon and Tallinn" answering
    "Where is the Tallinn office?"), or is such a list. Questions that ask for a peer ("X or
    Y?", "besides X", "along with X") are exempt, and a name counts only as the whole run of
    capitalized words it is in the text ("French" is not "French Revolution")."""
    if _ASKS_FOR_PEER.search(question):
        return ""
    span = text[start:end]
    before, after = text[max(0, start - 80) : start], text[end : end + 80]
    for name in dict.fromkeys(NAME_RUNS.findall(question.strip())):
        whole = (
            rf"(?<![\w'-])(?<![A-Z][\w'-]\s)(?<![A-Z][\w'-]{{2}}\s){re.escape(name)}(?!\s+[A-Z])\b"
        )
        if name.lower() in span.lower():
            # the span lists the asked-about name with its peers ("the Lisbon and the Tallinn")
            if re.search(rf"{whole}{_JOIN}\w|\w{_JOIN}{whole}", span):
                return f'"{span}" lists "{name}" with its peers instead of saying something of it'
            continue
        if re.search(rf"{whole}{_JOIN}$", before) or re.match(rf"{_JOIN}{whole}", after):
            return f'"{span}" is listed beside "{name}" in the passage, not said of it'
    return ""


def namesake_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers about another thing of the same kind, or "": the
    question names "the N K" (a name and the word after it: "the Sport model", "the Riga
    office"; not "What Chinese dynasty", which asks for a name),
    the passage names N elsewhere, and the span's sentence lacks N but names another "M K"
    ("The City model weighs 23 kg" does not say how heavy the Sport model is). Possessives
    ("Tesla's father") are relations, not kinds, and a different spelling of N ("IJssel",
    "Céloron", "South African") is N. Without "the" ("How quickly does Standard support answer
    urgent tickets?"), the passage must say "N K" itself elsewhere ("Standard support answers
    tickets within 8 business hours"), since a capitalized word before a noun is often no name
    of a kind ("What has been characterized as Arminian theology?"): 2 of SQuAD v1.1 dev's
    10,570 gold answer sentences fail that form."""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    sentence, rest = text[s:e], text[:s] + " " + text[e:]
    named = [(m, False) for m in _NAMED_KIND.finditer(question)]
    named += [(m, True) for m in _BARE_KIND.finditer(question)]
    for m, bare in named:
        name, kind = m.group(1), m.group(2)
        asks_kind = re.match(
            rf"\W*(?:which|what)\b.*\b{re.escape(kind)}s?\b", question[: m.start()], re.I
        )
        if (
            asks_kind  # "Which field is the Protected field meant to replace?" asks for a peer
            or name.endswith(("'s", "'", "’s"))
            or kind in STOPWORDS
            or kind.endswith("ed")
            or names_in(name, sentence)
            or not names_in(name, rest)
            or (bare and not names_in(f"{name} {kind}", rest))
        ):
            continue
        for other in re.finditer(rf"\b([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)\s+{kind}\b", sentence):
            words = other.group(1).split()
            while words and words[0] in SENTENCE_OPENERS:
                words.pop(0)
            peer = " ".join(words)
            if peer and not same_name(peer, name):
                return (
                    f"the sentence is about the {peer} {kind}, the question about the {name} {kind}"
                )
    return ""


def identifier_problem(question: str, text: str, start: int, message: str = "") -> str:
    """Why the span at ``text[start]`` answers about another identifier, or "": the question
    names one (a command-line option "--jobs", a ``snake_case`` name, inline code), the span's
    sentence (read with the one before when it points back) names another and not the
    question's, and another sentence of the passage names the question's ("What is the default
    value of --jobs?" is not answered "1 KB" from "The --min-size option skips files smaller
    than the given size; the default is 1 KB"; "What is the default max_items?" not "600" from
    "`ttl` is the time to live in seconds; the default is 600"). The values a sentence gives back
    case by case, and the names in their conditions ("Returns: ASN1_SUCCESS if ...") are not
    what it is about. Names the passage writes as code and the whole ``message`` (the question
    with the sentences before it) writes plain count when the sentence names none of them and
    names one built the same way: "I keep my buckets in eu-west. How much more is storage there
    than in us-east?" is not answered from "In `sa-east`, storage prices are 30% higher"
    ("IntRange" is no peer of "min_open")."""
    asked = _identifiers(question)
    plain = _named_as_code(message or question, text) - asked
    window = sentence_with_antecedent(text, start) if asked or plain else None
    if window is None:
        return ""
    lo, e = window
    listed = " ".join(f"{text[c.start : c.end]} {c.condition}" for c in cases(text, lo, e))
    said = {name for name in _identifiers(text[lo:e]) if name not in listed}
    elsewhere = _identifiers(text[:lo] + " " + text[e:])
    for name in sorted(asked - said):
        if said and name in elsewhere:
            return f"the sentence is about {sorted(said)[0]}, the question about {name}"
    # names the passage writes as code and the question writes plain ("eu-west" of `eu-west`):
    # the sentence must name one of them, when it names another and the passage names them
    peers = {name for name in said if _shape(name) in {_shape(p) for p in plain}}
    if (
        peers
        and plain & elsewhere
        and not any(name in _scope(text, lo, e, start) for name in plain)
    ):
        return f"the sentence is about {sorted(peers)[0]}, the question about {sorted(plain)[0]}"
    return ""


def _shape(name: str) -> str:
    """How a name is built, its letters and digits aside: "eu-west" and "sa-east" are both
    "a-a", "min_open" is "a_a", "IntRange" is "a"."""
    return re.sub(r"[A-Za-z]+", "a", re.sub(r"\d+", "9", name))


def _scope(text: str, lo: int, end: int, start: int) -> str:
    """What a span at ``text[start]`` is said in: its list item or table row when it is in one
    ("* `recursive` {boolean} ... **Default:** `false`"), else its sentence ``text[lo:end]``."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", start)
    line = text[first : last if last != -1 else len(text)]
    return line if _ITEM.match(line) else text[lo:end]


_ITEM = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|\|)")


def _named_as_code(question: str, text: str) -> set[str]:
    """The words of ``question`` that ``text`` writes as inline code ("eu-west" of "In
    `eu-west`, prices are 15% higher")."""
    code = {c.removesuffix("()") for c in _CODE_TOKEN.findall(text)}
    return {w for w in _PLAIN_TOKEN.findall(question) if w in code}


def _identifiers(text: str) -> set[str]:
    """The identifiers ``text`` names: options ("--min-size"), ``snake_case`` names, and inline
    code that is one token ("`ttl`", "`cache.get()`" as "cache.get")."""
    found = {m.group(0) for m in _OPTION_OR_SNAKE.finditer(text)}
    found |= {code.removesuffix("()") for code in _CODE_TOKEN.findall(text)}
    return {name for name in found if name}


_OPTION_OR_SNAKE = re.compile(
    r"(?<![\w-])--[A-Za-z][\w-]*[A-Za-z0-9]|(?<![\w-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b"
)
_CODE_TOKEN = re.compile(r"`([^`\s]+)`")
_PLAIN_TOKEN = re.compile(r"[\w][\w.-]*[\w]")


def modifier_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers about another kind of the thing asked about, or "":
    the question names a modified noun ("faulty items"), the span's sentence has the noun with
    another modifier the question lacks ("Sale items can be returned within 14 days") and not the
    question's, and another sentence of the passage has the question's pair ("Faulty items can be
    returned within 12 months"): the passage tells the kinds apart, so the answer must too. The
    same for the noun after a word ("tidyfs scan" is not answered from "Run tidyfs clean PATH"
    when another sentence is about "tidyfs scan"). The two sentences must be siblings: the span's
    holds every word of the question that the passage has but the one swapped, the other holds
    them all. Without the sibling a swapped word is mostly a paraphrase: on SQuAD v1.1 dev the
    check would fire on 1,350 gold answers, not 9."""
    question_words = _words(question)
    asked = {stem for stem, _ in question_words} - {""}
    pairs = {(a[0], b[0]): f"{a[1]} {b[1]}" for a, b in pairwise(question_words) if a[0] and b[0]}
    passage = _read(asked, text, start)
    if not pairs or passage is None:
        return ""
    at, wanted = passage.at, passage.wanted
    mine = passage.terms[at]
    others = [
        {(a, b) for (a, _), (b, _) in pairwise(words)}
        for i, words in enumerate(passage.words)
        if i != at and wanted <= passage.terms[i]
    ]
    said = passage.words[at]
    mine_pairs = {(a[0], b[0]): f"{a[1]} {b[1]}" for a, b in pairwise(said) if a[0] and b[0]}
    for pair, pair_words in sorted(pairs.items()):
        for keep in (0, 1):  # the noun kept, its modifier swapped ("sale items"); or the reverse
            kept, lost = pair[1 - keep], pair[keep]
            if lost in mine or not wanted - {lost} <= mine:
                continue
            peer = next(
                (w for p, w in mine_pairs.items() if p[1 - keep] == kept and p[keep] not in asked),
                None,
            )
            if peer and any(pair in other for other in others):
                return f"the sentence is about '{peer}', the question about '{pair_words}'"
    return ""


def swapped_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers for another member in a parallel sentence, or "":
    the span's sentence lacks exactly one of the question's words that the passage has and holds
    one word the question lacks in its place, and another sentence holds all of the question's
    words and, but for the two words, the same ones ("Children can borrow up to 10 items" and
    "Adults can borrow up to 15 items at a time" for "How many items can an adult borrow?").
    ``modifier_problem`` needs the swapped words beside a shared noun; this one, parallel
    sentences (at most two words of the other sentence missing from the span's). Fires on 1 of
    SQuAD v1.1 dev's 10,570 gold answer sentences."""
    question_words = _words(question)
    asked = {stem for stem, _ in question_words} - {""}
    passage = _read(asked, text, start)
    if passage is None:
        return ""
    at, terms = passage.at, passage.terms
    missing = passage.wanted - terms[at]
    if len(missing) != 1:
        return ""
    for i, other in enumerate(terms):
        if i == at or not passage.wanted <= other or len(other - terms[at]) > 2:
            continue
        extra = terms[at] - other
        if len(extra) == 1 and not extra & asked:
            said, words = dict(passage.words[at]), dict(question_words)
            return (
                f"the sentence is about '{said[min(extra)]}', the question about "
                f"'{words[min(missing)]}'"
            )
    return ""


def restricted_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers for a narrower kind than the question asks about,
    or "": the span's sentence restricts a noun of the question with a word the question lacks
    ("Sale items can be returned within 14 days", "For flood claims the excess is £500"), and
    another sentence of the passage says the same of the bare noun ("You can return most items
    within 30 days", "The standard excess is £100 for each claim"): the general sentence
    answers "How long do I have to return an item?" and "What is the excess for theft claims?".
    The other sentence must hold the question's words that the passage has and every word of
    the span's sentence but the restricting one, and never restrict the noun itself: on SQuAD
    v1.1 dev it fires on 4 of the 10,570 gold answer sentences (273 without the second
    condition)."""
    asked = {stem for stem, _ in _words(question)} - {""}
    passage = _read(asked, text, start)
    if passage is None:
        return ""
    at, said, terms, wanted = passage.at, passage.words, passage.terms, passage.wanted
    sentence = text[slice(*passage.spans[at])]
    for (narrow, narrow_word), (noun, noun_word) in pairwise(said[at]):
        if not narrow or noun not in asked or narrow in asked or narrow_word in _NO_KIND:
            continue
        if not re.search(
            rf"\b{re.escape(narrow_word)}[\s-]+{re.escape(noun_word)}\b", sentence, re.I
        ):
            continue  # not side by side ("holds 24 tablets")
        for i, words in enumerate(said):
            if i == at or not (wanted | (terms[at] - {narrow})) <= terms[i]:
                continue
            before = [
                words[k - 1][0] if k else "" for k, (stem, _) in enumerate(words) if stem == noun
            ]
            if before and not any(before):  # the noun, never restricted
                return (
                    f"the sentence is about '{narrow_word} {noun_word}', not {noun_word} in general"
                )
    return ""


def owner_problem(
    question: str, text: str, start: int, end: int, context: Sequence[str] = ()
) -> str:
    """Why the price or percentage ``text[start:end]`` belongs to something else, or "": a word of
    the question is missing from the span's sentence (read with the sentence before when it
    points back, with its table's header row, with the label its line opens with and with
    ``context``, the passage's headings and title), and another sentence of the passage holds that word with an amount of the same kind
    ("How much is a one-day student pass?" is not answered "£260" from "A one-day pass costs
    £260." when "Students ... pay £120 for the two days"). The question's names are left out
    (a sentence refers to a named thing by a pronoun), and so are the words that ask for the
    amount ("cost", "pay", "fee") and a word three or more sentences hold (the passage's topic,
    "resident permits", not one entry's). Only for questions that ask an amount, and only prices and
    percentages: on SQuAD v1.1 dev's 10,570 gold answers it fires on 5 (on 205 if counts, dates
    and years were judged too)."""
    kind = _amount_kind(text[start:end])
    if not kind or not asks_amount(question):
        return ""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None or len(spans) < 2:
        return ""
    terms = [content_terms(text[s:e]) for s, e in spans]
    window = terms[at] | content_terms(" ".join((table_header(text, start), *context)))
    if at > 0 and POINTS_BACK.search(text, *spans[at]):
        window |= terms[at - 1]
    if label := _LINE_LABEL.match(text, text.rfind("\n", 0, start) + 1):
        window |= content_terms(label.group(1))  # "Theft: ... The excess is 150 euros."
    asked = content_terms(_lowercase_words(question)) - _amount_terms()
    for term in sorted(asked & set().union(*terms) - window):
        holding = [i for i, words in enumerate(terms) if term in words]
        if len(holding) > 2:
            continue  # a word of the passage's topic ("resident permits"), not of one entry
        for i in holding:
            s, e = spans[i]
            if _amount_kind(text[s:e]) == kind:
                return (
                    f"the passage gives '{term}' its own {kind} ('{short_quote(text[s:e])}'), "
                    "and the answer's sentence does not name it"
                )
    return ""


# the label a line opens with, which every sentence of the line is said under ("Theft: ...")
_LINE_LABEL = re.compile(r"[ \t]*(?:[-*+][ \t]+)?([A-Za-z][\w .()/-]{0,40}):[ \t]")


def peer_kind_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the price or percentage ``text[start:end]`` is for another kind of the thing asked
    about, or "": the question names a modified noun ("family ticket", "block storage"), the
    span's sentence has the noun with another modifier ("Adult tickets cost £12", "Object
    storage is committed to 99.9%") and not the question's. ``modifier_problem`` needs a sibling
    sentence about the question's kind, since prose paraphrases; for prices and percentages a
    passage that does not name the kind asked about does not price it. Without the sibling the
    test fires on 8 of SQuAD v1.1 dev's 10,570 gold answers (on 69 if counts, dates and years
    were judged too). Only for questions that ask an amount; a count is no kind ("four teams"),
    and a sentence that also has one of the question's own kinds is about it ("A second permit
    costs £140 and a third permit £200" for "a second resident permit")."""
    if not _amount_kind(text[start:end]) or not asks_amount(question):
        return ""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    question_words, said = _words(question), _words(text[s:e])
    asked = {stem for stem, _ in question_words} - {""}
    mine = {stem for stem, _ in said}
    skip = _amount_stems()
    modified = {(a, b) for (a, _), (b, _) in pairwise(said)}
    for (modifier, modifier_word), (noun, noun_word) in pairwise(question_words):
        if not (modifier and noun) or modifier in mine | skip or noun not in mine - skip:
            continue
        if any((other, noun) in modified for other in asked):
            continue  # the sentence has one of the question's own kinds ("a second permit")
        for (other, other_word), (kept, kept_word) in pairwise(said):
            if (
                kept == noun
                and other
                and other not in skip
                and not _CARDINAL.match(other_word)
                and not same_name(other_word, modifier_word)  # "labour force", "labor force"
            ):
                return (
                    f"the sentence is about '{other_word} {kept_word}', the question about "
                    f"'{modifier_word} {noun_word}'"
                )
    return ""


def _amount_kind(span: str) -> str:
    """ "price" or "percentage" for a span holding one, else ""."""
    if _PRICE.search(span):
        return "price"
    return "percentage" if _PERCENTAGE.search(span) else ""


def _lowercase_words(question: str) -> str:
    """``question`` without its names (capitalized words after the first), the word after
    "how" ("how long") and counts ("one overdue item")."""
    words = re.findall(r"[A-Za-z][\w'-]*", question)
    return " ".join(
        w
        for i, w in enumerate(words)
        if not (i and w[0].isupper())
        and not (i and words[i - 1].lower() == "how")
        and not _CARDINAL.match(w)
    )


# "£12", "$5 million", "40 euros"; "50%", "25 per cent" ("pounds" is mostly a weight)
_PRICE = re.compile(r"[£$€¥]\s?\d|\d\s?(?:dollars?|euros?|pence|cents?)\b", re.IGNORECASE)
_PERCENTAGE = re.compile(r"\d\s?%|\d\s?per\s?cents?\b", re.IGNORECASE)
# words before a noun that deny or quantify it, not restrict it to a kind ("no garden waste")
_NO_KIND = frozenset({"no", "non", "not", "never", "without", "every", "whichever"})
# a count is no kind ("four teams"); an ordinal is ("a second permit")
_CARDINAL = re.compile(
    rf"\d|(?:{'|'.join(CARDINALS)})s?$|(?:several|few|many|whichever|whatever|every|either"
    r"|neither)$",
    re.IGNORECASE,
)
# the words that ask for an amount, not for what it is of
_AMOUNT_WORDS = (
    "cost costs price prices pay paid charge charged fee fees fare rate spend amount number total "
    "much many percent percentage proportion share most least maximum minimum"
)


@cache
def _amount_terms() -> frozenset[str]:
    return frozenset(content_terms(_AMOUNT_WORDS))


@cache
def _amount_stems() -> frozenset[str]:
    return frozenset(stem for stem, _ in _words(_AMOUNT_WORDS))


@dataclass(frozen=True, slots=True)
class _Passage:
    """A passage read sentence by sentence for the checks that compare the span's sentence
    with its siblings: each sentence's span, its ``(stem, word)`` list (``_words``) and its set
    of stems, the index of the span's sentence, and the question's stems the passage has."""

    spans: list[tuple[int, int]]
    words: list[list[tuple[str, str]]]
    terms: list[set[str]]
    at: int
    wanted: set[str]


def _read(asked: set[str], text: str, start: int) -> _Passage | None:
    """``text`` read for the question's stems ``asked``, around the sentence holding
    ``text[start]``; None when no sentence holds it or there is only one (no sibling)."""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None or len(spans) < 2:
        return None
    words = [_words(text[s:e]) for s, e in spans]
    terms = [{stem for stem, _ in w} - {""} for w in words]
    return _Passage(spans, words, terms, at, asked & set().union(*terms))


def _words(text: str) -> list[tuple[str, str]]:
    """The words of ``text`` in order, as ``(stem, word)``: lowercase and stemmed (Snowball
    English), the stem "" for a stopword and for a capitalized word after the first (a name:
    "Levi's Stadium", "the Eccleston Doctor"), which keep their places ("items can be returned"
    has no pair "items returned"). A word that opens a line opens a sentence too (a heading
    line glued to its paragraph: "Borrowing\nAdults can borrow ...")."""
    found = list(re.finditer(r"[A-Za-z][\w'-]*", text))
    lower = [m.group(0).lower() for m in found]
    opens = [not i or "\n" in text[found[i - 1].end() : m.start()] for i, m in enumerate(found)]
    return [
        ("" if w in STOPWORDS or (not first and m.group(0)[0].isupper()) else stem, w)
        for m, w, stem, first in zip(found, lower, stems(lower), opens, strict=True)
    ]


def names_in(name: str, text: str) -> bool:
    """Whether ``text`` names ``name`` (a whole word, any case)."""
    return re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE) is not None


def same_name(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name the same thing as far as spelling can tell: one holds the
    other, or they differ in accents, case, an ending or two letters."""
    x, y = (re.sub(r"[^a-z0-9 ]", "", fold(n).lower()) for n in (a, b))
    if x in y or y in x or x[:5] == y[:5]:
        return True
    return len(x) == len(y) and sum(c != d for c, d in zip(x, y, strict=True)) <= 2
