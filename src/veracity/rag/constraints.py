"""Whether a passage holds what a question names: the check that runs before any reading of it.

A passage answers a question only when it (with its heading path, its document's title and its
path) names every key constraint of the question: its names, numbers and quoted strings
(``guard.strict.question_problems``). The sentences before the one that asks only set the
scene, and what they name may stand elsewhere in the passage's document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from veracity.guard.strict import question_problems
from veracity.rag.focus import scene_and_ask
from veracity.records import Hit
from veracity.text.lines import paragraph_at

__all__ = ["DocumentText", "constraint_problem", "identifier_block_problem", "mismatch_reason"]

# A document's text by its id (None when it cannot be read): how the heading above a passage (a
# release, an option's entry) is found in its document, and where what a question's scene
# names may stand.
DocumentText = Callable[[str], "str | None"]


# What a scene names that is what the question is about, not the user's setting: an advisory's
# or an issue's number ("CVE-2019-15903", "GHSA-xxxx-xxxx-xxxx", "bpo-31234", "#1234"). Not a
# standard's name with a number ("UTF-8", "SHA-256", "ISO-8859-1"): that is the user's setting.
_IDENTIFIER = re.compile(
    r"\bCVE-\d{4}-\d{4,}\b|\bGHSA(?:-[0-9a-z]{4}){3}\b"
    r"|\b(?:bpo|gh|issue|bug|pr)[- ]?#?\d+\b|(?<!\w)#\d{2,}\b",
    re.IGNORECASE,
)


# A code an appliance or a program shows: "the boiler shows F3", "error E22", "fault code A1"
_SHOWN_CODE = re.compile(
    r"\b(?:shows?|showing|shown|displays?|displaying|flashing|flashes|reads|code|error|fault)"
    r"\s+(?:an?\s+|the\s+)?(?:code\s+|error\s+)?([A-Z]{1,3}-?\d{1,4})\b"
)


def _identifiers(scene: str) -> list[str]:
    """What ``scene`` names that a passage answering it must name itself: an advisory's or an
    issue's number, or a code a device shows ("My boiler shows F3")."""
    return _IDENTIFIER.findall(scene) + _SHOWN_CODE.findall(scene)


def constraint_problem(question: str, hit: Hit, documents: DocumentText | None = None) -> str:
    """The first key constraint of ``question`` (a name, a number, a quoted string) that the
    passage's text, heading path, document title and path all lack; empty when they hold them
    all. The sentences before the one that asks only set the scene ("I run Valgrind in my CI
    pipeline. Which option sets the exit code?"): with ``documents``, what they name may be
    named anywhere in the passage's document instead, since a passage need not repeat the
    user's setting; but not an advisory's or an issue's number ("A scanner flags
    CVE-2019-15903 in our Expat. Which release fixes it?"), which a changelog names once, in the
    entry that answers, nor a code a device shows ("My boiler shows F3 - what should I do?"). What the asking sentence names, the passage itself must."""
    chunk = hit.chunk
    evidence = [chunk.text, *chunk.headings, hit.title, hit.uri]
    scene, ask = scene_and_ask(question)
    problems: Sequence[str] = question_problems(ask, evidence)
    if not problems and scene:
        held = " ".join(evidence).lower()
        ids = [i for i in _identifiers(scene) if i.lower() not in held]
        if ids:
            return f"'{ids[0]}' from the question is not in the cited text"
        problems = question_problems(scene, evidence)
        if problems and documents is not None and (text := documents(chunk.document_id)):
            problems = question_problems(scene, evidence, elsewhere=text)
    return problems[0] if problems else ""


def identifier_block_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` misses the part of its passage that the identifier of
    ``question``'s scene names, or "": "My boiler shows F3 - what should I do?" is not
    answered from the paragraph about F1 when the passage's paragraph about F3 is beside it.
    Paragraphs are cut at blank lines; only an identifier the passage writes counts."""
    scene, _ = scene_and_ask(question)
    ids = _identifiers(scene) if scene else []
    if not ids:
        return ""
    mine = paragraph_at(text, start)
    for name in ids:
        named = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
        if named.search(text, *mine) is None and named.search(text) is not None:
            return f"the question names '{name}', and the answer's paragraph does not"
    return ""


def mismatch_reason(problem: str) -> str:
    return f"the passage that looks like the answer does not match the question: {problem}"
