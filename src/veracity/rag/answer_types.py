"""What kind of answer a question asks for, and whether a span is of that kind.

``answer_type_problem`` refuses a span by its type alone: a quantity for "how many", "how much"
or "what is the maximum X" (digits, number words, or an amount such as "half a mile"), a year
for "what year", a time for "when". Only these kinds are judged: "who" and "where" answers take
too many forms. "Which release added X?" wants a version: a number, a short name ("Vista") or
an ordinal; "which option" an option or a name, "which environment variable" a variable's name,
"which directory" a path. The measures (a time of day for "what time does X close", a price, a
weight for "how heavy") are ``rag.measures``. Each rule's false fires are counted on SQuAD v1.1
dev's 10,570 gold answers (70 in all: mostly amounts written without digits).
"""

from __future__ import annotations

import re

from veracity.guard.claims import numbers
from veracity.guard.sentences import NEGATIONS
from veracity.guard.strict import code_names
from veracity.rag.focus import HOW_KINDS
from veracity.rag.measures import (
    AMOUNT_WORDS,
    TIME_WORDS,
    YEAR,
    asks_price,
    asks_when,
    gives_frequency,
    is_terse,
    measure_problem,
    no_charge,
    terse_quantity,
)
from veracity.text.analyzer import ENGLISH_STOPWORDS

# Questions whose answer is a quantity or a date: "how many desks", "in what year", "when".
# A hedge or a preposition before the question word: "Roughly how much slower is ...?", "By what
# percentage ...?"
_HEDGE = (
    r"(?:(?:roughly|approximately|about|around|exactly|precisely|so|and|but|then)[\s,]+)?"
    r"(?:(?:by|to|at|of|on|from|within)\s+)?"
)
# a footnote's mark after a word: "charge cycles (2)", "Yes²", "price [3]"
_FOOTNOTE_MARK = re.compile(r"(?<=[A-Za-z])\s?(?:\(\d{1,2}\)|\[\d{1,2}\])(?!\w)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_QUANTITY = re.compile(
    rf"^\W*{_HEDGE}(?:how (?:{'|'.join(sorted(HOW_KINDS))})|(?:in )?(?:what|which) year"
    r"|what (?:percentage|percent|number|amount)"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+numeric(?:al)?\s+values?"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+(?:maximum|minimum|max|min|average|median)"
    r"|what(?:'s|\s+is|\s+was)\s+the\s+(?:most|least)(?=\s+(?:that\s+)?(?:i|you|we|one|they|a|an|my|"
    r"your|our|their)\s)"
    # a limit: "What's the heaviest item left luggage will accept?", "the largest object I can
    # store" (not "the largest city that the river flows through")
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+(?:heaviest|largest|biggest|longest|"
    r"widest|tallest|highest|smallest|shortest|fastest|oldest|youngest)\b(?=[^?]*?\b(?:can|could|"
    r"may|will|would|allowed|accepted|permitted|accepts?|allows?|takes?)\b)"
    r"|what\s+(?:voltage|wattage|temperature|weight|price|cost|fee|speed|distance)"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+the\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:price|cost|fee|fare|excess|deductible|premium|deposit)s?"
    r"(?=\s+(?:of|for|in|at|per)\b|\s*\?)"
    r"|what\s+(?:does|do|did|will|would)\s+[^?]*\bcost)\b",
    re.IGNORECASE,
)
# "What discount do members get?", "food and drink discount": the size of a discount (not "What
# discount code ...?", "Which discount card ...?")
_DISCOUNT_QUESTION = re.compile(
    r"^\W*(?:what|how\s+much)\s+(?:[\w-]+\s+){0,2}?discount\b(?!\s+(?:codes?|cards?|schemes?|"
    r"vouchers?|types?|programmes?|programs?|offers?)\b)"
    r"|^(?!\W*(?:what|which|who|whom|whose|when|where|why|how|is|are|do|does|can)\b)[^?]*"
    r"\bdiscount\s*$",
    re.IGNORECASE,
)
# the size of a discount: a share, an amount of money, or words for one ("4DX" is none)
_DISCOUNT_SIZE = re.compile(
    r"%|\bper\s?cent\b|[£$€¥]|\d\s*p\b|\b(?:free|half|third|quarter|none|waived|full\s+price|off)\b",
    re.IGNORECASE,
)
_WHERE_QUESTION = re.compile(r"^\W*where\b", re.IGNORECASE)
# values of a setting that are no place
_NO_PLACE = frozenset(("true", "false", "yes", "no", "on", "off", "none", "null", "enabled",
                       "disabled"))  # fmt: skip
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
# "Which command lists suspended users?", and a terse query: "khctl command to list suspended
# users in json"
_COMMAND_QUESTION = _which(r"commands?")
_TERSE_COMMAND = re.compile(r"\bcommands?\s+(?:to|for|that)\b", re.IGNORECASE)
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


