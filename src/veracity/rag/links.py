"""Whether the sentence an answer quotes is linked to the question at all.

A reader trained on SQuAD finds a span in any sentence it likes: a number in a code listing, a
file name in a caption, the time of the wrong event. ``link_problem`` refuses a span whose
sentence (or the one before, in its paragraph) shares no word with the whole message, and
``scene_problem`` one whose sentence shares none with the sentences a question points back to
("My sister's doing the half. When does that race begin?") or needs to name anything ("I need
to cancel a room booking. What will I be charged?"). ``subject_problem`` refuses a yes/no
question's quote that shares words only with the clause stating the asker's case ("... if we're
on the Teams plan?"), none with what is asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.guard.claims import entities
from veracity.rag.focus import greeting_only, main_clause, pointed_scene, scene_and_ask
from veracity.rag.structure import (
    POINTS_BACK,
    TITLE,
    content_terms,
    sentence_index,
)
from veracity.rag.tables import table_header
from veracity.text.lines import paragraph_start
from veracity.text.sentences import split_sentences

__all__ = ["bare_scene", "link_problem", "named_only_problem", "scene_problem", "subject_problem"]


_MEASURE_NOUNS = {"heavy": "weight", "tall": "height", "high": "height", "long": "length",
                  "wide": "width", "deep": "depth", "far": "distance", "big": "size", "old": "age",
                  "fast": "speed", "hot": "temperature", "cold": "temperature"}  # fmt: skip
_HOW_MEASURED = re.compile(rf"\bhow\s+({'|'.join(_MEASURE_NOUNS)})\b", re.IGNORECASE)


def link_problem(question: str, text: str, start: int, quote: bool = False) -> str:
    """Why the sentence quoted for a span starting at ``text[start]`` does not connect to the
    question, or "": neither it nor the sentence before it (nor, for a table row, the table's
    header row) shares a word with the question (words as the English analyzer indexes them:
    stemmed, stopwords out). An answer is said of something
    the question names; a span whose sentence names none of it is a guess, however confident the
    reader (a number in a code listing, a file name in a caption). Of the 10,570 SQuAD v1.1 dev
    questions, 1.7% have a gold answer whose sentence fails it. When the sentence is the answer
    (``quote``: a yes/no question), the sentence before counts only if the quote points back to
    it: "Is there offside?" is not answered by quoting the sentence after "There is no offside."
    The sentence before must be in the same paragraph, or a heading above it. "How heavy" names
    a weight, "how tall" a height: the word a specification's field is labelled with."""
    measured = " ".join(_MEASURE_NOUNS[w.lower()] for w in _HOW_MEASURED.findall(question))
    asked = content_terms(f"{question} {measured}")  # "How heavy ...?" names a "Weight: 1.1 kg"
    sentences = split_sentences(text)
    at = sentence_index(sentences, start)
    if not asked or at is None:
        return ""
    s, e = sentences[at]
    points = POINTS_BACK.search(text, s, min(e, s + 30))  # near its start: "It ...", "This one ..."
    back = at - 1 if at > 0 and (not quote or points) else at
    prior = text[sentences[back][0] : sentences[back][1]].strip()
    if paragraph_start(text, s) > sentences[back][0] and not TITLE.fullmatch(prior):
        back = at  # the sentence before ends another paragraph, and is no heading above this one
    before = text[sentences[back][0] : sentences[at][1]]
    if asked & content_terms(f"{before} {table_header(text, start)}"):
        return ""
    return "the sentence that would answer shares no word with the question"


def scene_problem(question: str, text: str, start: int, quote: bool) -> str:
    """Why the span at ``text[start]`` does not answer a question that points back to the
    sentences before it, or that names almost nothing without them, or "": its sentence shares
    no word with them. "I want my ticket in my brother's name on 3 August. What will that
    cost?" is not answered "£85" from "Live-in vehicle passes cost £85": the question's "that"
    is the name change its scene tells of. "I need to cancel a meeting room booking 36 hours
    before it starts. What will I be charged?" is not answered by "UPS shipping is charged at
    cost ...": read alone, "What will I be charged?" asks about any charge (``bare_scene``)."""
    if scene := pointed_scene(question):
        said = "what the question points back to"
    elif scene := bare_scene(question):
        said = "what the message says before its question"
    else:
        return ""
    if not link_problem(scene, text, start, quote=quote):
        return ""
    return f"the answer's sentence names nothing of {said}"


# The most content words an asking sentence may name of its own and still be a bare ask, whose
# scene says what it is about: "What will I be charged?" (charge), "Do I get the £3 a month
# off?" (3, month). Over the written rounds, with one word 2 wrong answers became right and
# nothing else changed; with two, one more wrong answer was declined. Every sentence before
# the ask (any count) turned 13 wrong answers into refusals or right ones and 7 right ones
# into refusals: a scene that states the asker's case ("I'm 23 and moving flat next month.")
# need share no word with the answer.
_BARE_ASK_WORDS = 2


def bare_scene(message: str) -> str:
    """The sentences before the asking part of ``message`` when that part names at most
    ``_BARE_ASK_WORDS`` content words of its own and what comes before is more than a
    greeting; "" otherwise."""
    scene, ask = scene_and_ask(message)
    if not scene or len(content_terms(ask)) > _BARE_ASK_WORDS:
        return ""
    return "" if greeting_only(scene) else scene


def subject_problem(question: str, text: str, start: int) -> str:
    """Why the sentence quoted for a yes/no question does not speak of what it asks about, or "":
    the question states the asker's case in a clause of its own ("Is single sign-on available if
    we're on the Teams plan?"), and the quote shares words only with that clause ("On the Teams
    plan, offline vault access is fixed"), none with the words before it."""
    asked = main_clause(question)
    if asked == question or not link_problem(asked, text, start, quote=True):
        return ""
    return f"the quote names nothing of what the question asks about ('{asked.strip()}')"


def named_only_problem(
    question: str, text: str, start: int, context: Sequence[str | None] = ()
) -> str:
    """Why the sentence quoted for a yes/no question says nothing of what it asks, or "": the
    words it shares with the question (read with the sentence before when it points back to it)
    all name what the document or its section is about (names of the question that its title
    or headings, ``context``, use). "Is there a discount for paying annually for Halyard?" is
    not answered by "Halyard DB is a managed database service." on Halyard's plans page: it
    names the product, and says nothing of a discount."""
    sentences = split_sentences(text)
    at = sentence_index(sentences, start)
    if at is None:
        return ""
    s, e = sentences[at]
    if at > 0 and POINTS_BACK.search(text, s, min(e, s + 30)):  # "It is not available ..."
        s = sentences[at - 1][0]
    shared = content_terms(question) & content_terms(text[s:e])
    subject = content_terms(" ".join(entities(question))) & content_terms(
        " ".join(c for c in context if c)
    )
    if not shared or not shared <= subject:
        return ""
    return "the quote shares only the names of what the document is about with the question"
