"""Measures: whether a span gives the kind of quantity a question asks for.

A time for "when" (not a price: "5 euros per day"), a time of day for "what time does X close",
a price for "how much is X" (not "23 kg", not a count, not "£3 more" when the question asks no
difference), and a measure of the asked kind for "how heavy", "how long" or "how many tablets"
(not "25°C"). A span with no unit at all passes the unit rules: a bare number may be anything.
A terse query asks for what its last words name: a price ("gate key deposit"), a number
("descaling hard water how often", "eco programme duration").
Each rule's false fires are counted on SQuAD v1.1 dev's gold answers.
"""

from __future__ import annotations

import re

from veracity.guard.claims import SMALL_CARDINALS, numbers
from veracity.guard.periods import MONTH_WORD
from veracity.rag.money import amount_of_a_thing
from veracity.text.analyzer import ENGLISH_STOPWORDS

YEAR = re.compile(
    r"(?<![\d.])\d{3,4}(?:s|'s)?(?![\d.]\d)|\b(?:century|centuries|decade|millenni\w*|BCE?|AD|CE)\b"
)
_WHEN = re.compile(r"^\W*(?:when|(?:in|on|at|by) what (?:date|day|month|time))\b", re.IGNORECASE)
# "When rocks melt, what forms?": a "when" clause that sets the scene for another question word.
_LATER_QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|where|why|how)\b", re.I)
TIME_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|daily|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"morning|afternoon|evening|noon|midnight|night|today|tomorrow|yesterday|year|month|week|"
    r"century|decade|spring|summer|autumn|fall|winter|before|after|during|until|when|once|"
    r"ago|era|age|period|since)s?\b",
    re.IGNORECASE,
)
# Amounts without digits or a number word: "half a mile", "hundreds", "several", "a year".
AMOUNT_WORDS = re.compile(
    r"\b(?:half|quarter|dozens?|scores|hundreds|thousands|millions|billions?|trillions?|several"
    r"|few|many|numerous|multiple|twice|thrice|double|triple|none)\b"
    r"|\b(?:an?|per|each|every)\s+(?:\w+\s+)?(?:second|minute|hour|day|night|week|month|year"
    r"|decade|century|mile|kilometre|kilometer|metre|meter|foot|feet|inch|yard|acre|pound|ton"
    r"|dollar|percent)s?\b",
    re.IGNORECASE,
)


def asks_when(question: str) -> bool:
    """Whether ``question`` asks when: not a leading "when" clause that sets the scene for
    another question word ("When rocks melt, what forms?")."""
    return bool(_WHEN.search(question)) and not _LATER_QUESTION_WORD.search(question, 5)


# A terse query, no question word and no question mark ("daily cash withdrawal limit Premier
# account"): it names the value it wants
_TERSE = re.compile(
    r"^(?!\W*(?:what|which|who|whom|whose|when|where|why|how|is|are|am|was|were|do|does|did|can|"
    r"could|will|would|should|shall|has|have|had|may|might|must|i|we|my|our)\b)[^?]*$",
    re.IGNORECASE,
)
# a price named near the end of a terse query: "medium veg box fortnightly price", "half plot
# rent pensioner", "gate key deposit"
_TERSE_PRICE = re.compile(
    r"\b(?:price|cost|fee|fare|rent|deposit|excess|charge)s?(?:\s+[\w'-]+){0,2}\s*$",
    re.IGNORECASE,
)
# "how many", "how long", "how often" in a terse query ask a number, not a price
_TERSE_COUNT = re.compile(r"\bhow\s+(?:many|long|often)\b", re.IGNORECASE)
# "descaling hard water how often", "eco programme duration", "webhook endpoint timeout": a
# terse query that ends in the kind of number it wants
_TERSE_QUANTITY = re.compile(
    r"\bhow\s+(?:often|many|much)\b[^?]*$|\b(?:duration|temperature|capacity|weight|height|"
    r"width|depth|voltage|wattage|timeouts?|time\s+limits?|notice\s+period)\s*$"
    # "council mileage allowance rate school run", "contacts limit growth plan": a rate, a limit
    # or an allowance, then at most two words of what it is for
    r"|\b(?:rates?|limits?|allowances?|quotas?)(?:\s+[\w'-]+){0,2}\s*$",
    re.IGNORECASE,
)
# "What are the controlled hours in Zone B?": hours of the day, given in times or days
_HOURS_QUESTION = re.compile(
    r"^\W*what\s+(?:(?:are|were)\s+(?:the\s+)?(?:[a-z-]+\s+)?)?hours\b", re.IGNORECASE
)
# "how often ...?": a frequency ("every 90 days", "twice a year", "once", "rarely")
_HOW_OFTEN = re.compile(r"\bhow\s+(?:often|frequently)\b", re.IGNORECASE)
_FREQUENCY = re.compile(
    r"\b(?:every|each|per|once|twice|thrice|times|daily|weekly|fortnightly|monthly|quarterly|"
    r"annually|yearly|hourly|nightly|always|never|rarely|seldom|occasionally|regularly|"
    r"frequently|often|sometimes|usually|continuously|constantly|periodically|annual|biennial|"
    r"biannual|semiannual|a\s+(?:day|week|month|year|fortnight))\b|/",
    re.IGNORECASE,
)
# "What's the telephone number ...?": a number to dial, with digits
_PHONE_QUESTION = re.compile(r"\b(?:tele)?phone\s+(?:number|no)\b|\bnumber\s+to\s+call\b", re.I)


