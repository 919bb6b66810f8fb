"""Which value a passage gives under the condition a question names.

API references list what a function returns case by case: "Returns: ASN1_SUCCESS if the file
has a correct syntax, ASN1_FILE_NOT_FOUND if an error occurred while opening file, ...,
ASN1_NAME_TOO_LONG if in the file there is an identifier with more than ASN1_MAX_NAME_SIZE
characters", or "If this function is called after parsing has begun, it returns
XML_ERROR_CANT_CHANGE_FEATURE_ONCE_PARSING". The values look alike and sit side by side, so a
reader trained on prose readily takes the wrong one, or the words of a condition. For a question
that asks what is returned under a condition ("What error code does asn1_parser2tree return when
the file contains an identifier longer than ASN1_MAX_NAME_SIZE characters?"), the value whose
condition shares the most content words with the question's is the answer, when one shares
more than every other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veracity.guard.claims import content_stems
from veracity.guard.sentences import NEGATIONS, words
from veracity.rag.structure import sentence_at
from veracity.text.lines import BLANK_LINE

__all__ = [
    "Case",
    "asked_condition",
    "cases",
    "condition_problem",
    "conditional_value",
    "matching_case",
    "outcome_problem",
]

# What a question asks for when it asks what comes back: "What does X return ...", "which error
# code does X give ...", "what exit status ...", "which errno ...".
_ASKS_RETURN = re.compile(
    r"\b(?:returns?|returned|returning|report(?:s|ed)?|yields?|exit (?:status|code)|status code"
    r"|error(?: code)?|errno|result code)\b",
    re.IGNORECASE,
)
# The condition of the question: what follows "when", "if", "after" ... to the end of its
# clause ("... when the abi parameter is invalid?").
_CONDITION = re.compile(
    r"\b(?:when(?:ever)?|if|after|once|in case|because)\s+"
    r"(?P<cond>(?:[^?,;.]|\.(?!\s)){3,}?)\s*(?:[?,;]|\.\s|$)",
    re.IGNORECASE,
)
# A question that asks for the condition itself: "When does it return NULL?"
_ASKS_CONDITION = re.compile(r"\s*(?:when|in which case|under what)\b", re.IGNORECASE)
# "What does it return on failure?"
_ON_CONDITION = re.compile(r"\b(?:on|upon)\s+(?P<cond>[^?,;]{3,}?)\s*(?:[?,;]|$)", re.IGNORECASE)
# A value a function gives back: a constant ("ASN1_MEM_ERROR", "FFI_OK", "NULL"), a boolean or
# a number ("-1", "0", "zero").
_VALUE = (
    r"(?<![\w.])(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|NULL|None|nil|true|false|TRUE|FALSE|zero"
    r"|-?\d+(?:\.\d+)?)(?!\w|\.\w)"
)
# "VALUE if COND", "VALUE when COND", "VALUE on success".
_VALUE_IF = re.compile(rf"(?P<value>{_VALUE})\s+(?:if|when(?:ever)?|on|upon|in case)\b\s*")
# "If COND, (it|strtol()|these functions) returns VALUE" and "On error, VALUE is returned".
_OPENER = r"\b(?:[Ii]f|[Ww]hen(?:ever)?|[Oo]n|[Uu]pon)\s+(?P<cond>[^.;:]{3,}?),\s+"
_IF_VALUE = re.compile(
    rf"{_OPENER}(?:[\w.:]+(?:\(\))?\s+){{0,3}}?(?:(?:will\s+)?return(?:s|ed)?|gives)\s+"
    rf"(?P<value>{_VALUE})"
)
_IF_IS_RETURNED = re.compile(rf"{_OPENER}(?P<value>{_VALUE})\s+(?:is|will be)\s+returned")
# An entry of a list of constants, each with its meaning beside it, as man pages list errors:
# "EACCES The parent directory does not allow write permission ...", its meaning going on in
# the lines indented under it.
_DEFINED = re.compile(
    r"^(?P<indent>[ \t]*)(?P<value>[A-Z][A-Z0-9_]{2,})[ \t]+(?P<cond>\S[^\n]*"
    r"(?:\n[ \t]+(?![A-Z][A-Z0-9_]{2,}[ \t])\S[^\n]*)*)",
    re.MULTILINE,
)
# Where a condition of a "VALUE if COND" list ends: the end of its sentence or a semicolon (the
# next value's start ends it too).
_CONDITION_END = re.compile(r"[.;](?=\s|$)|\n\s*\n")
# What joins one case of a list to the next: ", or", "; and", ",".
_JOINER = re.compile(r"[\s,;]*(?:\b(?:and|or)\b)?[\s,;]*$")
# What stands before an entry: a blank line, or a heading in capitals ("ERRORS").
_BLANK_BEFORE = re.compile(r"(?:^|\n)(?:[ \t]*|[ \t]*[A-Z][A-Z ]+)\n$")


@dataclass(frozen=True)
class Case:
    """One value of a passage and the condition it is given under: ``text[start:end]`` is the
    value, ``condition`` the words of its condition, which start at ``text[at]``."""

    start: int
    end: int
    condition: str
    at: int

    def holds(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` takes words of the condition and none of the value."""
        in_condition = start < self.at + len(self.condition) and end > self.at
        return in_condition and (end <= self.start or start >= self.end)


