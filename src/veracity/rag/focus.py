"""The question inside a message: what a user asks, without the greeting around it.

People write "Hi! Sorry if this is obvious, but who signed the treaty? Thanks." Every word of
the greeting and the thanks counts against the question in BM25 coverage (words the passage
lacks) and blurs its embedding, so a well-answered question can fall under the relevance floor.
``question_focus`` keeps the sentence that asks (the last one ending in "?", else the last one
that opens with a question word), and within it the clause from its question word on when a
discourse marker comes before it ("..., but who ...", "...: what ..."). It never rewrites words:
the focus is a substring of the message, or the message itself when no clear question is found.

The engine uses the focus beside the message, not instead of it (a context sentence can carry
the question's constraints: "I'm on GPLv3. How long do I have?"), taking the better relevance.
"""

from __future__ import annotations

import re

from veracity.guard.sentences import content_words

__all__ = [
    "HOW_KINDS",
    "SOCIAL_WORDS",
    "asks_yes_no",
    "greeting_only",
    "main_clause",
    "pointed_scene",
    "question_focus",
    "scene_and_ask",
]

# The word after "how" that names the kind of answer asked for, an amount or a time ("how often",
# "how heavy"): the answer's passage need not use it.
HOW_KINDS = frozenset({
    "often", "long", "many", "much", "far", "old", "big", "large", "small", "tall", "high", "low",
    "heavy", "wide", "deep", "thick", "fast", "hot", "cold", "warm", "expensive", "soon",
    "frequently", "quickly", "late", "early",
})  # fmt: skip

_WH = (
    r"(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"should|would|will|has|have|had|may|might|must|shall|in what|in which|on what|at what|"
    r"for what|by what|from what|to what|under what|according to)"
)
# Sentences end at . ! ? followed by white space or the end ("3.5" and "v2.1" stay whole).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# "..., but who", "...: what", "... - how", "..., so which": the clause from the question word on.
# A bare comma is no such marker: "In the LGPL 2.1, how short ..." keeps its constraint.
_CLAUSE = re.compile(
    rf"(?:[:;]|\s[-\u2013\u2014]|,\s*(?:but|so|then|now|well|ok|okay)\b)\s*(?={_WH}\b)",
    re.IGNORECASE,
)
_OPENS_WITH_WH = re.compile(rf"^\W*{_WH}\b", re.IGNORECASE)
MIN_WORDS = 3  # a focus shorter than this is no question on its own ("Why?")
# A pronoun or demonstrative that points back to something named before ("that race", "it");
# not "there", which in "Is there ...?" points nowhere, nor "IT" (information technology).
_POINTERS = ("it", "its", "this", "that", "these", "those", "they", "them", "their", "he", "him",
             "his", "she", "her")  # fmt: skip
_POINTS_BACK = re.compile(
    r"\b(?:" + "|".join(f"[{w[0]}{w[0].upper()}]{w[1:]}" for w in _POINTERS) + r")\b"
    # "one" standing for a thing named before ("Can I have one?"), not a count ("one ticket")
    r"|\b[Oo]nes?(?=\s*[?!.,]|\s*$)"
)
# Words of the greetings and courtesies around a question: a pronoun after "Hello! Sorry to
# bother you, but ..." points at nothing they name.
SOCIAL_WORDS = frozenset({
    "hi", "hello", "hey", "dear", "morning", "afternoon", "evening", "sorry", "apologies",
    "bother", "bothering", "thanks", "thank", "please", "quick", "question", "obvious", "silly",
    "wondering", "wonder", "hoping", "hope", "ask", "asking", "know", "tell", "help", "one",
    "thing", "just", "also", "ok", "okay", "well", "sure", "team", "everyone", "folks", "there",
})  # fmt: skip
# The end of a question's first clause: "Is there a weekly ticket, and how much is it?" names
# what "it" is before it.
_FIRST_CLAUSE_END = re.compile(r"[,;:]|\s(?:and|or|but)\s")