def gives_frequency(question: str, span: str) -> bool:
    """Whether ``question`` asks how often and ``span`` says it ("annually", "every 90 days")."""
    return bool(_HOW_OFTEN.search(question) and _FREQUENCY.search(span))


def is_terse(question: str) -> bool:
    """Whether ``question`` is a terse query: no question word first, no question mark."""
    return bool(_TERSE.match(question))


def asks_price(question: str) -> bool:
    """Whether ``question`` asks for a price ("How much is a checked bag?", "What's the fee?",
    "gate key deposit")."""
    return bool(
        _PRICE_QUESTION.search(question)
        or (
            is_terse(question)
            and _TERSE_PRICE.search(question)
            and not _TERSE_COUNT.search(question)  # "battery warranty how many charge cycles"
        )
    )


def terse_quantity(question: str) -> bool:
    """Whether a terse query asks for a number ("descaling hard water how often")."""
    return is_terse(question) and bool(_TERSE_QUANTITY.search(question))


def no_charge(span: str) -> bool:
    """Whether ``span`` says a thing costs nothing ("free", "no charge"): a price of none."""
    return bool(_NO_PRICE.search(span))


def measure_problem(question: str, span: str, after: str = "") -> str:
    """Why ``span`` is not the kind of measure ``question`` asks for, or "". ``after`` is the
    text that follows the span in its passage, where a bare number's unit may come ("15" of
    "15 euros")."""
    if (
        asks_when(question)
        and _UNITS["price"].search(span)
        and not (TIME_WORDS.search(span) or CLOCK.search(span))
    ):
        # "When is the office closed?" is not "5 euros per day"
        return f"the question asks when, and '{span}' is a price"
    if (
        asks_when(question)
        and _LARGE_COUNT.search(span)
        and not (TIME_WORDS.search(span) or _ERA.search(span))
    ):
        # "When will events be accepted again?" is not "25,000" (events): no year or hour is
        # written with a thousands separator or five digits, unless counted back ("11,600 BP");
        # this fires on none of SQuAD v1.1 dev's gold answers, nor does the date rule below
        return f"the question asks when, and '{span}' is a count"
    if (
        is_terse(question)
        and _EXPIRY_ASKED.search(question)
        and _UNITS["price"].search(span)
        and not (TIME_WORDS.search(span) or _UNITS["time"].search(span) or _DATE.search(span))
    ):
        # "salon gift voucher expiry" is not "£10", the smallest voucher sold
        return f"the question asks when something expires, and '{span}' is a price"
    if _HOURS_QUESTION.search(question) and not (re.search(r"\d", span) or TIME_WORDS.search(span)):
        # "What are the controlled hours in Zone B?" is not "Bank holidays"
        return f"the question asks for hours, and '{span}' gives none"
    if _PHONE_QUESTION.search(question) and len(re.findall(r"\d", span)) < 5:
        return f"the question asks for a telephone number, and '{span}' is none"
    if _CLOCK_QUESTION.search(question) and not CLOCK.search(span):
        return f"the question asks what time, and '{span}' is no time of day"
    if _SIZE_ASKED.match(question) and not (re.search(r"\d", span) or _SIZE_WORDS.search(span)):
        # "What size supply cable do we need?" is not "SWA cable clipped direct"
        return f"the question asks for a size, and '{span}' is none"
    if (
        asks_price(question)
        and (asked := _priced(question))
        and (said := _priced(span))
        and not asked & said
        and not _RENT_OF.search(span)  # a deposit of "five weeks' rent"
    ):
        # "What booking deposit do I pay?" is not "£10 administration fee"
        return f"the question asks for a {sorted(asked)[0]}, and '{span}' is a {sorted(said)[0]}"
    if _AGE_QUESTION.search(question) and _MONTH.search(span) and not _AGE_WORDS.search(span):
        # "From what age can I take my pension early?" is not "6 April"
        return f"the question asks for an age, and '{span}' is a date"
    if (m := _MEASURE_ASKED.match(question)) and not (
        _STANDING_DIGIT.search(span) or AMOUNT_WORDS.search(span)
    ):
        # "What pressure should I stop at?" is not answered "engineer"
        return f"the question asks for a {m.group(1).lower()}, and '{span}' is none"
    if _HOW_MUCH.search(question) and CLOCK.search(span) and not _UNITS["price"].search(span):
        return f"the question asks how much, and '{span}' is a time of day"
    if (
        _RATE_QUESTION.search(question)
        and _UNITS["time"].search(span)
        and not re.search(r"%|\bper\b|/|\b(?:an?|each|every)\s+\w", span, re.IGNORECASE)
    ):
        # "At what bounce rate does sending pause?" is not "72 hours"
        return f"the question asks for a rate, and '{span}' is a length of time"
    clause = span + re.split(r"[.!?;]\s", after, maxsplit=1)[0]
    if (
        _PRICE_QUESTION.search(question)
        and _DIFFERENCE.search(clause)
        and not _DIFFERENCE_ASKED.search(question)
    ):
        # "How much is a one hour lesson?" is not "£3 more per hour", a surcharge on another price
        return f"the question asks for a price, and '{span}' is a difference from another one"
    return _unit_problem(question, span, span + _first_word(after))


