"""A value its sentence says holds for everything but the thing the question asks about.

"Club Unlimited members receive 50% off all supplements except 4DX, which is charged in full."
does not answer "How much extra do I pay to see a film in 4DX?" with "50% off": the sentence
names 4DX only to leave it out. ``excepted_problem`` finds a span before "except", "excluding",
"other than", "apart from" or "with the exception of" (or after a sentence that opens with one),
whose excepted words are all in the question.
"""

from __future__ import annotations

import re

from veracity.rag.structure import content_terms, sentence_at

__all__ = ["excepted_problem"]

# the words left out, to the end of their clause: "except 4DX", "excluding bank holidays"
_EXCEPT = re.compile(
    r"\b(?:except(?:\s+for)?|excluding|other\s+than|apart\s+from|with\s+the\s+exception\s+of|"
    r"but\s+not)\s+(?P<left>[^,.;:()\n]{1,60})",
    re.IGNORECASE,
)
# a question that asks about the exception itself ("Which supplements are excluded?")
_ASKS_EXCEPTION = re.compile(
    r"\b(?:except|exclud\w*|exception|other\s+than|apart\s+from|not\s+cover\w*)\b", re.IGNORECASE
)


def excepted_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the span ``text[start:end]`` is said of everything but what ``question`` asks about,
    or "": in the span's sentence, an exception follows the span's start ("50% off all
    supplements except 4DX", whether the span stops before "except" or runs on past it), or
    opens the sentence before it ("Apart from Sundays, the café opens at 9am"), and every
    content word it leaves out is in the question. For a question that asks for a value, not
    for a yes or no (whose answer the exception may be)."""
    if _ASKS_EXCEPTION.search(question):
        return ""
    s, e = sentence_at(text, start)
    asked = content_terms(question)
    for m in _EXCEPT.finditer(text, s, e):
        after = m.start() > start  # after the value, or inside a span that runs on past it
        opening = not text[s : m.start()].strip(" *_-•")  # "Except on Sundays, ..."
        if not (after or (opening and m.end() <= start)):
            continue
        left = content_terms(m.group("left"))
        if left and left <= asked:
            return (
                f"the sentence gives '{text[start:end]}' for all but "
                f"'{m.group('left').strip()}', which the question asks about"
            )
    return ""