def question_focus(message: str) -> str:
    """The asking part of ``message`` (a substring of it), or ``message`` unchanged."""
    text = message.strip()
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    if not sentences:
        return message
    asking = [s for s in sentences if s.endswith("?")] or [
        s for s in sentences if _OPENS_WITH_WH.match(s)
    ]
    if not asking:
        return message
    focus = asking[-1]
    if not _OPENS_WITH_WH.match(focus):
        cuts = list(_CLAUSE.finditer(focus))
        if cuts:
            focus = focus[cuts[-1].end() :]
    return focus if len(focus.split()) >= MIN_WORDS else message


def pointed_scene(message: str) -> str:
    """The sentences before the asking part of ``message`` (``question_focus``) when that part
    points back to them in its first clause ("My sister's doing the half. When does that race
    begin?", "I want my ticket in my brother's name. What will that cost?"); "" when it names
    what it asks about, or what comes before is only a greeting. Read alone, such a question
    asks about anything: "that race" is any race, "that" any cost."""
    focus = question_focus(message)
    if focus == message:
        return ""
    end = _FIRST_CLAUSE_END.search(focus)
    if not _POINTS_BACK.search(focus, 0, end.start() if end else len(focus)):
        return ""
    scene = message[: message.rfind(focus)]
    return "" if greeting_only(scene) else scene


def greeting_only(text: str) -> bool:
    """Whether every content word of ``text`` is a greeting's or a courtesy's (``SOCIAL_WORDS``):
    "Hello! Sorry to bother you," states no scene and no case."""
    return all(word in SOCIAL_WORDS for word in content_words(text))


def scene_and_ask(message: str) -> tuple[str, str]:
    """``message`` cut where the sentence that asks begins (the last one ending in "?", else the
    last that opens with a question word), or, within it, where its question word follows a
    discourse marker (as ``question_focus`` cuts it): what comes before sets the scene ("I run
    Valgrind in my CI pipeline.", "I'm starting at the Leeds office on Monday - where ..."),
    and the rest asks. ``("", message)`` when nothing asks or nothing comes before."""
    text = message.rstrip()
    starts = [0, *(m.end() for m in _SENTENCE_END.finditer(text))]
    ends = [*starts[1:], len(text)]
    sentences = [(at, end, text[at:end].strip()) for at, end in zip(starts, ends, strict=True)]
    asking = [(at, end) for at, end, s in sentences if s.endswith("?")] or [
        (at, end) for at, end, s in sentences if _OPENS_WITH_WH.match(s)
    ]
    if not asking:
        return "", message
    at, end = asking[-1]
    cuts = [] if _OPENS_WITH_WH.match(text, at) else list(_CLAUSE.finditer(text, at, end))
    if cuts and len(text[cuts[-1].end() : end].split()) >= MIN_WORDS:
        at = cuts[-1].end()
    if at == 0:
        return "", message
    return text[:at].rstrip(), text[at:]


# A clause that states the asker's case: "Is single sign-on available if we're on the Teams
# plan?", "What will I pay when the car comes back late?"
_CONDITION = re.compile(
    r"\b(?:if|because|when|whenever|since|unless|although|though|while|after|before|once)\b",
    re.IGNORECASE,
)


def main_clause(question: str) -> str:
    """``question`` up to a clause that states the asker's case ("if we're on the Teams plan"),
    or all of it when it has none: the words that name what is asked about. A question word
    that opens the question ("When does ...?") is no such clause."""
    condition = next(
        (m for m in _CONDITION.finditer(question) if question[: m.start()].strip()), None
    )
    return question if condition is None else question[: condition.start()].rstrip(" ,")


_YES_NO = re.compile(
    r"^\W*(?:is|are|am|was|were|can|could|does|do|did|will|would|should|shall|has|have|had|may"
    r"|might|must)\b",
    re.IGNORECASE,
)


def asks_yes_no(question: str) -> bool:
    """Whether ``question`` (its asking sentence: ``question_focus``) asks yes or no: it opens
    with an auxiliary verb ("Can ...?", "Is ...?", "Does ...?") and offers no alternatives
    ("Is it X or Y?" is answered by X or Y)."""
    asked = question_focus(question)
    return bool(_YES_NO.match(asked)) and not re.search(r"\bor\b", asked, re.IGNORECASE)