def _first_word(text: str) -> str:
    m = re.match(r"[^\S\n]*[A-Za-z%]+", text)
    return m.group(0) if m else ""


def _unit_problem(question: str, span: str, read: str) -> str:
    """Why ``span`` measures another thing than the question asks, or "": "How heavy is the
    kettle?" is not answered "three months" (a time) from a sentence about descaling, nor "How
    many tablets are in a pack?" "25°C". Only when the span has a unit of one kind and none of
    the kind asked (for "how many", when the counted word is no unit: "how many square
    kilometres" asks for a length); a bare number passes. On SQuAD v1.1 dev's 640 "how many"
    questions the count rule fires on no gold answer. ``read`` is the span with the word after
    it, for the rules that ask whether a number has a unit."""
    if asks_price(question) and not _MEASURE_VERB.search(question):
        # "How much is a checked bag?" asks a price, not "23 kg" or "three working days"; "How
        # much is a book of permits?" not "ten" (a bare count: no unit, no percentage)
        found = {kind for kind in ("weight", "length", "volume", "temperature", "time",
                 "data size") if _UNITS[kind].search(span)}  # fmt: skip
        if found and not (_UNITS["price"].search(span) or _RENT_OF.search(span)):
            return f"the question asks for a price, and '{span}' is a {sorted(found)[0]}"
        if (
            numbers(span)
            and not any(unit.search(read) for unit in _UNITS.values())
            and not re.search(r"%|\bper\s?cent\b", read, re.IGNORECASE)
            and not _CENTS.search(span)  # "39.50" in a price table's cell is money
        ):
            return f"the question asks for a price, and '{span}' is a count"
        if (
            _PERCENT.fullmatch(span.strip())
            and not _SHARE_ASKED.search(question)
            and not is_terse(question)  # "default pension fund annual management charge"
        ):
            # "What's the MOT price for a motorbike?" is not "20%" (the VAT in every price)
            return f"the question asks for a price, and '{span}' is a percentage"
    if count := _HOW_MANY.search(question):
        # "How many tablets are in a pack?" is not answered "25°C": a count of things that are no
        # unit is no measure (a time may still qualify it: "2,000 students a year")
        words = [w.lower() for w in count.groups() if w]
        if any(
            re.search(rf"\b{re.escape(w)}\b", span, re.IGNORECASE)
            for w in words
            if w not in ENGLISH_STOPWORDS
        ):
            return ""  # "500 full charge cycles" counts the charge cycles asked about
        if any(
            unit.fullmatch(w) or unit.fullmatch(w.removesuffix("s"))
            for unit in _UNITS.values()
            for w in words
        ):
            return ""
        if CLOCK.search(span) and not numbers(CLOCK.sub(" ", span)):
            # "How many nights can a guest stay?" is not "9:00pm"
            return f"the question counts {words[0]}, and '{span}' is a time of day"
        if (
            _DATE.search(span)
            and not numbers(_DATE.sub(" ", span))
            and not _DATE_ASKED.search(question)
        ):
            # nor "11 May to 5 June 2026", the dates of a period
            return f"the question counts {words[0]}, and '{span}' is a date"
        found = {kind for kind, unit in _UNITS.items() if kind != "time" and unit.search(span)}
        if not found and (measured := _measured(read)) and measured <= {"time"}:
            found = measured  # the span's number counts minutes or days: "two minutes"
        if found:
            return f"the question counts {words[0]}, and '{span}' is a {sorted(found)[0]}"
        return ""
    how, noun = _HOW_MEASURE.search(question), _MEASURE_NOUN.search(question)
    if m := how or noun:
        word = m.group(1).lower()
        found = {kind for kind, unit in _UNITS.items() if unit.search(span)}
        if found and _MEASURE_OF[word] not in found:
            asked = f"how {word}" if how else f"for the {word}"
            return f"the question asks {asked}, and '{span}' is a {sorted(found)[0]}"
    if (
        (thing := amount_of_a_thing(question))
        and not _PRICE_QUESTION.search(question)
        and _UNITS["price"].search(span)
        and not any(u.search(span) for kind, u in _UNITS.items() if kind != "price")
    ):
        # "How much storage does the Basic plan include?" is not "9 dollars"
        return f"the question asks how much {thing}, and '{span}' is a price"
    if _HOW_LONG.search(question):
        return _how_long_problem(span, read, named=bool(_NAMES_A_THING.search(question)))
    if _LONGEST_ASKED.search(question) and not (
        any(_UNITS[kind].search(span) for kind in ("time", "length", "data size"))
        or AMOUNT_WORDS.search(span)
        or _LONE_NUMBER.search(span)
        or (numbers(span) and not re.search(r"\d", span))  # "seven days", "ten"
    ):
        # "What's the longest the exhaust pipe can be?" is not "80/125" (a flue's size), nor
        # "What's the longest clip the doorbell can record?" "1536p" (its resolution)
        return f"the question asks how long something may be, and '{span}' is no length"
    return ""


