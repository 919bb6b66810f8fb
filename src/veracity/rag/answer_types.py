"""What kind of answer a question asks for, and whether a span is of that kind.

``answer_type_problem`` refuses a span by its type alone: a quantity for "how many", "how much"
or "what is the maximum X" (digits, number words, or an amount such as "half a mile"), a year
for "what year", a time for "when", a time of day for "what time does X close", and a measure
of the asked kind for "how heavy" or "how many tablets" (not "25°C"). Only these kinds are
judged: "who" and "where" answers take too many forms. "Which release added X?" wants a
version: a number, a short name ("Vista") or an ordinal; "which option" an option or a name,
"which environment variable" a variable's name, "which directory" a path. Each rule's false fires are counted on
SQuAD v1.1 dev's 10,570 gold answers (70 in all: mostly amounts written without digits).
"""

from __future__ import annotations

import re

from veracity.guard.claims import SMALL_CARDINALS, numbers
from veracity.guard.strict import code_names
from veracity.rag.focus import HOW_KINDS
from veracity.rag.money import amount_of_a_thing
from veracity.text.analyzer import ENGLISH_STOPWORDS

# Questions whose answer is a quantity or a date: "how many desks", "in what year", "when".
# A hedge or a preposition before the question word: "Roughly how much slower is ...?", "By what
# percentage ...?"
_HEDGE = (
    r"(?:(?:roughly|approximately|about|around|exactly|precisely|so|and|but|then)[\s,]+)?"
    r"(?:(?:by|to|at|of|on|from|within)\s+)?"
)
_QUANTITY = re.compile(
    rf"^\W*{_HEDGE}(?:how (?:{'|'.join(sorted(HOW_KINDS))})|(?:in )?(?:what|which) year"
    r"|what (?:percentage|percent|number|amount)"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+numeric(?:al)?\s+values?"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+(?:maximum|minimum|max|min|average|median)"
    r"|what(?:'s|\s+is|\s+was)\s+the\s+(?:most|least)(?=\s+(?:that\s+)?(?:i|you|we|one|they|a|an)\s)"
    r"|what\s+(?:voltage|wattage|temperature|weight|price|cost|fee|speed|distance)"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:price|cost|fee|fare|excess|deductible|premium|deposit)s?"
    r"(?=\s+(?:of|for|in|at|per)\b|\s*\?)"
    r"|what\s+(?:does|do|did|will|would)\s+[^?]*\bcost)\b",
    re.IGNORECASE,
)
_SNAKE_NAME = re.compile(r"\w*[A-Za-z]\w*_\w+|\w+_\w*[A-Za-z]\w*")
_YEAR_QUESTION = re.compile(r"^\W*(?:in |by |since )?(?:what|which) year\b", re.IGNORECASE)
_AUXILIARY = r"(?:do|does|did|is|are|was|were|can|could|will|would|should|has|have|had)\b"


def _which(kind: str) -> re.Pattern[str]:
    """ "What/which" and up to two words (no auxiliary verb) before ``kind``: "which attrs
    release", "in what environment variable"; or "what is the" right before it: "what's the
    errno"; not "What does photosynthesis release?", nor "What is the revised version of the
    Book of Common Prayer called?"."""
    return re.compile(
        rf"\b(?:what|which)(?:\s+(?:(?!{_AUXILIARY})[\w.+-]+\s+){{0,2}}?"
        rf"|(?:['’]s|\s+(?:is|are|was|were))\s+the\s+)(?:{kind})\b",
        re.IGNORECASE,
    )


# "perror()", "memmove(3)": the text goes on to call the name the span reads
_CALLED = re.compile(r"\((?:\d\w*)?\)")


