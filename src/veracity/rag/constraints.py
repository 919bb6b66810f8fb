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

__all__ = ["DocumentText", "constraint_problem", "mismatch_reason"]

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


def constraint_problem(question: str, hit: Hit, documents: DocumentText | None = None) -> str:
    """The first key constraint of ``question`` (a name, a number, a quoted string) that the
    passage's text, heading path, document title and path all lack; empty when they hold them
    all. The sentences before the one that asks only set the scene ("I run Valgrind in my CI
    pipeline. Which option sets the exit code?"): with ``documents``, what they name may be
    named anywhere in the passage's document instead, since a passage need not repeat the
    user's setting; but not an advisory's or an issue's number ("A scanner flags
    CVE-2019-15903 in our Expat. Which release fixes it?"), which a changelog names once, in the
    entry that answers. What the asking sentence names, the passage itself must."""
    chunk = hit.chunk
    evidence = [chunk.text, *chunk.headings, hit.title, hit.uri]
    scene, ask = scene_and_ask(question)
    problems: Sequence[str] = question_problems(ask, evidence)
    if not problems and scene:
        problems = question_problems(scene, evidence)
        if problems and documents is not None and (text := documents(chunk.document_id)):
            problems = question_problems(scene, evidence, elsewhere=text)
            held = " ".join(evidence).lower()
            ids = [i for i in _IDENTIFIER.findall(scene) if i.lower() not in held]
            problems = problems or [
                f"'{i}' from the question is not in the cited text" for i in ids
            ]
    return problems[0] if problems else ""


def mismatch_reason(problem: str) -> str:
    return f"the passage that looks like the answer does not match the question: {problem}"