def _how_long_problem(span: str, read: str, named: bool = False) -> str:
    """Why ``span`` (``read``: with the word after it) does not say how long, or "": a
    price, a number of nothing, a time of day, a measure of another kind, a day of a month, or
    words that name no length of time at all ("Yes", "Clips recorded"), unless the question
    asks for a thing first (``named``: "Which setting controls how long output is kept?")."""
    if _UNITS["price"].search(span) and not (
        _UNITS["time"].search(span) or _UNITS["length"].search(span)
    ):
        return f"the question asks how long, and '{span}' is a price"
    if (
        numbers(span)
        and not _measured(read)
        and not (TIME_WORDS.search(span) or _FULL_YEAR.search(span) or AMOUNT_WORDS.search(span))
    ):
        return f"the question asks how long, and '{span}' is no duration or length"
    if CLOCK.search(span) and not _UNITS["time"].search(span) and not CLOCK_RANGE.search(span):
        # "How long does a repeat prescription take?" is not "4:00pm on weekdays" (but "9am to
        # 5pm" or "until 6pm" answers how long a place is open or a car may stay)
        return f"the question asks how long, and '{span}' is a time of day"
    measured = _measured(read)
    if (
        measured
        and not measured & {"time", "length", "count"}
        and not (_UNITS["time"].search(span) or _UNITS["length"].search(span))
    ):
        # "How long are artifacts kept on the Team plan?" is not "10 GB"
        return f"the question asks how long, and '{span}' is a {sorted(measured)[0]}"
    if _DATE.search(span) and not _UNITS["time"].search(span) and not CLOCK_RANGE.search(span):
        # "How long for a web refund to reach my card?" is not "14 July 2025", one day (but
        # "until 31 March" or "1 May to 30 June" answers how long an offer lasts)
        return f"the question asks how long, and '{span}' is a date"
    if not named and not (
        numbers(span)
        or re.search(r"\d", span)
        or TIME_WORDS.search(span)
        or AMOUNT_WORDS.search(span)
        or _DURATION_WORDS.search(span)
        or _measured(read)
    ):
        # "How long is the continuous footage kept?" is not "Yes", nor "Clips recorded"
        return f"the question asks how long, and '{span}' names no length of time"
    return ""