# "Which release added X?" wants a version; "Which option/flag ...?" an option ("--src", "-e",
# "cache_hash=True") or one name; "Which environment variable ...?" a variable's name
# ("PIP_CONFIG_FILE", "$HOME", "%APPDATA%").
_VERSION_QUESTION = _which(r"(?:version|release)s?")
# "Which libffi function releases ...": a thing of code before "release" is what does it.
_CODE_THING = re.compile(
    r"\b(?:functions?|methods?|calls?|macros?|commands?|routines?|handlers?|options?|flags?|"
    r"tools?|utilit(?:y|ies)|programs?|scripts?|api)\s+releases?\b",
    re.IGNORECASE,
)
_OPTION_QUESTION = _which(r"(?:option|flag|switch)s?")
_ENV_QUESTION = _which(r"(?:environment|env)\s+variables?")
# "Which Expat function ...?", "What status code ...?", "Which client request ...?": a name
# from code, written as code ("XML_StopParser", "FFI_BAD_ABI", "perror()", "ffi_type_pointer").
# A bare "what function" or "what method" is English ("What function does ozone perform?"): a
# function is code's when a name qualifies it ("Which Expat function", "which libffi function").
_CODE_QUESTION = _which(
    r"(?:macros?|constants?|(?:status|error|return)\s+codes?|client\s+requests?|"
    r"type\s+descriptors?|system\s+calls?|syscalls?|enum(?:eration)?\s+values?|"
    r"errno(?:\s+values?)?|error\s+numbers?|error\s+constants?)"
)
_NOT_A_QUALIFIER = (
    r"(?:is|are|was|were|be|been|do|does|did|has|have|had|can|could|should|would|will|the|a|an|"
    r"this|that|these|those|its|their|of|other|main|primary|one|another|some|any|each)\s"
)
_CODE_FUNCTION_QUESTION = re.compile(
    rf"\b(?:what|which)\s+(?:(?!{_NOT_A_QUALIFIER})[\w.+-]+\s+)?(?!{_NOT_A_QUALIFIER})"
    r"[\w.+-]+\s+(?:functions?|methods?)\b",
    re.IGNORECASE,
)
# Codes that are numbers as often as names: "Which exit code ...?" may be answered "2".
_NUMBERED_CODES = re.compile(r"\b(?:status|error|return|exit|result)\s+codes?\b", re.IGNORECASE)
# Written as code: snake_case, dotted, "::", a call's "()", camelCase, CamelCase, CAPITALS, a
# Rust macro ("eprintln!"), a decorator ("@property").
_CODE_LIKE = re.compile(
    r"\w_\w|\w\.\w|::|\(\)|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*|\b[A-Z][A-Z0-9]{2,}\b"
    r"|\w!|@\w"
)
# A question that names code ("memcpy()", "FUTEX_WAIT") is about code: what it asks for by a
# code word ("which flag", "which event bit", "which advice value", a bare "which function") is a
# name from code too, not "bitwise" or "chained calls".
_NAMES_CODE = re.compile(r"\b[A-Za-z_]\w*\(\)|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
_CODE_KIND_QUESTION = _which(r"(?:flags?|options?|switch(?:es)?|bits?|advice|functions?)")
_AROUND_A_CODE_NAME = frozenset(("flag", "option", "bit", "constant", "value", "advice"))
# "Which directory ...?" wants a path: "~/.config/app", "C:\\Users", "%APPDATA%\\pip", "pip.ini".
_DIRECTORY_QUESTION = _which(r"(?:directory|directories|folder|folders)")
_PATH_LIKE = re.compile(r"[/\\~]|\$\w|%\w+%|\.\w{1,5}\b")
_OPTION_LIKE = re.compile(r"(?<![\w-])--?[A-Za-z]|\w=\S|[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+")
# A variable's name: "$HOME", "%APPDATA%", "PIP_CONFIG_FILE", a long one in capitals
# ("PYTHONUSERBASE") or a well-known short one; not an acronym of the text ("an HTTP server").
_ENV_NAME = re.compile(
    r"\$\{?[A-Za-z_]\w*|%[A-Za-z_]\w*%|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]{6,}\b"
    r"|\b(?:HOME|PATH|USER|SHELL|LANG|TERM|PWD|TMP|TEMP|TMPDIR|EDITOR|VISUAL|PAGER|TZ|DISPLAY)\b"
)
_NOT_A_VERSION = re.compile(r"\b(?:PEP|RFC|ISO|issue|bug)\s*#?\d+|#\d+", re.IGNORECASE)
# A version named, not numbered: "Vista", "Snow Leopard", "the Tyndale Bible"; or an ordinal.
_VERSION_NAME = re.compile(r"(?:the\s+)?(?:[A-Z][\w'-]*\s*){1,4}")
_ORDINAL = re.compile(
    r"\b(?:first|second|third|fourth|fifth|latest|last|next|previous|current|initial|original)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(
    r"(?<![\d.])\d{3,4}(?:s|'s)?(?![\d.]\d)|\b(?:century|centuries|decade|millenni\w*|BCE?|AD|CE)\b"
)
_WHEN = re.compile(r"^\W*(?:when|(?:in|on|at|by) what (?:date|day|month|time))\b", re.IGNORECASE)
# "When rocks melt, what forms?": a "when" clause that sets the scene for another question word.
_LATER_QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|where|why|how)\b", re.I)
_TIME_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|daily|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"morning|afternoon|evening|noon|midnight|night|today|tomorrow|yesterday|year|month|week|"
    r"century|decade|spring|summer|autumn|fall|winter|before|after|during|until|when|once|"
    r"ago|era|age|period|since)s?\b",
    re.IGNORECASE,
)
# Amounts without digits or a number word: "half a mile", "hundreds", "several", "a year".
_AMOUNT_WORDS = re.compile(
    r"\b(?:half|quarter|dozens?|scores|hundreds|thousands|millions|billions?|trillions?|several"
    r"|few|many|numerous|multiple|twice|thrice|double|triple|none)\b"
    r"|\b(?:an?|per|each|every)\s+(?:\w+\s+)?(?:second|minute|hour|day|night|week|month|year"
    r"|decade|century|mile|kilometre|kilometer|metre|meter|foot|feet|inch|yard|acre|pound|ton"
    r"|dollar|percent)s?\b",
    re.IGNORECASE,
)


