"""Checks on where in a passage a reader's span sits: the entry of a list, the sentence, markup.

Reference text is laid out in entries: an option list ("* `recursive` {boolean} Default: false"),
a package's ``Key: value`` fields ("License: BSD"), a glossary. Which entry a question names is
``named_entries``'s to say; this module reads values and sentences.

``labelled_default`` serves the commonest question of reference text, "what is the default of
X?": the reader finds the right entry but often a span beside the value (the type in
``recursive {boolean} Default: false``). When the entry, or else the sentence, labels exactly one
value as the default ("Default: v", "(default: v)", "defaults to v", "the default is v"), that
value is the short answer. The sentence quoted and cited stays the same.

The sentence checks refuse a span whose sentence is not about what the question asks: another
sentence holds all its words (``sentence_problem``), it forbids what is asked for
(``negation_problem``), it is about another member of the kind asked about (``peers``), it
says the opposite (``opposite_problem``), or it is a heading asked for an amount
(``heading_problem``). Tables have their own module, ``tables``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from itertools import pairwise

from veracity.guard.opposites import opposed
from veracity.guard.sentences import content_words
from veracity.guard.strict import MIN_CONTENT_WORDS, clause_at, denies
from veracity.text.analyzer import Analyzer, get_analyzer
from veracity.text.entries import entries
from veracity.text.lines import opens_paragraph
from veracity.text.markup import display_text
from veracity.text.plain_headings import UNDERLINE
from veracity.text.sentences import split_sentences

_QUOTE_CHARS = 60  # how much of an entry a reason quotes
ASKS_DEFAULT = re.compile(r"\bdefaults?\b", re.IGNORECASE)
# "Default: v", "**Default:** `v`", "(default: v)", "[default = v]", "defaults to v", "the default
# (value) is v"; the value runs to the end of its clause.
_DEFAULT = re.compile(
    r"\b(?:default(?:\s+value)?\**\s*[:=]|defaults\s+to\b|default\s+(?:value\s+)?is\b)\**[ \t]*",
    re.IGNORECASE,
)
# a question that asks what to do or use, and a clause that forbids something
# (asking for a thing to use, not what to do: "Never follow such instructions" answers "What
# should I do with a phishing email?")
_ASKS_WHAT_TO_USE = re.compile(
    r"\b(?:should|can|could|may|must|shall|ought to|to|do I|do you|do we)\b(?:\s+\w+){0,3}\s+"
    r"(?:use|put|add|apply|take|pour|mix|feed|plug|connect|install|clean \w+ with|wash \w+ with)\b",
    re.IGNORECASE,
)
# "Where should I report a security problem?", "Who can I ask?": the place or person to go to,
# which a prohibition ("Do not report security problems in public issues") never names
_ASKS_WHERE_TO = re.compile(
    r"^\W*(?:where|who|whom|to whom)\b[^?]*?\b(?:should|can|could|may|must|do I|do you|do we)\b",
    re.IGNORECASE,
)
_PROHIBITION = re.compile(
    r"^\W*(?:never|do not|don't|avoid)\b|\b(?:must|should|may|shall|can) ?(?:not|never)\b"
    r"|\b(?:mustn't|shouldn't|cannot|can't)\b|\bis (?:not allowed|forbidden|prohibited)\b",
    re.IGNORECASE,
)
# words by which a sentence points back to the one before it
POINTS_BACK = re.compile(
    r"\b(?:it|its|this|that|these|those|they|them|their|he|him|his|she|her|such|there)\b",
    re.IGNORECASE,
)
# where a sentence's next part starts: a semicolon, or a conjunction before a new noun phrase
_FINITE = (
    r"(?:must|will|shall|can|could|may|might|should|would|is|are|was|were|has|have|had|gets?"
    r"|pays?|receives?|needs?)"
)
_PART = re.compile(
    r";\s|,?\s+\b(?:and|but|while|whereas)\s+(?=(?i:the|a|an|each|every|all|some|most|many|no)"
    rf"\s+(?:[\w'’-]+\s+){{0,3}}?{_FINITE}\b)"
)
_HAS_FINITE = re.compile(rf"\b{_FINITE}\b", re.IGNORECASE)
# "changed from 8080 to 8443", "increased from 256 MB to 512 MB": the old and the new value
_VALUE = (
    r"[£$€¥]?\d(?:[\d.,:/-]*\d)?(?:\s?(?:%|(?!(?:in|on|at|by|for|to|and|or|an?|the|per|of|if|as"
    r"|is|was|it)\b)(?:[A-Za-z]{1,5}\d?|million|billion|thousand|hundred|percent)\b))?"
)
_CHANGE = re.compile(
    r"\b(?:chang|increas|decreas|rais|reduc|rose|rise|fell|fall|grew|grow|drop|went|moved"
    r"|updat|bump|lower|cut|extend|shorten|expand|doubl|halv|jump|climb|slid|shrank|switch)\w*"
    rf"\b[^.;:]{{0,40}}?\bfrom\s+(?P<old>{_VALUE})"
    r"(?:\s+(?:in|by|on|at)\s+(?P<old_at>[^,;.]{1,25}?))?"
    rf"\s+to\s+(?P<new>{_VALUE})(?:\s+(?:in|by|on|at)\s+(?P<new_at>[^,;.\s]+(?:\s[^,;.\s]+)?))?",
    re.IGNORECASE,
)
# a question about the value before a change
_ASKS_BEFORE = re.compile(
    r"\b(?:before|previous(?:ly)?|prior|old|older|original(?:ly)?|used to|earlier|former(?:ly)?"
    r"|until|initial(?:ly)?)\b",
    re.IGNORECASE,
)
# comparatives and their converses: (the asked side, the other side), alternatives by "|"
_COMPARATIVES = tuple(
    (a, b)
    for x, y in (
        ("longer", "shorter"), ("larger|bigger|greater", "smaller|lesser"), ("higher", "lower"),
        ("taller", "shorter"), ("faster|quicker", "slower"), ("heavier", "lighter"),
        ("older", "younger|newer"), ("wider|broader", "narrower"), ("stronger", "weaker"),
        ("warmer|hotter", "colder|cooler"), ("cheaper", "dearer|more expensive|costlier"),
        ("better", "worse"), ("earlier", "later"), ("more", "fewer|less"),
    )
    for a, b in ((x, y), (y, x))
)  # fmt: skip
# A Markdown heading line
_HEADING_LINE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]", re.MULTILINE)
_VALUE_END = re.compile(r"\.(?=\s|$)|[;,\n]|\s\(|[)\]]")


def sentence_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers from the wrong sentence, or "": of the question's
    content words that ``text`` holds (two or more), another sentence holds them all, and the
    span's sentence lacks two or more, read with the sentence before it when it points back
    ("It opened in 1890", "Access granted this way ...").

    "What should I do with an email that asks me to transfer money?" is not answered from
    "Ignore any message that asks you to bypass the previous approval steps." when the next
    sentence says "Never follow instructions in an email that asks you to transfer money"; "How
    long do contractors keep guest network access?" is not answered "90 days" from "Access
    granted this way expires after 90 days." when another sentence is the one about contractors
    and the guest network. Stricter than ``entry_problem``, since prose paraphrases: a sentence
    sharing fewer of the question's words is often still the answer's; one sharing all of them
    that the passage has is the topic."""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None or len(spans) < 2:
        return ""
    terms = [content_terms(text[s:e]) for s, e in spans]
    asked = content_terms(question) & set().union(*terms)
    # Words of a heading are what every sentence under it is about ("Starters" of "Which starter
    # contains nuts?"): read again without them, unless the span is in a heading itself.
    titled = set().union(*(t for t, (s, e) in zip(terms, spans, strict=True) if _heads(text, s, e)))
    readings = [asked] if _heads(text, *spans[at]) else [asked, asked - titled]
    window = terms[at]
    if at > 0 and POINTS_BACK.search(text, *spans[at]):
        window = window | terms[at - 1]
    for words in readings:
        if len(words) < 2 or len(words - window) < 2:
            continue
        for i, (s, e) in enumerate(spans):
            # a heading names what the section is about, not another answer ("# Aqua 2000")
            if i != at and words <= terms[i] and not TITLE.fullmatch(text[s:e].strip()):
                mine, better = short_quote(text[slice(*spans[at])]), short_quote(text[s:e])
                return (
                    f"the answer's sentence ('{mine}') is not the one the question names "
                    f"('{better}' holds all its words that the passage has)"
                )
    return ""


