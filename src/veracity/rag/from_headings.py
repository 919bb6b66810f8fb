"""Answers that stand in the heading above a passage, not in the passage.

Four kinds of question are answered by a heading when the passage that the reader finds is an
entry under it:

- **A release.** "Which release dropped Python 3.7?" of a changelog entry ("- Python 3.7 has been
  dropped.") is answered by its release heading ("## 24.3.0 - 2024-12-16"), and so is "When was
  FloatRange added?" (``rag.releases``).
- **An option.** A reference lists its options as entries, each under a heading that names it
  ("### --track-origins=<yes|no> [default: no]", from an HTML definition list or a
  reStructuredText ``.. option::``), whose paragraphs describe it without naming it again
  ("Controls whether Memcheck tracks the origin of uninitialised values."). "Which Memcheck
  option shows where an uninitialised value came from?" is answered by the option the heading
  names: a word of the description ("uninitialised") is no option.
- **An option's default.** "What is the default --smc-check setting?" asked of the option's entry
  is answered by the default its heading states ("[default: all-non-file for x86/amd64/s390x,
  stack for other archs]"), when the entry's paragraphs do not say it.
- **A function.** An API reference gives each function an entry under a heading that names it
  ("#### XML_SetReturnNSTriplet"). "Which Expat function makes the parser return names as
  triplets?" is answered by that name when the reader's span is none ("do_nst non-zero", a
  phrase about the function's argument).

``heading_answer`` finds where the answer stands in the document's text, so that it is cited
there. The caller has checked the entry against the question (``answer_extractive``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.rag.answer_types import (
    asks_function,
    asks_option,
    asks_version,
    code_like,
    option_like,
)
from veracity.rag.releases import (
    asks_release_time,
    heading_span,
    last_heading,
    release_line_above,
    release_of,
    release_question_fits,
    release_span,
)

__all__ = [
    "function_of",
    "heading_answer",
    "option_of",
    "other_option_problem",
    "unnumbered_release_problem",
    "wants_heading",
]

# A version as changelogs number their releases: "2.4.9", "v1.2".
_NUMBERED = re.compile(r"\d+\.\d+")
# The option an entry's heading opens with: "--track-origins=<yes|no> [default: no]", "-v".
_OPTION_ENTRY = re.compile(r"^[`*\s]*(?P<option>--?[A-Za-z][\w-]*[A-Za-z0-9]|-[A-Za-z0-9])")
# A function's entry heading: "XML_SetReturnNSTriplet", "ffi_prep_cif()".
_FUNCTION_ENTRY = re.compile(r"^[`*\s]*(?P<name>[A-Za-z_][\w:.]*\w)(?:\(\))?[`*\s]*$")
# What only a name from code has: "snake_case", "a::b", "a.b", "camelCase".
_FUNCTION_NAME = re.compile(r"\w_\w|::|\w\.\w|[a-z][A-Z]")
# An option the question names: "--show-leak-kinds" (double-dash only: "-based" is a word's end).
_NAMED_OPTION = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*[A-Za-z0-9]")
# The default an entry's heading states: "[default: all-non-file for x86/amd64/s390x, ...]".
_DEFAULT_LABEL = re.compile(r"\[default:[ \t]*(?P<value>[^\]\n]*[^\]\s])[ \t]*\]", re.IGNORECASE)
_ASKS_DEFAULT = re.compile(r"\bdefault(?:s|ed)?\b", re.IGNORECASE)


def option_of(headings: Sequence[str]) -> str | None:
    """The option the innermost of ``headings`` is the entry of, or None."""
    m = _OPTION_ENTRY.match(headings[-1]) if headings else None
    return m.group("option") if m else None


def function_of(headings: Sequence[str]) -> str | None:
    """The function the innermost of ``headings`` is the entry of (a name written as code, alone
    on the heading: "XML_SetReturnNSTriplet", "ffi_prep_cif()", "readFileSync"), or None. A
    word in capitals ("FAQ", "API") is a section's name, not a function's."""
    m = _FUNCTION_ENTRY.match(headings[-1]) if headings else None
    if m is None or not code_like(m.group("name")):
        return None
    name = m.group("name")
    return (
        name if _FUNCTION_NAME.search(name) or m.group(0).rstrip("`* \t").endswith("()") else None
    )


def wants_heading(asked: str, headings: Sequence[str], span: str, text: str = "") -> bool:
    """Whether ``asked`` may want the heading above rather than ``span``: it asks for the
    default of the option whose entry states one; or which option, the span is none, and the
    passage is an option's entry; or which function, and the span is an argument that the
    signature of the function's entry declares ("do_nst" of "XML_SetReturnNSTriplet(XML_Parser
    parser, int do_nst)", in the passage ``text``); or which version, and the span holds no
    numbered one ("Zero" of "Google Project Zero", "49" of "#49 Fix"), which a changelog's
    release heading may give."""
    if asks_function(asked) and (name := function_of(headings)) is not None:
        return span.strip() in _parameters(name, text)
    if _stated_default(asked, headings) is not None:
        return True
    if asks_version(asked):
        return _NUMBERED.search(span) is None
    return asks_option(asked) and not option_like(span) and option_of(headings) is not None


def _parameters(function: str, text: str) -> set[str]:
    """The names ``text`` declares as ``function``'s parameters in a signature written there
    ("XML_SetReturnNSTriplet(XML_Parser parser, int do_nst)": "parser", "do_nst")."""
    m = re.search(rf"(?<![\w.]){re.escape(function)}\s*\((?P<args>[^()]*)\)", text)
    if m is None:
        return set()
    return {a.split()[-1].strip("*&[]") for a in m.group("args").split(",") if a.split()}


def _stated_default(asked: str, headings: Sequence[str]) -> str | None:
    """The default that the innermost of ``headings`` states ("--smc-check=<none|stack|all>
    [default: all-non-file for x86/amd64/s390x, stack for other archs]"), when ``asked`` asks
    for the default of the option that heading names; else None."""
    if not headings or not _ASKS_DEFAULT.search(asked):
        return None
    option = option_of(headings)
    if option is None or option not in _NAMED_OPTION.findall(asked):
        return None
    m = _DEFAULT_LABEL.search(headings[-1])
    return m.group("value") if m else None


def unnumbered_release_problem(
    asked: str, headings: Sequence[str], text: str, offset: int, span: str
) -> str:
    """Why ``span`` cannot answer ``asked``, a question for a version, of an entry at
    ``offset`` of the document ``text`` under a release heading: the changelog numbers its
    releases ("2.4.9"), so a version named by words or a bare number is none of them. ""
    when the question asks no version, the span holds a numbered one, or no release heading
    stands above."""
    if not asks_version(asked) or _NUMBERED.search(span):
        return ""
    if release_of(headings) is None and release_line_above(text, offset) is None:
        return ""
    return f"the question asks for a release, and '{span}' is none of the changelog's versions"


def other_option_problem(asked: str, headings: Sequence[str], text: str, start: int) -> str:
    """Why the span at ``text[start]`` (a passage under ``headings``) cannot answer ``asked``,
    or "": the question names an option and asks something of it (not which option), and the
    span stands in the entry of another option. "Which leak kinds does Memcheck show by default
    (--show-leak-kinds)?" is not answered from the entry of "--leak-check", though that entry
    mentions "--show-leak-kinds"."""
    named = set(_NAMED_OPTION.findall(asked))
    if not named or asks_option(asked):
        return ""
    above = last_heading(text, start)
    option = option_of((above,) if above is not None else headings)
    if option is None or option in named:
        return ""
    return f"the answer stands in the entry of {option}, not of {', '.join(sorted(named))}"


def heading_answer(
    asked: str, headings: Sequence[str], where: str, text: str, offset: int
) -> tuple[int, int] | None:
    """Where, in the document ``text``, the heading above the entry at ``offset`` answers
    ``asked``: the default it states, asked of the option it names; the function or the option
    it names (a reference); the version of its release (a changelog). None when the question
    asks for none of these, or about another project's releases (``where``: the document's
    title and uri), or no such heading stands above."""
    if (value := _stated_default(asked, headings)) is not None:
        option = option_of(headings)

        def states_it(title: str) -> int | None:
            m = _DEFAULT_LABEL.search(title)
            if m is None or m.group("value") != value or option_of((title,)) != option:
                return None
            return m.start("value")

        return heading_span(text, offset, states_it, len(value))
    if asks_function(asked) and (name := function_of(headings)) is not None:
        return _entry_name(asked, name, _FUNCTION_ENTRY, "name", text, offset)
    if asks_option(asked) and (option := option_of(headings)) is not None:
        return _entry_name(asked, option, _OPTION_ENTRY, "option", text, offset)
    if not (asks_version(asked) or asks_release_time(asked)):
        return None
    if not release_question_fits(asked, where):
        return None
    if (version := release_of(headings)) is not None and (
        span := release_span(text, offset, version)
    ) is not None:
        return span
    line = release_line_above(text, offset)  # a plain-text changelog (its headings no Markdown)
    return None if line is None else line[1:]


def _entry_name(
    asked: str, name: str, entry: re.Pattern[str], group: str, text: str, offset: int
) -> tuple[int, int] | None:
    """Where ``name`` stands in the last heading above ``offset`` in ``text`` whose title
    ``entry`` matches with ``name`` as its ``group`` (the option or the function an entry is
    of); None when no such heading stands there, or when ``asked`` names it itself: then it
    asks something else about it."""
    if re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", asked):
        return None

    def names_it(title: str) -> int | None:
        m = entry.match(title)
        return m.start(group) if m and m.group(group) == name else None

    return heading_span(text, offset, names_it, len(name))