def asks_amount(question: str) -> bool:
    """Whether ``question`` asks for a quantity, a year or a time ("how heavy", "what year",
    "when"), not counting a "when" clause that sets the scene for another question word."""
    return bool(
        _QUANTITY.search(question) or _YEAR_QUESTION.search(question) or _asks_when(question)
    )


def asks_version(question: str) -> bool:
    """Whether ``question`` asks for a version or a release ("Which release added X?"; not
    "Which libffi function releases memory?", where a thing of code does the releasing)."""
    m = _VERSION_QUESTION.search(question)
    return m is not None and not _CODE_THING.search(m.group(0))


# A note of when something came or changed, and nothing more: "New in Expat 1.95.8.", "Added in
# version 2.0", "Deprecated since 4.0." ("Changed in version 23.3: A new cache format ..." says
# more).
_VERSION_NOTE = re.compile(
    r"^\W*(?:(?:new|added|changed|deprecated|removed)\s+in|deprecated\s+since|since)\b"
    r"[^.;:]{0,40}?\d+(?:\.\d+)+\W*$",
    re.IGNORECASE,
)


def version_note_problem(question: str, sentence: str) -> str:
    """Why a span of ``sentence`` cannot answer ``question``, or "": the sentence is only a note
    of the version something came in ("New in Expat 1.95.8."), and the question asks neither a
    version nor when. "What status does XML_Parse return?" is not answered "1.95.8"."""
    if not _VERSION_NOTE.search(sentence) or asks_version(question) or _asks_when(question):
        return ""
    return f"the answer's sentence only notes a version ('{sentence.strip()[:60]}')"


# Words a function's name may be said with: "the XML_StopParser function", "a call to free()".
_AROUND_A_NAME = frozenset(("the", "a", "an", "function", "method", "call", "to", "macro"))


def _phrase(span: str) -> bool:
    """Whether ``span`` says more than one name ("do_nst non-zero"), words that a name is said
    with aside ("the XML_StopParser function")."""
    return len([w for w in span.split() if w.lower() not in _AROUND_A_NAME]) > 1


def _words_besides_a_name(span: str) -> int:
    """How many words ``span`` says besides those a code name is said with ("the
    FALLOC_FL_KEEP_SIZE flag" says one)."""
    around = _AROUND_A_NAME | _AROUND_A_CODE_NAME
    return len([w for w in span.split() if w.lower() not in around])


def asks_function(question: str) -> bool:
    """Whether ``question`` asks which function or method of something named ("Which Expat
    function ...?", "which libffi function"); a bare "what function" is English."""
    return _CODE_FUNCTION_QUESTION.search(question) is not None


def asks_option(question: str) -> bool:
    """Whether ``question`` asks which option, flag or switch ("Which Massif option ...?")."""
    return _OPTION_QUESTION.search(question) is not None


def code_like(span: str) -> bool:
    """Whether ``span`` holds a name written as code ("XML_StopParser", "ffi_type_pointer",
    "perror()", "CamelCase", "CAPITALS")."""
    return _CODE_LIKE.search(span) is not None