def named_sentence(question: str, text: str, start: int) -> tuple[int, int] | None:
    """The sentence of ``text`` that holds the most content words of ``question`` that ``text``
    holds (two or more, and all of them or all but one), when the sentence at ``start`` holds
    fewer (read with the sentence before when it points back) and no other sentence holds as
    many; else None. ("Can I pay the deposit with a debit card?" over a page that says "pay"
    elsewhere is named by "Debit cards are not accepted for the deposit.") For questions
    answered by a sentence, not a span ("Can I claim alcohol?"): the reader's span may sit in
    a neighbour ("Client dinners are claimed separately."), while the sentence the question
    names says it ("Alcohol cannot be claimed.")."""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None or len(spans) < 2:
        return None
    terms = [content_terms(text[s:e]) for s, e in spans]
    asked = content_terms(question) & set().union(*terms)
    window = terms[at]
    if at > 0 and POINTS_BACK.search(text, *spans[at]):  # "It was formed to ..."
        window = window | terms[at - 1]
    if len(asked) < 2 or asked <= window:
        return None
    most = _most_held(asked, text, spans, terms)
    if most is None or most[1] < max(2, len(asked) - 1) or most[1] <= len(asked & window):
        return None
    return spans[most[0]]


def stated_sentence(
    question: str, text: str, elsewhere: Sequence[str] = ()
) -> tuple[int, int] | None:
    """The sentence of ``text`` that states what a yes/no question asks about, or None: it holds
    every content word of the question (two or more), or all but one when there are three or
    more and neither the passage nor the texts ``elsewhere`` (the other passages retrieved) use
    that one (a paraphrase: "CI" for "continuous integration"; "Can I keep two cats?" is not
    stated by "Each flat may keep two bicycles there." when another passage is about a cat), no
    other sentence holds as many, and it is no heading. "Can I drill on a Saturday?"
    is stated by "Noisy renovation work, such as drilling, is allowed ... from 10 am to 1 pm on
    Saturdays."; "Do cats get walked?" by no sentence of "Cats stay in heated chalets with an
    outdoor run." For when the reader, which learned from questions that ask for a span, is
    unsure of a question that asks whether."""
    asked = content_terms(question)
    spans = split_sentences(text)
    if len(asked) < 2 or not spans:
        return None
    terms = [content_terms(text[s:e]) for s, e in spans]
    most = _most_held(asked, text, spans, terms)
    if most is None or most[1] < len(asked) - 1:
        return None
    at, best = most
    used = set().union(*terms) | content_terms(" ".join(elsewhere))
    if best < len(asked) and (len(asked) < 3 or asked - terms[at] & used):
        return None  # the word it lacks is said elsewhere: about another thing ("two bicycles")
    return spans[at]