def asked_condition(question: str) -> str:
    """The condition of a question that asks what is returned under one ("What does
    XML_UseForeignDTD return if it is called after parsing has begun?" -> "it is called after
    parsing has begun"); empty when the question asks no such thing, or names a value itself
    ("When does it return NULL?" asks for the condition, not the value)."""
    if not _ASKS_RETURN.search(question) or _ASKS_CONDITION.match(question):
        return ""
    m = _CONDITION.search(question) or _ON_CONDITION.search(question)
    return m.group("cond").strip() if m else ""


def cases(text: str, lo: int = 0, hi: int | None = None) -> list[Case]:
    """The values ``text[lo:hi]`` gives under a condition, in the order they are written."""
    hi = len(text) if hi is None else hi
    found: list[Case] = []
    listed = list(_VALUE_IF.finditer(text, lo, hi))
    for i, m in enumerate(listed):
        stop = _CONDITION_END.search(text, m.end(), hi)
        end = stop.start() if stop else hi
        if i + 1 < len(listed) and listed[i + 1].start() < end:
            end = listed[i + 1].start()
        condition = _JOINER.sub("", text[m.end() : end])
        found.append(Case(m.start("value"), m.end("value"), condition, m.end()))
    for pattern in (_IF_VALUE, _IF_IS_RETURNED):
        for m in pattern.finditer(text, lo, hi):
            if not any(c.start == m.start("value") for c in found):
                found.append(
                    Case(m.start("value"), m.end("value"), m.group("cond"), m.start("cond"))
                )
    found += [c for c in _definitions(text, lo, hi) if not any(f.start == c.start for f in found)]
    return sorted(found, key=lambda c: c.start)


def _definitions(text: str, lo: int, hi: int) -> list[Case]:
    """The entries of ``text[lo:hi]`` that list constants with their meanings: each opens a
    paragraph (or follows a heading in capitals), its meaning is no heading ("RETURN VALUE")
    and goes on, if at all, in lines indented under the constant; and two or more stand at one
    indentation. A capitalized word that opens a line of wrapped prose is no entry."""
    entries = [m for m in _DEFINED.finditer(text, lo, hi) if _is_entry(text, m, lo)]
    indents = [m.group("indent") for m in entries]
    return [
        Case(m.start("value"), m.end("value"), m.group("cond"), m.start("cond"))
        for m in entries
        if indents.count(m.group("indent")) >= 2
    ]


def _is_entry(text: str, m: re.Match[str], lo: int) -> bool:
    opens = m.start() == lo or _BLANK_BEFORE.search(text, max(lo, m.start() - 80), m.start())
    first, *rest = m.group("cond").split("\n")
    width = len(m.group("indent").expandtabs())
    hanging = all(len(line.expandtabs()) - len(line.expandtabs().lstrip()) > width for line in rest)
    return bool(opens) and not first.isupper() and hanging


def _negated(condition: str) -> bool:
    return any(w in NEGATIONS or w.endswith("n't") for w in words(condition))


def _shared(condition: str, asked: set[str], negated: bool) -> int:
    """How many of the question condition's content words ``condition`` holds; none when one of
    the two is negated and the other is not ("the syntax is not correct" is not "the file has a
    correct syntax")."""
    if _negated(condition) != negated:
        return 0
    return len(asked & set(content_stems(condition)))