def option_like(span: str) -> bool:
    """Whether ``span`` names an option as code does ("--src", "-e", "cache_hash=True")."""
    return _OPTION_LIKE.search(span) is not None


def _asks_when(question: str) -> bool:
    return bool(_WHEN.search(question)) and not _LATER_QUESTION_WORD.search(question, 5)


def answer_type_problem(question: str, span: str, after: str = "", message: str = "") -> str:
    """Why ``span`` cannot answer ``question`` by its type alone, or "": a "how many" or "what
    year" question is answered by a quantity (digits, number words, or an amount such as "half
    a mile" or "hundreds"), and a "what year" question by a year (3-4 digits, not a part of a
    version such as "v12.12.0", or a century, a decade or an era); a "when" question by a time.
    (Only these kinds are checked: "who" and "where" answers take too many forms to judge by
    their words.) A leading "when" clause followed by another question word ("When rocks melt,
    what forms?") does not ask when. Of the 232 "what year" questions of SQuAD v1.1 dev, one
    gold answer has no year by this test ("2nd century BCE" does: a century). ``after`` is the
    text that follows the span in its passage: a bare number's unit may come next ("two" of
    "two minor releases", "15" of "15 euros"). ``message``: the whole message ``question`` was
    asked in, whose names may tell that it is about code ("I want mlockall() to ... Which flag
    do I include?")."""
    # a name from code holds no quantity: "ASN1_MAX_NAME_SIZE" is not "1"
    # "two-year" of "a two-year warranty" holds a number
    plain = _SNAKE_NAME.sub(" ", span).replace("-", " ")
    quantity = bool(numbers(plain)) or bool(_AMOUNT_WORDS.search(span))
    # a price may be none at all: "free" answers "What is the parking fee?"
    quantity = quantity or bool(_PRICE_QUESTION.search(question) and _NO_PRICE.search(span))
    if _QUANTITY.search(question) and not quantity:
        return f"the question asks for a quantity, and '{span}' is none"
    if _YEAR_QUESTION.search(question) and not _YEAR.search(span):
        return f"the question asks for a year, and '{span}' is none"
    if asks_version(question) and (not _is_version(span) or _named_from_question(question, span)):
        return f"the question asks for a version, and '{span}' is none"
    if asks_version(question) and (named := _named_versions(question, span)):
        # "Which release dropped Python 3.7?" is not answered "Python 3.7"
        return f"the question asks for a version, and names {named} itself"
    if (name := span.strip().removesuffix("()")) and name in code_names(question):
        # "What value is XML_CONTEXT_BYTES set to?" is not answered "XML_CONTEXT_BYTES"
        return f"the answer only repeats '{name}' from the question"
    if _QUANTITY.search(question) and _repeats_label(question, span):
        # "How many users were interviewed in the 2020 research?" is not "2020 UX Work"
        return f"the question asks for a quantity, and '{span}' only repeats its numbers"
    if problem := repeat_problem(question, span):
        return problem
    if _OPTION_QUESTION.search(question) and not (
        _OPTION_LIKE.search(span) or len(span.split()) == 1
    ):
        return f"the question asks for an option, and '{span}' is none"
    if (
        (_CODE_QUESTION.search(question) or _CODE_FUNCTION_QUESTION.search(question))
        and not _CODE_LIKE.search(span)
        and not _CALLED.match(after)  # "perror" of "perror()"; not "error (and ..."
        and not (_NUMBERED_CODES.search(question) and numbers(span))  # "status code 2"
    ):
        return f"the question asks for a name from code, and '{span}' is none"
    if (
        _NAMES_CODE.search(message or question)
        and _CODE_KIND_QUESTION.search(question)
        and not _CALLED.match(after)  # "memmove" of "memmove(3)"
        and not numbers(span)  # "0600" for "which permission bits"
        and (
            not (_CODE_LIKE.search(span) or _OPTION_LIKE.search(span))
            or _words_besides_a_name(span) > 2
        )
    ):
        # "Which flag do I pass to mlockall()?" is not "bitwise"; "Which function should I call
        # instead of memcpy()?" is not "chained calls"
        return f"the question asks for a name from code, and '{span}' is none"
    if _CODE_FUNCTION_QUESTION.search(question) and _CODE_LIKE.search(span) and _phrase(span):
        # "Which Expat function returns triplets?" is not answered "do_nst non-zero"
        return f"the question asks for a function, and '{span}' is no function's name"
    if _ENV_QUESTION.search(question) and not _ENV_NAME.search(span):
        return f"the question asks for an environment variable, and '{span}' names none"
    if _DIRECTORY_QUESTION.search(question) and not _PATH_LIKE.search(span):
        return f"the question asks for a directory, and '{span}' is no path"
    if _asks_when(question) and not (quantity or _TIME_WORDS.search(span)):
        return f"the question asks when, and '{span}' is no time"
    if (
        _asks_when(question)
        and _UNITS["price"].search(span)
        and not (_TIME_WORDS.search(span) or _CLOCK.search(span))
    ):
        # "When is the office closed?" is not "5 euros per day"
        return f"the question asks when, and '{span}' is a price"
    if _CLOCK_QUESTION.search(question) and not _CLOCK.search(span):
        return f"the question asks what time, and '{span}' is no time of day"
    if _HOW_MUCH.search(question) and _CLOCK.search(span) and not _UNITS["price"].search(span):
        return f"the question asks how much, and '{span}' is a time of day"
    clause = span + re.split(r"[.!?;]\s", after, maxsplit=1)[0]
    if (
        _PRICE_QUESTION.search(question)
        and _DIFFERENCE.search(clause)
        and not _DIFFERENCE_ASKED.search(question)
    ):
        # "How much is a one hour lesson?" is not "£3 more per hour", a surcharge on another price
        return f"the question asks for a price, and '{span}' is a difference from another one"
    return _unit_problem(question, span, span + _first_word(after))