def frequency_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the span ``text[start:end]`` does not say how often, for a "how often" question, or
    "": neither it nor the words just before it give a frequency or a length of time. "How
    often can an admin reassign a seat?" is not "one person"; "100 million" of "every 100
    million instructions" and "two weeks" of "every two weeks" are (the reader leaves "every"
    out)."""
    if not _HOW_OFTEN.search(question):
        return ""
    said = text[max(0, start - 16) : end]
    if _FREQUENCY.search(said) or _UNITS["time"].search(text[start:end]):
        return ""
    return f"the question asks how often, and '{text[start:end]}' is no frequency"


def label_number_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the bare number ``text[start:end]`` is no count for a "how many" question, or "": a
    word before it makes it a name ("extension 2250", "platform 4", "Route 66"). Fires on none
    of SQuAD v1.1 dev's 10,570 gold answers."""
    if not (_HOW_MANY.search(question) or terse_quantity(question)):
        return ""
    if not _BARE_NUMBER.fullmatch(text[start:end]):
        return ""
    if (m := _NUMBER_LABEL.search(text, max(0, start - 20), start)) is None:
        return ""
    return f"'{text[start:end]}' is a name ('{m.group(1)} {text[start:end]}'), not a count"


# a number that a word before it makes a name: "extension 2250", "platform 4", "room 12"
_NUMBER_LABEL = re.compile(
    r"\b(extension|ext|room|line|page|flat|unit|platform|gate|route|bus|stop|code|zone|"
    r"level|floor|seat|row|chapter|section|clause|step|version|model)\.?\s*#?\s*$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"\d[\d,]*")


def _measured(span: str) -> set[str]:
    """The kinds of unit that the first number of ``span`` is followed by ("two minutes off
    the pitch": time), or "count" for a noun that is no unit ("255 characters"); empty when it
    stands bare ("eight of the ten") or there is no number."""
    m = _NUMBER_WORD.search(span)
    word = m.group(2) if m else None
    if not word or word.lower() in _NOT_COUNTED:
        return set()
    return {k for k, unit in _UNITS.items() if unit.fullmatch(word)} or {"count"}


# "What time does the museum close?" asks for a time of day ("25 December" is none). Only with a
# verb of a schedule: in SQuAD "what time" also asks for an era ("What time did a river system
# develop?": "Miocene"), and so does "what time period".
_CLOCK_QUESTION = re.compile(
    r"^\W*(?:at\s+)?what\s+time\s+(?:do|does|did|is|are|was|were|will|should|must|can)\b"
    r"[^?]*\b(?:open|close|start|begin|finish|end|leave|depart|arrive|shut|run|go|set(?:ting)?\s+"
    r"off|kick\s+off|serve|served|due|meet|collect|check(?:ing)?[\s-]?(?:in|out)|board|boarding|"
    r"land|take\s+off|pick\s+up)(?:s|es|ed)?\b"
    # "What are visiting times?", "What are the opening hours?": times of day too
    r"|^\W*what\s+(?:are|were|is|was)\s+(?:the\s+)?(?:[a-z-]+\s+)?(?:opening|visiting|office|"
    r"business|closing|collection|pick-up|pickup)\s+(?:times|hours)\b"
    # "Millrace Hall door time for a standing gig", "What's the start time of the 10k?"
    r"|^(?!\W*(?:how|why|who|which|is|are|do|does|did|can|will)\b)[^?]*\b(?:door|doors|opening|"
    r"closing|start|starting|finish|departure|arrival|kick-off|last\s+entry)\s+times?\b",
    re.IGNORECASE,
)
# "How much is dinner?" is not answered "7 am to 10 am" (but "how much time" may be)
_HOW_MUCH = re.compile(r"\bhow\s+much\b(?!\s+(?:time|longer|later|earlier)\b)", re.IGNORECASE)
CLOCK = re.compile(
    r"\d(?:[:.]\d\d)?\s*(?:am|pm|a\.m|p\.m)\b|\b\d{1,2}:\d\d\b|\b\d{3,4}\s*(?:hrs|h)\b|"
    r"\b(?:noon|midday|midnight|o'clock|dawn|dusk|sunrise|sunset|half past|quarter (?:past|to))\b",
    re.IGNORECASE,
)
# "how heavy", "how tall": the kind of measure the answer must be (others, "how long" or "how
# high", take several; "how far in advance" and "how far back" ask for a time); and the units of
# each kind
_HOW_MEASURE = re.compile(
    r"\bhow\s+(heavy|tall|far|wide|deep|thick|hot|cold|warm)\b"
    r"(?!\s+(?:in\s+advance|ahead|back|beforehand|before|into\s+the\s+future)\b)",
    re.I,
)
_PRICE_QUESTION = re.compile(
    r"\bhow\s+much\b(?:[^?]*\b(?:cost|costs|charge|charged|fee|price|pay|paid)\b|"
    r"\s+(?:is|are)\s+(?:a|an|the|each|one|per)\b"
    # "How much are tickets for ...?": a bare plural is what is bought
    r"|\s+are\s+(?!(?:you|they|we|there|these|those|us|its|his|hers|ours|yours)\b)[a-z]+s\b"
    r"(?=\s*(?:[?.!]|$|(?:for|at|in|on|with|per|each|if|when|from)\b)))"
    r"|^\W*what\s+(?:does|do|did|will|would)\s+[^?]*\bcost\b"
    # "how much for a puncture repair", "how much per night"
    r"|\bhow\s+much\s+(?:for|per)\b"
    r"|^\W*what(?:'s|\s+is|\s+are)\s+(?:the|my|our|your)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:price|cost|fee|fare|excess|deductible|premium|deposit|subscription|rent|sum\s+insured)s?\b"
    # "What will the rent be in the second year?"
    r"|^\W*what\s+will\s+(?:the|my|our|your)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:price|cost|fee|fare|premium|rent|subscription)s?\s+be\b"
    # "What booking deposit do I have to pay?"
    r"|^\W*what\s+(?:[a-z-]+\s+){0,2}?(?:price|cost|fee|fare|excess|deposit|charge)s?\s+"
    r"(?:do|does|did|will|would|should|must|is|are)\b"
    # "What will Roundabout charge me?", "What do you charge for a callout?"
    r"|^\W*what\s+(?:do|does|did|will|would)\s+[^?]*\bcharge(?:\s+(?:me|us|you|for)\b|\s*\?)",
    re.IGNORECASE,
)
# a price counted in a periodic payment: "two months' rent", "a week's wages"
_RENT_OF = re.compile(
    r"\b(?:days?|weeks?|months?|years?)['’]?s?\s+(?:rent|salary|pay|wages|income)\b", re.IGNORECASE
)
_NO_PRICE = re.compile(r"\b(?:free|no charge|no cost|complimentary|nothing)\b", re.IGNORECASE)
# "What is the maximum vehicle weight?" asks for a weight, as "how heavy" does, also after a
# clause that sets the scene ("After using the kit, what's the maximum speed?"; "length" also
# names a time: "the length of an episode")
_MEASURE_NOUN = re.compile(
    r"^\W*(?:[^?,]*,\s*)?(?:what|which)\b[^?]*?\b(weight|height|width|depth|temperature|distance|"
    r"altitude|pressure|speed|clearance)\b",
    re.IGNORECASE,
)
# "What pressure should I stop at?", "What's the maximum temperature?": a measure, in numbers
_MEASURE_ASKED = re.compile(
    r"^\W*(?:what|which)(?:(?:'s|\s+is|\s+was|\s+are)\s+the(?:\s+[a-z-]+){0,2}?)?\s+"
    r"(pressure|temperature|weight|height|width|depth|voltage|speed)\b",
    re.IGNORECASE,
)
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.IGNORECASE)
# a terse query for when a thing expires, or how long it is valid ("gift voucher expiry"):
# a time or a date, never a price
_EXPIRY_ASKED = re.compile(r"\b(?:expiry|expiration|validity)\b", re.IGNORECASE)
# "Which setting controls how long ...?": a question word before "how long" asks for a thing
_NAMES_A_THING = re.compile(r"\b(?:what|which|who|whom|whose|where)\b[^?]*\bhow\s+long\b", re.I)
# a year that may bound how long something lasted ("1961 to 1972"): four digits, or an era
# word; a bare "500" is no year for "how long does the scheduler wait?"
_FULL_YEAR = re.compile(r"(?<![\d.,])\d{4}(?:s|'s)?(?![\d.,]\d)|\b(?:century|centuries|decades?)\b")
# "What's the longest I can set the timeout to?", "Twin pipe flue - what's the maximum length?":
# the length or duration a thing may have (not "What is the longest river in Germany?", which
# names a thing: the longest one that someone can, may or will do something with, or a length)
_LONGEST_ASKED = re.compile(
    r"^\W*(?:[^?]*?(?:,|\s[-–—])\s*)?what(?:'s|\s+is|\s+was)\s+the\s+(?:"
    r"(?:longest|shortest)\b(?=[^?]*\b(?:can|could|may|might|will|allowed|accepts?|allows?|"
    r"lets?)\b)|(?:maximum|minimum|max|min)\s+length\b)",
    re.IGNORECASE,
)
# a number that stands alone, not part of a code ("80/125", "30C", "1536p"), bare or with a
# unit written short ("12h", "30s", "7 days" is read by the units)
_LONE_NUMBER = re.compile(
    r"(?<![\w/.])\d[\d,]*(?:\.\d+)?(?:\s*(?:ms|s|m|h|d|w|y|mo|mins?|secs?|hrs?|k))?(?![\w/])"
)
# what answers "how long" without a number: a unit ("seconds"), a word for a length of time
# ("indefinitely", "for life", "the rest of the term") or a refusal ("cannot", "never")
_DURATION_WORDS = re.compile(
    r"\b(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|indefinite\w*|forever|"
    r"permanent\w*|lifetime|life|always|long|longer|briefly|short|brief|till|throughout|entire|"
    r"whole|rest|remainder|end|expir\w+|as\s+long\s+as|while|cannot|can't|never|not|instant\w*|"
    r"immediate\w*)\b",
    re.IGNORECASE,
)
# "What size ... do we need?": a size, in numbers or in words
_SIZE_ASKED = re.compile(r"^\W*what\s+size\b", re.IGNORECASE)
_SIZE_WORDS = re.compile(
    r"\b(?:small|medium|large|big|little|xs|s|m|l|xl|xxl|extra|king|queen|double|single|twin|"
    r"mini|standard|regular|full|half)\b",
    re.IGNORECASE,
)
# the kinds of price a question or a span names: a deposit is no fee, a fare no fine
_PRICE_NOUN = re.compile(
    r"\b(deposit|fee|fare|excess|rent|premium|fine|toll|surcharge|commission)s?\b", re.IGNORECASE
)