def _most_held(
    asked: set[str], text: str, spans: Sequence[tuple[int, int]], terms: Sequence[set[str]]
) -> tuple[int, int] | None:
    """``(index, count)`` of the sentence that holds the most of ``asked`` (``terms``: each
    sentence's content terms), headings left out; None when two or more hold as many."""
    held = [
        0 if _is_title(text, *span) else len(asked & t)
        for span, t in zip(spans, terms, strict=True)
    ]
    best = max(held)
    return None if held.count(best) > 1 else (held.index(best), best)


def part_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers from the wrong part of its sentence, or "": the
    sentence joins parts with their own subjects ("...; ...", "... and the Landlord must ...",
    "..., while the City model ..."), another part holds every content word of the question
    that the sentence holds, and the span's part lacks one of them. "How much notice must the
    tenant give?" is not answered "two months' notice" from "The Tenant must give one month's
    written notice and the Landlord must give two months' written notice." Verb phrases that
    share a subject ("The Tenant must report repairs and is responsible for bulbs") and lists
    ("bulbs and smoke alarm batteries"), names ("Manning and Newton had ...") and pronouns ("but
    he was stopped") do not start a part: a part starts at a semicolon outside brackets, or at a
    conjunction before a determiner, a few words and a verb ("and the Landlord must"). The
    parts must be parallel: they share a word that the question does not hold."""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    cuts = [s]
    for m in _PART.finditer(text, s, e):
        opening = " ".join(text[m.end() : e].split()[:3])
        if (
            text.count("(", s, m.start()) == text.count(")", s, m.start())  # not in brackets
            and _HAS_FINITE.search(text, cuts[-1], m.start())  # a clause before it
            and _HAS_FINITE.search(text, m.end(), e)  # and after it
            and not POINTS_BACK.search(opening)  # "; this would have ...": the same subject
        ):
            cuts.append(m.end())
    parts = [(a, b) for a, b in pairwise([*cuts, e]) if a < b]
    if len(parts) < 2:
        return ""
    terms = [content_terms(text[a:b]) for a, b in parts]
    asked = content_terms(question) & set().union(*terms)
    mine = next(i for i, (a, b) in enumerate(parts) if a <= start < b or b == e)
    if not asked or asked <= terms[mine]:
        return ""
    for i, (a, b) in enumerate(parts):
        # the other part names all the question names, and says the same of it (shared words
        # beyond the question's: "must give ... written notice"): a parallel statement
        if i != mine and asked <= terms[i] and (terms[i] & terms[mine]) - asked:
            return (
                f"the answer's part of the sentence ('{short_quote(text[slice(*parts[mine])])}') "
                f"is not the one the question names ('{short_quote(text[a:b])}')"
            )
    return ""


def negation_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is the opposite of an answer, or "": the question asks for
    something to use ("What should I use to descale the kettle?", "Which cleaner can I use?"),
    or where or to whom to go ("Where should I report a security problem?"), and the span lies
    in a prohibition ("Never use bleach.", "Bleach must not be used.", "Do not report security
    problems in public issues."). A question
    about what to do may be answered by a prohibition ("Never follow instructions in such an
    email"), and descriptive negation ("The treaty was not signed until 1951") is left to the
    reader: a question about what happened is often answered from a clause that says what did
    not."""
    if denies(question) or not (
        _ASKS_WHAT_TO_USE.search(question) or _ASKS_WHERE_TO.search(question)
    ):
        return ""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    a, b = clause_at(text[s:e], start - s)
    clause = text[s + a : s + b]
    if not _PROHIBITION.search(clause) or not denies(clause):
        return ""
    return f"the sentence forbids it ('{short_quote(text[s:e])}')"


def opposite_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers the opposite question, or "": its sentence (read
    with the one before when it points back), or else its part between semicolons, says the
    opposite of what the question asks and never what it asks (``guard.opposites``): "smallest"
    for "What is the largest city?", "last" for "When was the first game?", and "Full-time
    employees get 25 days; part-time employees get a pro-rata share" does not say "25 days" of
    part-time employees."""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None:
        return ""
    lo, hi = spans[at]
    part_lo = text.rfind(";", lo, start) + 1 or lo
    part_hi = text.find(";", start, hi)
    part = text[part_lo : part_hi if part_hi >= 0 else hi]  # between semicolons
    if at > 0 and POINTS_BACK.search(text, lo, hi):
        lo = spans[at - 1][0]
    pair = opposed(question, text[lo:hi]) or opposed(question, part)
    if pair is None:
        return ""
    return f"the sentence says '{pair[1]}' where the question asks '{pair[0]}'"


def converse_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is the other side of a comparison, or "": the question
    asks for the one that is more of something ("Which network has the longer range?") and the
    span stands before "than" after the converse comparative ("The 5 GHz network ... has a
    shorter range than the 2.4 GHz network"), in a sentence that never says the asked word. The
    thing after "than" is the answer then; ``guard.opposites`` leaves converse pairs out for
    this reason, since the sentence does answer, by its other party."""
    asked = [
        (mine, other)
        for mine, other in _COMPARATIVES
        if _word_in(mine, question) and not _word_in(other, question)  # not "faster or slower?"
    ]
    if not asked:
        return ""
    s, e = sentence_at(text, start)
    sentence = text[s:e]
    for mine, other in asked:
        if _word_in(mine, sentence):
            continue
        for m in re.finditer(rf"\b(?:{other})\b(?:\s+[\w-]+){{0,3}}?\s+than\b", sentence, re.I):
            if start - s < m.end():
                return f"the sentence says it is {m.group(0).split()[0]}, not {mine.split('|')[0]}"
    return ""


def _word_in(words: str, text: str) -> bool:
    return re.search(rf"\b(?:{words})\b", text, re.IGNORECASE) is not None


def labelled_default(question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """For a question that asks for a default, the ``(start, end)`` in ``text`` of the value
    that the span's entry (or else its sentence) labels as the default, when it labels exactly
    one and the span ``text[start:end]`` is not already in it; else None (for a table, see
    ``tables.column_cell``)."""
    if not ASKS_DEFAULT.search(question):
        return None
    lo, hi = next(((s, e) for s, e in entries(text) if s <= start < e), sentence_at(text, start))
    markers = list(_DEFAULT.finditer(text, lo, hi))
    if len(markers) != 1:
        return None
    a = markers[0].end()
    stop = _VALUE_END.search(text, a, hi)
    b = stop.start() if stop else hi
    while b > a and text[b - 1].isspace():
        b -= 1
    if not any(ch.isalnum() for ch in text[a:b]) or (start < b and end > a):
        return None  # no value, or the span already overlaps it
    return a, b


def changed_value(question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """For a span in a change "from X to Y" ("The default port changed from 8080 to 8443"), the
    ``(start, end)`` in ``text`` of the value the question asks for, when the span holds or
    touches the other one: Y, the value now, or X when the question asks what it was before
    ("previously", "originally", "before version 4.2"). None when the span is not in such a
    change or is that value already. When the question names a number of the sentence, the
    value beside it: "What was the population in 1901?" of "rose from 2,300 in 1841 to 11,800
    in 1901" is 11,800; None when no one side holds it, or when the question names a number the
    sentence lacks ("in 1800?"). The reader returns "8080 to 8443" or "8080" for "What is the
    default port?"."""
    s, e = sentence_at(text, start)
    numbers = re.findall(r"\d[\d.,]*\d|\d", question)
    named = [n for n in numbers if n in text[s:e]]
    if len(named) < len(numbers):
        return None  # the question names a time or a value the sentence lacks
    for m in _CHANGE.finditer(text, s, e):
        if end <= m.start("old") or start >= m.end("new"):
            continue
        if named:  # the question names a time or a value of the sentence: the one beside it
            at = [w for w in ("old", "new") if m.group(f"{w}_at") and any(
                n in m.group(f"{w}_at") for n in named)]  # fmt: skip
            if len(at) != 1:
                return None  # "By 1991, ...?" where no single side has 1991
            want = at[0]
        else:
            want = "old" if _ASKS_BEFORE.search(question) else "new"
        a, b = m.span(want)
        return None if (start, end) == (a, b) else (a, b)
    return None


def sentence_index(spans: Sequence[tuple[int, int]], start: int) -> int | None:
    """The index of the span of ``spans`` (``split_sentences``) that holds offset ``start``;
    None when none does."""
    return next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)


# A heading: a Markdown one, or a short line that does not end as a sentence does.
TITLE = re.compile(r"#{1,6}\s.*|[^\n.!?]{1,80}")


def sentence_at(text: str, at: int) -> tuple[int, int]:
    """``(start, end)`` of the sentence of ``text`` that holds offset ``at``; ``(at, at)`` when
    none does (``at`` in the space between two)."""
    return next(((s, e) for s, e in split_sentences(text) if s <= at < e), (at, at))


def sentence_with_antecedent(text: str, start: int) -> tuple[int, int] | None:
    """``(start, end)`` of the sentence holding ``text[start]``, widened to the sentence before
    it when it points back ("It replaced the R4"); None outside every sentence."""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None:
        return None
    lo, hi = spans[at]
    if at > 0 and POINTS_BACK.search(text, lo, hi):
        lo = spans[at - 1][0]
    return lo, hi


def bare_quote_problem(quote: str) -> str:
    """Why a quote asserts nothing, or "": it is a navigation trail ("Help and support >
    Refunds > Delay Repay"), or it holds fewer than ``MIN_CONTENT_WORDS`` content
    words, as a type annotation on a line of its own ("{Object}") does. The strict support rules
    refuse such a claim (``guard.strict``, rule 1); a quote is held to the same."""
    if _TRAIL.fullmatch(display_text(quote).strip()):
        return f"the quoted text is a navigation trail ('{short_quote(quote)}')"
    if len(content_words(display_text(quote))) >= MIN_CONTENT_WORDS:
        return ""
    return f"the quoted text asserts nothing checkable ('{short_quote(quote)}')"


# A navigation trail (breadcrumbs): three or more short names joined by ">", "›" or "»"
# ("Help and support > Refunds and compensation > Delay Repay"), maybe after a site's name and
# a bar. It names where a page sits, and asserts nothing.
_CRUMB = r"[^\W\d_][^>›»|.!?;:\n]{0,40}?"
_TRAIL = re.compile(rf"(?:{_CRUMB}\s*\|\s*)?{_CRUMB}(?:\s*[>›»]\s*{_CRUMB}){{2,}}\s*")


def heading_problem(text: str, start: int, headings: Sequence[str] = ()) -> str:
    """Why the span at ``text[start]`` cannot answer a question for an amount or a time, or "":
    it lies in a heading line: a Markdown heading, or a line that is one of the passage's
    ``headings`` (a plain-text or PDF heading: "3. ACCOUNTS AND PASSWORDS"). A heading names a
    topic, and may well name the thing a question asks for ("Rc<T>, the Reference-Counted Smart
    Pointer" answers "Which type allows multiple owners?"), but its numbers are model numbers,
    versions and section numbers, not measurements: "How heavy is the heater?" is not answered
    "300" from "# AquaHeat 300 Water Heater", nor "How often must passwords change?" "3". The
    caller asks only for questions that want an amount or a time. A value the heading labels as
    a default is stated, not named: a reference entry's heading ("--conflict-cache-size=N
    [default: 1000000]") answers with it."""
    line = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    said = text[line : end if end >= 0 else None]
    if not (_HEADING_LINE.match(text, line) or said.strip() in headings) or _labels_default(
        text, line, start
    ):
        return ""
    return f"the answer sits in a heading ('{short_quote(said)}')"


def title_problem(text: str, start: int) -> str:
    """Why the sentence holding ``text[start]`` cannot be quoted as an answer, or "": it is a
    heading (a Markdown heading line, or a short line of its own with no closing punctuation:
    "Opening hours"). A heading names a topic and asserts nothing: "Are you open on Sundays?"
    is not answered by quoting "Opening hours"."""
    s, e = sentence_at(text, start)
    if s == e or not _is_title(text, s, e):
        return ""
    return f"the quote would be a heading ('{short_quote(text[s:e])}')"


def _heads(text: str, s: int, e: int) -> bool:
    """Whether the sentence ``text[s:e]`` is a heading over what follows: a title line
    (``_is_title``) that opens its block (at the start of the text or after a blank line), with
    text after it. A short line inside a list item ("[#995](...)") heads nothing."""
    line = text.rfind("\n", 0, s) + 1
    heading = opens_paragraph(text, line) or _HEADING_LINE.match(text, line) is not None
    return heading and _is_title(text, s, e) and bool(text[e:].strip())


def is_title_sentence(text: str, s: int, e: int) -> bool:
    """Whether the sentence ``text[s:e]`` is a heading (``_is_title``)."""
    return _is_title(text, s, e)


def _is_title(text: str, s: int, e: int) -> bool:
    """Whether the sentence ``text[s:e]`` is a heading: a Markdown heading line (unless it labels
    a default, as a reference entry's heading does), a whole line over an underline ("=====",
    "-----"), or a whole line of at most six words with no closing punctuation, no amount, no
    code and no address ("Opening hours"; not "Lemon tart - 5.50 euros", "#include <getopt.h>"
    or "[#983](https://github.com/...)")."""
    line = text.rfind("\n", 0, s) + 1
    if _HEADING_LINE.match(text, line):
        return not _labels_default(text, line, e)
    whole_line = not text[line:s].strip() and text[e : e + 1] in ("", "\n")
    below = text.find("\n", e + 1)
    if whole_line and UNDERLINE.fullmatch(text, e + 1, below if below >= 0 else len(text)):
        return True  # "7. GETTING HELP - THE SERVICE DESK" over "-------"
    sentence = text[s:e].strip()
    return (
        whole_line
        and len(sentence.split()) <= 6
        and not re.search(r"[.!?:;]$", sentence)
        and not _MEASURED.search(sentence)  # "Mushroom risotto - 13.00 euros" is an item
        and not re.search(r"[<>{};=*]|://", sentence)  # "#include <getopt.h>", a link
    )


# an amount with its unit or currency: what an item line states and a heading does not
_MEASURED = re.compile(
    r"[€$£¥]\s*\d|\d(?:[\d.,]*\d)?\s*(?:[€$£¥%]|(?:euros?|dollars?|pounds?|kg|g|km|m|cm|mm|"
    r"litres?|liters?|l|ml|GB|MB|TB|W|kW|V|minutes?|hours?|days?)\b)",
    re.IGNORECASE,
)


def _labels_default(text: str, line: int, at: int) -> bool:
    """Whether the line starting at ``line`` labels a default before ``at`` ("[default: 20]"):
    an entry's heading that states a value, not a topic's name."""
    end = text.find("\n", line)
    marker = _DEFAULT.search(text, line, len(text) if end < 0 else end)
    return marker is not None and marker.end() <= at


def markup_problem(text: str, start: int) -> str:
    """Why the sentence holding ``text[start]`` cannot be quoted, or "": nothing of it is left
    once its Markdown syntax is dropped (a fence, a comment marker, a lone link)."""
    s, e = sentence_at(text, start)
    if s == e:
        return ""
    shown = display_text(text[s:e])
    return "" if any(ch.isalnum() for ch in shown) else "the sentence is markup only"


def question_line_problem(text: str, start: int) -> str:
    """Why the sentence holding ``text[start]`` cannot be quoted, or "": it is a question on a
    line of its own, as an FAQ's questions stand ("### What happens when I add seats in the
    middle of a billing period?"). It asks; its answer is the text below it. A question inside
    a paragraph may carry an answer ("the question, 'If Islam is a way of life, ...'"), and is
    left alone."""
    s, e = sentence_at(text, start)
    line = text.rfind("\n", 0, s) + 1
    whole_line = not text[line:s].strip(" \t#>*-") and text[e : e + 1] in ("", "\n")
    asks = text[s:e].rstrip("\"'”’)*_").endswith("?")
    return "the sentence is a question, not what answers it" if whole_line and asks else ""


def short_quote(entry: str) -> str:
    shown = display_text(entry)
    return shown if len(shown) <= _QUOTE_CHARS else shown[: _QUOTE_CHARS - 3] + "..."


def content_terms(text: str) -> set[str]:
    """Content words (``guard.sentences``: no stopword or question word), stemmed as the English
    analyzer indexes them."""
    return set(_analyzer().tokens(" ".join(content_words(text))))


@cache
def _analyzer() -> Analyzer:
    return get_analyzer("english")