def _repeats_label(question: str, span: str) -> bool:
    """Whether every number of ``span`` is a year or a version ("2020", "3.7") that the question
    names itself: a label of what is counted, not a count. A count may repeat the question's
    ("How many of the four attempts succeeded?" "all four")."""
    said = numbers(span)
    labels = all(re.fullmatch(r"1\d{3}|20\d{2}|\d+\.\d+(?:\.\d+)*", n) for n in said)
    return bool(said) and labels and said <= numbers(question)


# A question that offers the answer: "Which is older, X or Y?", "between the Broncos and Steelers".
_CHOICE = re.compile(r"\b(?:or|either|between|versus|vs)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# Words that add nothing to a repeated name: the stopwords, and the prepositions that set a
# time or place ("until the 'drain' event" of "When is the 'drain' event emitted?").
_NOT_CONTENT = ENGLISH_STOPWORDS | frozenset((
    "until", "till", "after", "before", "during", "since", "while", "when", "because", "within",
    "from", "into", "about", "over", "under", "upon", "via",
))  # fmt: skip


def repeat_problem(question: str, span: str) -> str:
    """Why ``span`` cannot answer ``question``, or "": every content word of it is a word of the
    question, written alike, and the question offers no choice ("What must the type field be
    set to for libffi?" is not answered "libffi"). An answer names something the question does
    not; "HOME" of "Which variable holds the home folder?" and "Kearney Park" of "Which park is
    home to the Kearney Mansion?" are written otherwise, and name something. The engine asks it
    of the whole message too, scene included ("I run it under Valgrind. What is the default
    --smc-check setting?" is not answered "Valgrind"). Of SQuAD v1.1 dev's 10,570 questions, 11
    have gold answers that this declines ("Chinese" of "What language is used in Chinese
    primary schools in Malaysia?"); 13 more are choices ("Broncos" of "between the Broncos and
    Steelers")."""
    words = [w for w in _WORD.findall(span) if w.lower() not in _NOT_CONTENT]
    if not words or _CHOICE.search(question):
        return ""
    asked = set(_WORD.findall(question))
    if not all(w in asked for w in words):
        return ""
    return f"the answer only repeats '{span.strip()}' from the question"


def _is_version(span: str) -> bool:
    """Whether ``span`` can name a version: it holds a number (not a PEP's or an issue's), or
    it is a short capitalized name or an ordinal ("the first release")."""
    numbered = re.search(r"\d", _NOT_A_VERSION.sub("", span)) is not None
    named = _VERSION_NAME.fullmatch(span.strip()) is not None
    return numbered or named or _ORDINAL.search(span) is not None


def _named_from_question(question: str, span: str) -> bool:
    """Whether ``span`` is a version name without a number whose words the question holds:
    "Python" for "Which release dropped support for Python 3.6?" names what was dropped."""
    if re.search(r"\d", span):
        return False
    asked = {w.lower() for w in re.findall(r"[\w'-]+", question)}
    words = [w.lower() for w in re.findall(r"[\w'-]+", span) if w.lower() != "the"]
    return bool(words) and all(w in asked for w in words)


_VERSION_NUMBER = re.compile(r"\d+(?:\.\d+)+|\d+")


# The name a version is written after, which it is the version of: "Bash (version 4.4 and up)",
# "GCC 11", "CPython 3.12". Not the words that introduce a version ("Release 2.4.9", "Since 3.2").
_VERSION_OWNER = re.compile(
    r"(?P<name>\b[A-Z][\w+#-]*[\w+#])[ \t]*(?:\([ \t]*)?(?:versions?[ \t]+|v(?=\d))?$"
)
_INTRODUCES_VERSION = frozenset((
    "release", "releases", "version", "versions", "since", "in", "from", "to", "until",
    "before", "after", "changes", "changed", "added", "new", "deprecated", "removed", "fixed",
    "and", "or", "the", "of", "at", "by", "with", "as", "see", "for",
))  # fmt: skip


# What a question asks the version of: "which Linux kernel version", "what glibc release".
_ASKED_OWNER = re.compile(
    rf"\b(?:what|which)\s+(?P<owner>(?:(?!{_AUXILIARY})[\w.+-]+\s+){{1,2}}?)(?:versions?|releases?)\b",
    re.IGNORECASE,
)
# A span that opens with a name and its version: "glibc 2.32", "Linux 5.8", "UNIX V7".
_OWNED_VERSION = re.compile(r"(?P<name>[A-Za-z][\w+#-]*)[ \t]+[vV]?\d")


def version_owner_problem(question: str, text: str, start: int, where: str) -> str:
    """Why the span at ``text[start]`` cannot answer ``question``, a question for a version,
    or "": the span is written after a name that neither the question nor ``where`` (the
    document's title and path) holds, so it is that thing's version. "In which version did
    Click add completion for Fish?" is not answered "4.4 and up" of "support for Bash (version
    4.4 and up)"). A span that opens with another name than the one the question asks the
    version of is that name's version: "In which Linux kernel version did faccessat2() appear?"
    is not answered "glibc 2.32"."""
    if not asks_version(question):
        return ""
    owner = _ASKED_OWNER.search(question)
    named = _OWNED_VERSION.match(text, start)
    if owner and named and named.group("name").lower() not in question.lower():
        return f"the question asks for a version of {owner.group('owner').strip()}, and the one cited is {named.group('name')}'s"
    line = text.rfind("\n", 0, start) + 1
    m = _VERSION_OWNER.search(text, max(line, start - 40), start)
    if m is None or m.group("name").lower() in _INTRODUCES_VERSION:
        return ""
    name = m.group("name")
    if name.lower() in question.lower() or name.lower() in where.lower():
        return ""
    return f"the question asks for a version, and the one cited is {name}'s"


def _named_versions(question: str, span: str) -> str:
    """The span's numbers when the question names every one of them, else ""."""
    said = _VERSION_NUMBER.findall(span)
    asked = set(_VERSION_NUMBER.findall(question))
    return ", ".join(said) if said and set(said) <= asked else ""


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
    if _PRICE_QUESTION.search(question) and not _MEASURE_VERB.search(question):
        # "How much is a checked bag?" asks a price, not "23 kg" or "three working days"; "How
        # much is a book of permits?" not "ten" (a bare count: no unit, no percentage)
        found = {kind for kind in ("weight", "length", "volume", "temperature", "time") if
                 _UNITS[kind].search(span)}  # fmt: skip
        if found and not (_UNITS["price"].search(span) or _RENT_OF.search(span)):
            return f"the question asks for a price, and '{span}' is a {sorted(found)[0]}"
        if (
            numbers(span)
            and not any(unit.search(read) for unit in _UNITS.values())
            and not re.search(r"%|\bper\s?cent\b", read, re.IGNORECASE)
        ):
            return f"the question asks for a price, and '{span}' is a count"
    if count := _HOW_MANY.search(question):
        # "How many tablets are in a pack?" is not answered "25°C": a count of things that are no
        # unit is no measure (a time may still qualify it: "2,000 students a year")
        words = [w.lower() for w in count.groups() if w]
        if any(
            unit.fullmatch(w) or unit.fullmatch(w.removesuffix("s"))
            for unit in _UNITS.values()
            for w in words
        ):
            return ""
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
        _HOW_LONG.search(question)
        and _UNITS["price"].search(span)
        and not (_UNITS["time"].search(span) or _UNITS["length"].search(span))
    ):
        return f"the question asks how long, and '{span}' is a price"
    if (
        (thing := amount_of_a_thing(question))
        and not _PRICE_QUESTION.search(question)
        and _UNITS["price"].search(span)
        and not any(u.search(span) for kind, u in _UNITS.items() if kind != "price")
    ):
        # "How much storage does the Basic plan include?" is not "9 dollars"
        return f"the question asks how much {thing}, and '{span}' is a price"
    if (
        _HOW_LONG.search(question)
        and numbers(span)
        and not _measured(read)
        and not (_TIME_WORDS.search(span) or _YEAR.search(span) or _AMOUNT_WORDS.search(span))
    ):
        return f"the question asks how long, and '{span}' is no duration or length"
    return ""


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
    r"off|kick\s+off|serve|served|due|meet|collect|check(?:ing)?[\s-](?:in|out)|board|boarding|"
    r"land|take\s+off|pick\s+up)(?:s|es|ed)?\b"
    # "What are visiting times?", "What are the opening hours?": times of day too
    r"|^\W*what\s+(?:are|were|is|was)\s+(?:the\s+)?(?:[a-z-]+\s+)?(?:opening|visiting|office|"
    r"business|closing|collection|pick-up|pickup)\s+(?:times|hours)\b",
    re.IGNORECASE,
)
# "How much is dinner?" is not answered "7 am to 10 am" (but "how much time" may be)
_HOW_MUCH = re.compile(r"\bhow\s+much\b(?!\s+(?:time|longer|later|earlier)\b)", re.IGNORECASE)
_CLOCK = re.compile(
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
    r"\s+(?:is|are)\s+(?:a|an|the)\b)|^\W*what\s+(?:does|do|did|will|would)\s+[^?]*\bcost\b"
    r"|^\W*what(?:'s|\s+is|\s+are)\s+the\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:price|cost|fee|fare|excess|deductible|premium|deposit)s?\b",
    re.IGNORECASE,
)
# a price counted in a periodic payment: "two months' rent", "a week's wages"
_RENT_OF = re.compile(
    r"\b(?:days?|weeks?|months?|years?)['’]?s?\s+(?:rent|salary|pay|wages|income)\b", re.IGNORECASE
)
_NO_PRICE = re.compile(r"\b(?:free|no charge|no cost|complimentary|nothing)\b", re.IGNORECASE)
# "What is the maximum vehicle weight?" asks for a weight, as "how heavy" does ("length" also
# names a time: "the length of an episode")
_MEASURE_NOUN = re.compile(
    r"^\W*(?:what|which)\b[^?]*?\b(weight|height|width|depth|temperature|distance|altitude)\b",
    re.IGNORECASE,
)
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.IGNORECASE)
# a price said as a difference from another: "£3 more per hour", "£6 extra" ("45p per kWh on top
# of the parking tariff" is the price of charging, so "on top of" is no sign)
_DIFFERENCE = re.compile(r"\d(?:[\d,]|\.\d)*\w*\s+(?:more|extra|less|cheaper|off)\b", re.IGNORECASE)
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
_MEASURE_VERB = re.compile(r"\b(?:weigh|hold|contain|fit|carry|measure)\w*", re.IGNORECASE)
_HOW_MANY = re.compile(
    r"\bhow\s+many\s+([A-Za-z][\w-]*)(?:\s+([A-Za-z][\w-]*))?(?:\s+([A-Za-z][\w-]*))?", re.I
)
_MEASURE_OF = {
    "heavy": "weight", "tall": "length", "far": "length", "wide": "length", "deep": "length",
    "thick": "length", "hot": "temperature", "cold": "temperature", "warm": "temperature",
    "weight": "weight", "height": "length", "width": "length", "depth": "length",
    "temperature": "temperature", "distance": "length", "altitude": "length",
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
    }.items()
}