# a price said against another: "more expensive", "cheaper"
_COMPARED = re.compile(
    r"\b(?:more|less|cheaper|dearer|expensive|costlier|higher|lower|same)\b", re.IGNORECASE
)


def asks_amount(question: str) -> bool:
    """Whether ``question`` asks for a quantity, a year or a time ("how heavy", "what year",
    "when"), not counting a "when" clause that sets the scene for another question word."""
    return bool(
        _QUANTITY.search(question) or _YEAR_QUESTION.search(question) or asks_when(question)
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
    if not _VERSION_NOTE.search(sentence) or asks_version(question) or asks_when(question):
        return ""
    return f"the answer's sentence only notes a version ('{sentence.strip()[:60]}')"


# What may happen to a thing in a release, in the words of each kind of change
_EVENTS = {
    "add": r"added|introduced|new|introduces|adds|first\s+(?:appeared|shipped|released)",
    "deprecate": r"deprecated|deprecates|deprecation",
    "remove": r"removed|dropped|deleted|removes|drops|retired|gone",
    "rename": r"renamed|renames",
    "change": r"changed|changes",
    "fix": r"fixed|fixes|patched",
}
# the changes of a thing's life that no other change says
_LIFE = frozenset(("add", "deprecate", "remove"))
_EVENT = re.compile(
    "|".join(rf"(?P<{kind}>\b(?:{words})\b)" for kind, words in _EVENTS.items()), re.IGNORECASE
)


def version_event_problem(question: str, text: str, start: int) -> str:
    """Why the version at ``text[start]`` answers for another change than the one the question
    asks about, or "": "In which version was --legacy-auth removed?" is not answered "4.0.0" of
    "--legacy-auth has been removed (it was deprecated in 4.0.0)": the change said nearest
    before the span, in its sentence, is another of adding, deprecating and removing than the
    question names ("changed" may say a rename, so only those three are told apart)."""
    if not asks_version(question):
        return ""
    asked = {m.lastgroup for m in _EVENT.finditer(question)}
    lo = text.rfind("\n", 0, start) + 1
    lo = max(lo, *(text.rfind(end, 0, start) + 2 for end in (". ", "; ")))
    said = [m.lastgroup for m in _EVENT.finditer(text, lo, start)]
    if not asked & _LIFE or not said or said[-1] not in _LIFE or said[-1] in asked:
        return ""  # "changed" may say a rename: only adding, deprecating, removing differ
    word = next(m.group(0) for m in _EVENT.finditer(text, lo, start) if m.lastgroup == said[-1])
    return f"the version is where the text says '{word}', and the question asks another change"


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
    # nor does a footnote's mark: "charge cycles (2)", "Yes²"
    plain = _FOOTNOTE_MARK.sub(" ", _SNAKE_NAME.sub(" ", span)).replace("-", " ")
    quantity = bool(numbers(plain)) or bool(AMOUNT_WORDS.search(span))
    # a price may be none at all: "free" answers "What is the parking fee?"
    quantity = quantity or bool(asks_price(question) and no_charge(span))
    # "How often is the festival held?" is answered "biennial", "annually", "rarely"
    quantity = quantity or gives_frequency(question, span)
    if (_QUANTITY.search(question) or terse_quantity(question)) and not quantity:
        return f"the question asks for a quantity, and '{span}' is none"
    if asks_price(question) and not quantity and not _COMPARED.search(span):
        # "What booking deposit do I have to pay?" is not "the Centre is able to re-let the room"
        return f"the question asks for a price, and '{span}' is none"
    if _DISCOUNT_QUESTION.search(question) and not _DISCOUNT_SIZE.search(span):
        # "Club Unlimited food and drink discount" is not "Northlight-run kiosks and bars"
        return f"the question asks for a discount, and '{span}' is none"
    if _WHERE_QUESTION.search(question) and span.strip(" .").lower() in _NO_PLACE:
        # "Where does Bramble write the built site?" is not "false"
        return f"the question asks where, and '{span}' is no place"
    if _YEAR_QUESTION.search(question) and not YEAR.search(span):
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
    if (
        (
            _COMMAND_QUESTION.search(question)
            or (is_terse(question) and _TERSE_COMMAND.search(question))
        )
        and len(span.split()) >= 3
        and not (_OPTION_LIKE.search(span) or _CODE_LIKE.search(span) or _PATH_LIKE.search(span))
    ):
        # "khctl command to list suspended users in json" is not "remove deletes the user's
        # membership"; a command of one or two words may be plain ("backup", "users list")
        return f"the question asks for a command, and '{span}' is none"
    if _ENV_QUESTION.search(question) and not _ENV_NAME.search(span):
        return f"the question asks for an environment variable, and '{span}' names none"
    if _DIRECTORY_QUESTION.search(question) and not _PATH_LIKE.search(span):
        return f"the question asks for a directory, and '{span}' is no path"
    if asks_when(question) and not (quantity or TIME_WORDS.search(span)):
        return f"the question asks when, and '{span}' is no time"
    return measure_problem(question, span, after)


def _repeats_label(question: str, span: str) -> bool:
    """Whether every number of ``span`` is a year or a version ("2020", "3.7") that the question
    names itself: a label of what is counted, not a count. A count may repeat the question's
    ("How many of the four attempts succeeded?" "all four")."""
    said = numbers(span)
    labels = all(re.fullmatch(r"1\d{3}|20\d{2}|\d+\.\d+(?:\.\d+)*", n) for n in said)
    return bool(said) and labels and said <= numbers(question)


# A question that offers the answer: "Which is older, X or Y?", "between the Broncos and Steelers".
_CHOICE = re.compile(r"\b(?:or|either|between|versus|vs)\b", re.IGNORECASE)
_LISTED = re.compile(r"\w,\s+[\w ]+,?\s+and\s+\w")
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
    primary schools in Malaysia?"; reading a plural as its singular, "defaults" of "What is the
    default level?", adds one: "analysis of algorithms"); 13 more are choices ("Broncos" of
    "between the Broncos and Steelers"). A span that denies what is asked ("no sales tax" of "Do you charge sales
    tax?") answers it."""
    words = [w for w in _WORD.findall(span) if w.lower() not in _NOT_CONTENT]
    if not words or _CHOICE.search(question):
        return ""
    asked = set(_WORD.findall(question))
    # a word that denies what the question asks about: a span that adds one says something
    if {w.lower() for w in _WORD.findall(span)} & NEGATIONS - {w.lower() for w in asked}:
        return ""  # "no sales tax" answers "Do you charge sales tax?"
    # a list of names offers a choice too: "Commands" of "In Form, Command, and Model Validation
    # terms, what is Pydantic the right tool for?" picks one, in the plural
    plural = not _LISTED.search(question)
    if not all(w in asked or (plural and _plural_of(w, asked)) for w in words):
        return ""
    return f"the answer only repeats '{span.strip()}' from the question"


def _plural_of(word: str, asked: set[str]) -> bool:
    """Whether ``word`` is the plural of a word of ``asked`` ("defaults" of "What is the default
    syslog.level?")."""
    return any(word.endswith(end) and word[: -len(end)] in asked for end in ("s", "es"))


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