def matching_case(
    question: str, text: str, lo: int = 0, hi: int | None = None, strong: bool = False
) -> Case | None:
    """The case of ``text[lo:hi]`` whose condition shares the most content words with the
    question's (and its negation, or the lack of one), when it shares at least two (or all of a
    shorter condition) and more than every other case does; None otherwise, or when the
    question asks no such thing. With ``strong``, only a case that shares at least three of
    them and seven in ten: a statement of the answer close enough to stand on its own, whatever
    a reader makes of the passage."""
    condition = asked_condition(question)
    asked, negated = set(content_stems(condition)), _negated(condition)
    if not asked:
        return None
    scored = sorted(((_shared(c.condition, asked, negated), c) for c in cases(text, lo, hi)),
                    key=lambda sc: -sc[0])  # fmt: skip
    if not scored:
        return None
    best, case = scored[0]
    if len(scored) > 1 and scored[1][0] == best:
        return None
    if strong:
        return case if best >= 3 and best >= 0.7 * len(asked) else None
    return case if best >= min(2, len(asked)) else None


def _scope(text: str, at: int) -> tuple[int, int]:
    """``(start, end)`` of the blank-line-delimited paragraph of ``text`` that holds offset
    ``at``, widened over the paragraphs around it while they too open with an entry of a list of
    constants (man pages set each error apart by a blank line)."""
    breaks = [(m.start(), m.end()) for m in BLANK_LINE.finditer(text)]
    bounds = [0, *(e for _, e in breaks)]
    ends = [*(s for s, _ in breaks), len(text)]
    paragraphs = list(zip(bounds, ends, strict=True))
    i = next((k for k, (s, e) in enumerate(paragraphs) if s <= at <= e), len(paragraphs) - 1)
    j = i

    def entry(k: int) -> bool:
        return _DEFINED.match(text, paragraphs[k][0], paragraphs[k][1]) is not None

    if entry(i):
        while i > 0 and entry(i - 1):
            i -= 1
        while j + 1 < len(paragraphs) and entry(j + 1):
            j += 1
    return paragraphs[i][0], paragraphs[j][1]


def conditional_value(question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """For a question that asks what is returned under a condition, the ``(start, end)`` in
    ``text`` of the value whose condition matches the question's (``matching_case``) in the
    paragraph of the span ``text[start:end]`` (or its list of constants), when the span is not
    that value already; else None."""
    lo, hi = _scope(text, start)
    case = matching_case(question, text, lo, hi)
    if case is None or (start <= case.start and end >= case.end):
        return None
    return case.start, case.end


# The two outcomes a reference gives values for: "On success, 0 is returned; on error, -1".
_FAILURE = re.compile(r"\b(?:fail(?:s|ed|ing|ures?)?|errors?|unsuccessful(?:ly)?)\b", re.IGNORECASE)
_SUCCESS = re.compile(r"\bsucce(?:ss|ssful|ssfully|eds?|eded)\b", re.IGNORECASE)


def _outcome(text: str) -> str:
    failure, success = _FAILURE.search(text), _SUCCESS.search(text)
    return "failure" if failure and not success else "success" if success and not failure else ""


def condition_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the span ``text[start:end]`` cannot answer ``question``, a question for what is
    returned, or "": it is words of the condition a value is returned under, not a value ("Upon
    successful completion" of "Upon successful completion, 0 is returned")."""
    if not _ASKS_RETURN.search(question) or _ASKS_CONDITION.match(question):
        return ""
    lo, hi = _scope(text, start)
    case = next((c for c in cases(text, lo, hi) if c.holds(start, end)), None)
    if case is None:
        return ""
    value = text[case.start : case.end]
    return f"'{text[start:end]}' is the condition {value} is returned under, not a value"


def outcome_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the span ``text[start:end]`` cannot answer ``question``, or "": it is the value a
    passage gives on success and the question asks about a failure, or the other way round.
    "fclose() can fail when the disk is full. What does it return then?" is not answered "0" of
    "Upon successful completion, 0 is returned"."""
    asked = _outcome(question)
    if not asked:
        return ""
    lo, hi = _scope(text, start)
    case = next((c for c in cases(text, lo, hi) if c.start < end and start < c.end), None)
    if case is not None:
        given, value = _outcome(case.condition), text[case.start : case.end]
    elif _ASKS_RETURN.search(question):
        # no case read: the span's sentence, when it names one outcome only ("On success,
        # mmap() returns a pointer to the mapped area."); only for a question for what is
        # returned ("How successful was the invasion?" is answered "it failed")
        given, value = _outcome(text[slice(*sentence_at(text, start))]), text[start:end]
    else:
        return ""
    if given in ("", asked):
        return ""
    wanted = "a failure" if asked == "failure" else "success"
    return f"'{value}' is what is returned on {given}, and the question asks about {wanted}"
