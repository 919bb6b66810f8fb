"""Qualifiers of an amount: a sentence that gives the default cache size does not say the maximum.

"What is the *maximum* cache size?" asks for one value of a quantity that has several (the
default, the maximum, the average, the total, the value per year). A passage that gives another
of them answers the words "cache size" all the same, and a reader that matches words picks its
number: "512 MB" from "The default cache size increased from 256 MB to 512 MB". SQuAD 2.0 built
its unanswerable questions this way, among others ("a qualifier that the text doesn't have").

``qualifier_problem`` refuses a span when the question names a qualifier of one of the groups
below and the span's sentence, the sentence before it, its table's header row, the passage's
headings and its title hold no word of that group. Only qualifiers that pick a different value
of the same quantity are listed; words that merely describe ("new", "main") are not.

``bound_problem`` refuses a span whose sentence bounds a number the other way than the question
does: "What is the dose for children under 12?" is not answered from "Adults and children over 12
years may take one or two tablets".

``count_problem`` refuses a span whose sentence counts the question's thing with another number:
"How much is a family swim for two adults and three children?" is not answered "£14" from "A
family swim for two adults and two children costs £14".

``per_problem`` refuses an amount counted in another unit than the question's: "full value cover
maximum per move" is not answered "£2,000" from "Maximum £2,000 per item" when another sentence
gives the figure per move.

``day_problem`` refuses a span whose sentence is about other weekdays or months than the one the
question names: "When is the box office open on Sundays?" is not answered "10 am" from "open
Monday to Saturday from 10 am" when another sentence is the one about Sundays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.guard.claims import SMALL_CARDINALS, numbers, stems
from veracity.guard.periods import MONTHS, WEEK_PART, WEEKDAYS, named
from veracity.guard.sentences import STOPWORDS
from veracity.rag.measures import is_terse
from veracity.rag.structure import content_terms, sentence_at, sentence_index
from veracity.rag.tables import table_header
from veracity.text.entries import lead_in
from veracity.text.sentences import split_sentences

# Each group: interchangeable ways to say one qualifier (phrases allowed); after " ~ ", ways a
# sentence says it that a question does not use to ask for it ("up to 512 MB" is a maximum;
# "How many teams up to Super Bowl 50 ...?" asks for no maximum).
_WAYS = (
    "maximum|max|maximal|upper limit|at most|up to a maximum|no more than|cap|capped"
    " ~ up to|limited to|not exceed|not to exceed|cannot exceed|no larger than|no longer than"
    "|or under|or younger|or less|or fewer",
    "minimum|min|minimal|lower limit|at least|no less than|no fewer than ~ no shorter than"
    "|or over|or older|and over|and older|or more|or above",
    "average|on average|averages|averaged|median",
    "annual|annually|yearly|per year|a year|each year|every year|per annum|/year|/yr"
    " ~ by the year|for the year|for the whole year|for a whole year|for a full year",
    "monthly|per month|a month|each month|every month|/month|/mo"
    " ~ by the month|for the month|for the whole month|for a whole month|for a full month",
    "weekly|per week|a week|each week|every week|/week"
    " ~ by the week|for the week|for the whole week|for a whole week|for a full week",
    "daily|per day|a day|each day|every day|/day"
    " ~ by the day|for the day|for the whole day|for a whole day|for a full day",
    "hourly|per hour|an hour|each hour|every hour|/hour|/h"
    " ~ by the hour|for the hour|for the whole hour|for a whole hour|for a full hour",
    "default|by default|defaults|defaulted",
    "per person|per head|each person|per capita|per guest|a head|a person ~ per individual|pp",
    "recommended|recommend|recommends|recommendation",
)


_NOT_A_NOUN = (
    r"(?!\s+(?!(?:for|in|on|at|to|of|and|or|if|when|while|per|with|from|until|is|are|do|does|"
    r"can|will|would|should)\b)[a-z])"
)


def _pattern(phrases: str, edge: str, gap: bool = False) -> re.Pattern[str]:
    """Any of ``phrases`` ("a|b ~ c"), not next to an ``edge`` character; with ``gap``, "each",
    "every" and "per" may take a word before their noun ("each nursery year", "per calendar
    month")."""
    words = [re.escape(w) for w in phrases.replace(" ~ ", "|").split("|")]
    # "a day" before a noun names a thing, not a rate: "a day return", "a week pass"
    words = [w + _NOT_A_NOUN if re.match(r"an?\\ ", w) else w for w in words]
    if gap:
        words = [re.sub(r"^(each|every|per)\\ ", r"\1\\s+(?:[\\w-]+\\s+)?", w) for w in words]
    return re.compile(rf"(?<!{edge})(?:{'|'.join(words)})(?!{edge})", re.IGNORECASE)


# How a question names each group: whole words. How a sentence says it: also as a part of a
# name ("--min-size", "max_connections", "maxRetries" does not count: no separator), and with a
# word inside ("each nursery year" says "each year").
_ASKED = tuple(_pattern(w.split(" ~ ")[0], r"[\w-]") for w in _WAYS)
_SAID = tuple(_pattern(w, r"[A-Za-z0-9]", gap=True) for w in _WAYS)

# "What is the maximum ...", "What's the default ...", "Which is the recommended ...": the
# qualifier names the value asked for
_WHAT_IS_THE = re.compile(
    r"^\W*(?:what|which)(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:the|its|their|your|our)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:maximum|max|minimum|min|average|median|annual|yearly|monthly|weekly"
    r"|daily|hourly|default|recommended)\b"
    # "What's the spending limit per person?": a value, whatever qualifies it
    r"|^\W*what(?:'s|\s+is|\s+are)\s+(?:the|my|our)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:limit|price|cost|fee|rate|charge|allowance|budget)s?\b",
    re.IGNORECASE,
)


def names_a_qualifier(word: str) -> bool:
    """Whether ``word`` is one of the ways a question names a qualifier group ("maximum",
    "daily", "default"): ``qualifier_problem`` checks those, with the ways a sentence says them."""
    return any(group.fullmatch(word) for group in _ASKED)


def _groups_in(text: str, ways: tuple[re.Pattern[str], ...]) -> set[int]:
    return {i for i, group in enumerate(ways) if group.search(text)}


def qualifier_problem(
    question: str, text: str, start: int, context: Sequence[str] = (), *, amount: bool = False
) -> str:
    """Why the span at ``text[start]`` gives another value than the one the question qualifies,
    or "": a qualifier group the question names is absent from the span's sentence (and the
    sentence before it, the header of its table, or the line that leads into its list: "Monthly
    card limits:"), and from ``context`` (the passage's headings and title).

    Only for questions that ask for a value: ``amount`` (the caller's test for "how much",
    "what year", "when", ...), "What is the maximum ...?", or a terse query ("daily cash
    withdrawal limit Premier account"). Elsewhere a qualifier describes
    ("What must a teacher have, at a minimum?", "changes recommended by Parliament")."""
    asked = _groups_in(question, _ASKED)
    if not asked or not (amount or _WHAT_IS_THE.match(question) or is_terse(question)):
        return ""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None:
        return ""
    lo, hi = spans[max(0, at - 1)][0], spans[at][1]
    around = [text[lo:hi], table_header(text, start), lead_in(text, start), *context]
    held = _groups_in(" ".join(around), _SAID)
    missing = sorted(asked - held)
    if not missing:
        return ""
    found = _ASKED[missing[0]].search(question)
    assert found is not None  # ``asked`` holds the group because the question matched it
    word = found.group(0)
    return (
        f"the question asks for the value qualified '{word}', and the answer's sentence "
        "does not say so"
    )


def qualified_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is the value of another thing that its sentence qualifies
    the way the question does, or "": the question qualifies a noun ("minimum age"), the
    sentence qualifies another one the same way ("a new 12-month minimum term"), and no word of
    the question's noun phrase is in the sentence. "Max speed" answers "max print speed TPU"."""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    sentence = text[s:e]
    said_terms = content_terms(sentence)
    for group in _ASKED[:2]:  # maximum, minimum
        asked = _QUALIFIED.search(question[m.end() :]) if (m := group.search(question)) else None
        if asked is None:
            continue
        phrase = content_terms(asked.group(0))
        if not phrase or phrase & said_terms:
            continue
        for said in group.finditer(sentence):
            other = _QUALIFIED.search(sentence[said.end() :])
            if other is not None and not content_terms(other.group(0)) & content_terms(question):
                return (
                    f"the sentence's '{said.group(0)}' is of '{other.group(0).strip()}', the "
                    f"question's of '{asked.group(0).strip()}'"
                )
    return ""


# the noun phrase a qualifier qualifies, up to a word that starts another part of the sentence
_QUALIFIED = re.compile(
    r"^\s+(?:(?!(?:for|of|in|on|at|to|with|from|by|per|is|are|was|were|do|does|can|will|would|"
    r"should|must|and|or|that|which|if|when)\b)[a-z][\w-]*\s*){1,3}",
    re.IGNORECASE,
)


# A bound on a number, by its side: "under 12", "more than 3 hours", "at least 18".
_BELOW = (
    "under|below|less than|fewer than|younger than|shorter than|lower than|smaller than|up to"
    "|at most|no more than|not more than"
)
_ABOVE = (
    "over|above|more than|greater than|older than|longer than|higher than|larger than|at least"
    "|no less than|not less than|exceeding"
)
_BOUND = re.compile(
    rf"(?<![\w-])(?:(?P<below>{_BELOW})|(?P<above>{_ABOVE}))\s+(?P<number>\d[\d,]*(?:\.\d+)?)"
    r"(?![\d,.]*\d)",
    re.IGNORECASE,
)


def _bounds(text: str) -> dict[tuple[str, str], str]:
    """Each bound in ``text`` by ``(side, number)``, with its words: ``("below", "12")`` to
    "under 12"."""
    return {
        ("below" if m.group("below") else "above", m.group("number").replace(",", "")): m.group(0)
        for m in _BOUND.finditer(text)
    }


def bound_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers for the other side of a bound, or "": the question
    bounds a number ("children under 12") and the span's sentence bounds the same number the
    other way ("children over 12") and never the question's way; or it bounds another number
    ("Children under 3 swim free") while another sentence of the passage has the question's
    bound ("Children under 8 must be accompanied ...")."""
    asked = _bounds(question)
    if not asked:
        return ""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    said = _bounds(text[s:e])
    elsewhere = _bounds(text[:s] + " " + text[e:])
    for (side, number), words in sorted(asked.items()):
        other = ("above" if side == "below" else "below", number)
        if other in said and (side, number) not in said:
            return (
                f"the question asks about '{words}', and the answer's sentence is about "
                f"'{said[other]}'"
            )
        # "Children under 3 swim free" does not answer for "children under 8" when another
        # sentence of the passage is the one about under 8
        if said and (side, number) not in said and (side, number) in elsewhere:
            return (
                f"the question asks about '{words}', and the answer's sentence is about "
                f"'{next(iter(said.values()))}'"
            )
    return ""


def day_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is for other weekdays or months than the question names,
    or "": the question names one ("on Sundays", "in August"), the span's sentence names others
    of its kind and not it, one by one or in a period ("Monday to Saturday", "weekdays"), and
    another sentence of the passage names it ("On Sundays it opens only when there is a
    performance"). A sentence that names no day of the kind is general and may answer, and a
    question that asks about a set ("at weekends") is left alone."""
    if WEEK_PART.search(question):
        return ""
    asked = named(question)
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if not asked or at is None or len(spans) < 2:
        return ""
    said = [named(text[s:e]) for s, e in spans]
    for day in sorted(asked):
        kind = set(WEEKDAYS if day in WEEKDAYS else MONTHS)
        mine = said[at] & kind
        if not mine or day in mine:
            continue
        if any(day in other for i, other in enumerate(said) if i != at):
            return f"the sentence is about {_days(mine)}, the question about {day.title()}"
    return ""


def span_day_problem(question: str, span: str) -> str:
    """Why ``span`` is for other weekdays or months than the question names, or "": the span
    itself names days of the asked one's kind, and not it ("14:00 Thursday" does not answer
    "What time does the shop close on Saturdays?", whatever else its sentence says of
    Saturdays). Fires on none of SQuAD v1.1 dev's 10,570 gold answers."""
    if WEEK_PART.search(question):
        return ""
    mine = named(span)
    for day in sorted(named(question)):
        kind = mine & set(WEEKDAYS if day in WEEKDAYS else MONTHS)
        if kind and day not in kind:
            return f"'{span}' is for {_days(kind)}, the question about {day.title()}"
    return ""


def _days(days: set[str]) -> str:
    """``days`` as a text says them: "Monday to Saturday" for a run of three or more."""
    cycle = WEEKDAYS if days <= set(WEEKDAYS) else MONTHS
    order = [d.title() for d in cycle if d in days]
    first, last = cycle.index(order[0].lower()), cycle.index(order[-1].lower())
    if len(order) >= 3 and last - first + 1 == len(order):
        return f"{order[0]} to {order[-1]}"
    return ", ".join(order)


def count_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is for another count of the thing the question counts,
    or "": the question puts a number before a noun ("three children", "4 people"), and the
    span's sentence puts other numbers before the same noun and never the question's ("two
    children"). Years, and numbers that are part of a name ("Super Bowl 50", "series 2"), count
    nothing, and a band holds the numbers inside it ("2 years to under 5 years" counts 3 years).
    Fires on 4 of SQuAD v1.1 dev's 10,570 gold answer sentences."""
    asked = _counts(question)
    s, e = sentence_at(text, start)
    if not asked or s == e:
        return ""
    said = _counts(text[s:e])
    for noun, (wanted, word) in sorted(asked.items()):
        if noun in said and not said[noun][0] & wanted and not _within(wanted, said[noun][0]):
            return f"the sentence counts {said[noun][1]}, the question {word}"
    return ""


def _within(wanted: set[str], band: set[str]) -> bool:
    """Whether a number of ``wanted`` lies inside the band ``band``'s numbers span ("3 years"
    inside "2 years to under 5 years")."""
    values = [float(n) for n in band if _NUMERIC.fullmatch(n)]
    if len(values) < 2:
        return False
    return any(min(values) <= float(n) <= max(values) for n in wanted if _NUMERIC.fullmatch(n))


_NUMERIC = re.compile(r"\d+(?:\.\d+)?")


# "per move", "per item", "each booking", "a night": the unit an amount is counted in ("per
# additional SIM" counts SIMs)
_PER = re.compile(
    r"\b(?:per|each|every)\s+(?:(?:additional|extra|further|other|single|full)\s+)?([a-z]{3,})\b",
    re.IGNORECASE,
)
_PER_SAID = re.compile(
    r"\b(?:per|each|every|a|an)\s+(?:(?:additional|extra|further|other|single|full)\s+)?"
    r"([a-z]{3,})\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;:,\n]|\b(?:and|or|but|unless|if|plus)\b")

# words after "a"/"an" that count nothing: "£5 a time" is a unit, "a further", "a maximum" not
_NOT_A_UNIT = frozenset({"further", "maximum", "minimum", "total", "fee", "charge", "few", "lot"})


def per_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the amount at ``text[start:end]`` is counted in another unit than the one the question
    asks for, or "": the question says "per move", the span's amount is "per item" (and not
    "per move" too: "£24 per container per week" answers "per week"), and the passage says "per
    move" elsewhere ("Maximum £2,000 per item" does not answer "full value cover maximum per
    move" when "£150,000 per move" is the sentence about moves). Only for a span with digits;
    fires on none of SQuAD v1.1 dev's 10,570 gold answers."""
    if not re.search(r"\d", text[start:end]):
        return ""
    asked = {_unit(m.group(1)): m.group(0) for m in _PER.finditer(question)}
    if not asked:
        return ""
    stop = _CLAUSE_END.search(text, end, end + 60)
    clause = (start, stop.start() if stop else min(len(text), end + 60))
    said = [m for m in _PER_SAID.finditer(text, *clause) if _unit(m.group(1)) not in _NOT_A_UNIT]
    units = {_unit(m.group(1)) for m in said}
    if not said or units & set(asked):
        return ""
    elsewhere = {
        _unit(m.group(1)) for m in _PER.finditer(text) if not start <= m.start() < clause[1]
    }
    wanted = next((u for u in sorted(asked) if u in elsewhere), None)
    if wanted is None:
        return ""
    return f"the amount is {said[0].group(0).strip()}, the question asks {asked[wanted]}"


def _unit(word: str) -> str:
    return stems([word.lower()])[0]


def _counts(text: str) -> dict[str, tuple[set[str], str]]:
    """The words ``text`` counts: the stem of each of the (up to) two words after a small number
    ("two adult tickets" counts "adult" and "ticket"), with the numbers before it and how its
    first count is written."""
    out: dict[str, tuple[set[str], str]] = {}
    for m in _COUNT.finditer(text):
        if _in_name(text, m.start(), m.group(1)):
            continue
        for group in (2, 3):
            word = m.group(group)
            if not word or word.lower() in STOPWORDS or word.lower() in MONTHS + WEEKDAYS:
                break
            stem = stems([word.lower()])[0]
            said = text[m.start() : m.end(group)]
            out.setdefault(stem, (set(), said))[0].update(numbers(m.group(1)))
    return out


def _in_name(text: str, at: int, number: str) -> bool:
    """Whether ``number`` at ``text[at]`` is part of a name ("Super Bowl 50", "the Seven Years
    War"): a capitalized number word, or digits after a capitalized word, inside a sentence."""
    before = re.search(r"(\S+)\s+$", text[max(0, at - 80) : at])
    if before is None or before.group(1).endswith((".", "!", "?", ":")):
        return False
    return number[0].isupper() or (before.group(1)[0].isupper() and number.isdigit())


# "three children", "4 people", "2 adult tickets": a small count, then up to two words; not a
# year or a decimal
_COUNT = re.compile(
    rf"(?<![\d.,])\b(\d{{1,3}}|{'|'.join(SMALL_CARDINALS)})"
    r"(?![\d.,]\d)\s+([a-z][\w-]*)(?:\s+([a-z][\w-]*))?",
    re.IGNORECASE,
)