def _priced(text: str) -> set[str]:
    return {m.group(1).lower() for m in _PRICE_NOUN.finditer(text)}


# "From what age ...?", "How old ...?": an age, which a date is not
_AGE_QUESTION = re.compile(
    r"^\W*(?:(?:from|at|by|until|to|up\s+to|of)\s+)?what\s+age\b|\bhow\s+old\b", re.IGNORECASE
)
_MONTH = re.compile(rf"\b{MONTH_WORD}(?!\w)", re.IGNORECASE)
# a day of a month: "5 June", "June 5th"
_DATE = re.compile(
    rf"(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_WORD}|\b{MONTH_WORD}\s+\d{{1,2}}(?!\d))"
    r"(?:,?\s+\d{4}(?!\d))?",
    re.IGNORECASE,
)
# "How many dates ...?", "How many days a month ...?" count what a date may answer
_DATE_ASKED = re.compile(r"\b(?:dates?|months?|deadlines?)\b", re.IGNORECASE)
# years counted back or forward: "11,600 BP", "10,000 BC", "22,000 yr"
_ERA = re.compile(r"\b(?:BP|BC|BCE|AD|CE|yrs?)\b")
_CENTS = re.compile(r"(?<![\d.])\d+\.\d\d(?![\d.])")
# a number that counts, no year or hour: a thousands separator or five digits and more
_LARGE_COUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])|(?<![\d.])\d{5,}(?![\d.])")
_AGE_WORDS = re.compile(r"\b(?:age|aged|ages|years?|old|months?)\b", re.IGNORECASE)
# a digit that is no part of a name ("R1", "E4")
_STANDING_DIGIT = re.compile(r"(?<![A-Za-z])\d")
# a bare percentage, and the words of a question that asks for one as its price
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s*(?:%|per\s?cent)", re.IGNORECASE)
_SHARE_ASKED = re.compile(
    r"\b(?:percent|percentage|per\s?cent|%|rate|discount|off|interest|commission|vat|tax|apr|"
    r"share|proportion|increase|rise|reduction|deposit|excess|worth|weighted|weighting|count)\b",
    re.IGNORECASE,
)
# times of day that bound a stretch of time: "9am to 5pm", "until 6pm", "10:00-16:00"
CLOCK_RANGE = re.compile(
    r"\b(?:to|till|until|til|between|from|through|and)\b|\d\s*[-–—]\s*\d|[-–—]\s*\d|\d\s*[-–—]",
    re.IGNORECASE,
)
# "What is the bounce rate ...", "At what rate ...", "hire rate": a rate, never a bare length of time
_RATE_QUESTION = re.compile(
    r"\b(?:what|which)\s+(?:[\w-]+\s+){0,2}?rate\b|\brates?\s*\??\s*$", re.IGNORECASE
)
# a price said as a difference from another: "£3 more per hour", "£6 extra" ("45p per kWh on top
# of the parking tariff" is the price of charging, so "on top of" is no sign)
_DIFFERENCE = re.compile(
    r"\d(?:[\d,]|\.\d)*(?:\w*|%)\s+(?:more|extra|less|cheaper|off)\b", re.IGNORECASE
)
_DIFFERENCE_ASKED = re.compile(
    r"\b(?:more|extra|less|cheaper|additional|add|adding|added|surcharge|difference|discount|"
    r"saving|save|on top|off|upgrade|supplement)\b",
    re.IGNORECASE,
)
# a number and the word after it ("two minutes", "255 characters", "eight of")
_NUMBER_WORD = re.compile(
    rf"(?<![\w.])(\d[\d,.]*|{'|'.join(SMALL_CARDINALS)})"
    r"(?:\s*-\s*|\s+)?([A-Za-z]+)?",
    re.IGNORECASE,
)
_NOT_COUNTED = frozenset({"of", "to", "and", "or", "in", "out", "from", "for", "per", "the", "a"})
# "How much does it weigh?" measures; "How much is the weight plate upgrade?" asks a price
_MEASURE_VERB = re.compile(r"\b(?:weigh(?!ts?\b)|hold|contain|fit|carry|measure)\w*", re.IGNORECASE)
_HOW_MANY = re.compile(
    r"\bhow\s+many\s+([A-Za-z][\w-]*)(?:\s+([A-Za-z][\w-]*))?(?:\s+([A-Za-z][\w-]*))?", re.I
)
_MEASURE_OF = {
    "heavy": "weight", "tall": "length", "far": "length", "wide": "length", "deep": "length",
    "thick": "length", "hot": "temperature", "cold": "temperature", "warm": "temperature",
    "weight": "weight", "height": "length", "width": "length", "depth": "length",
    "temperature": "temperature", "distance": "length", "altitude": "length",
    "pressure": "pressure", "speed": "speed", "clearance": "length",
}  # fmt: skip
_UNITS = {
    kind: re.compile(rf"(?<![A-Za-z])(?:{units})(?![A-Za-z])", re.IGNORECASE)
    for kind, units in {
        "weight": r"kg|g|mg|grams?|kilo(?:gram)?s?|lbs?|pounds?|oz|ounces?|tonnes?|tons?|stones?",
        "length": r"mm|cm|m|km|metres?|meters?|kilometres?|kilometers?|miles?|feet|foot|ft|inch"
        r"(?:es)?|yards?|light[- ]years?",
        "temperature": r"°\s?[CF]?|degrees?|kelvin",
        "time": r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries",
        "volume": r"litres?|liters?|ml|millilitres?|gallons?|pints?",
        "price": r"[£$€¥]|dollars?|euros?|pounds sterling|cents?|pence|(?<=\d)p",
        "power": r"W|kW|watts?|kilowatts?|hp|horsepower",
        "pressure": r"bar|mbar|psi|kPa|MPa|Pa|atm|mmHg",
        "speed": r"mph|km/h|kmh|kph|m/s|knots?|rpm|r/min|(?:miles|kilometres|kilometers)\s+"
        r"(?:per|an)\s+hour|revolutions\s+per\s+minute",
        "data size": r"[KMGTP]i?B|bytes?|(?:kilo|mega|giga|tera|peta)bytes?",
    }.items()
}
