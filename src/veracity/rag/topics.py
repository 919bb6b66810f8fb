"""The answer's sentence belongs to what its paragraph is about, and that is another member.

``peers`` refuses a span whose own sentence names another member of the question's kind. Small
documents often name the member once and go on about it: "The Lisbon office opens at 9:00 on
weekdays. Parking costs 5 euros per day." The second sentence names no office, yet says nothing
of the Tallinn office. ``topic_problem`` reads back through the span's paragraph to the sentence
that names the question's member or a peer of it. It fires on none of SQuAD v1.1 dev's 10,570
gold answer sentences.
"""

from __future__ import annotations

import re

from veracity.guard.sentences import STOPWORDS
from veracity.rag.peers import NAME_RUNS, SENTENCE_OPENERS, names_in, same_name
from veracity.rag.structure import sentence_index
from veracity.text.lines import opens_paragraph, paragraph_start
from veracity.text.sentences import split_sentences

__all__ = ["topic_problem"]


def topic_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is said of another member of a kind, the one its paragraph
    is about, or "": the question names N, the span's sentence does not, and the nearest
    sentence at or before it in its paragraph that names N or a peer of N opens with the peer,
    its subject. A peer is "M K" where the passage says "N K" ("The Lisbon office opens at 9:00
    on weekdays. Parking costs 5 euros per day." does not say what parking costs at the Tallinn
    office), or a name the passage lists with N ("Present: Anna Berg, Tom Reyes, Priya Shah",
    then "Tom Reyes will present the shortlist in June" does not say when Priya Shah will).
    Or N heads a section of the passage and the span's section is headed by another
    (``_section_problem``). ``namesake_problem`` reads the span's sentence alone; this one, what
    its paragraph and its section are about."""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None:
        return ""
    paragraph = paragraph_start(text, start)
    headings = [(s, e) for s, e in spans if _heading(text, s, e)]
    for name in dict.fromkeys(NAME_RUNS.findall(question.strip())):
        if name in SENTENCE_OPENERS or name.endswith(("'s", "’s")):
            continue
        if problem := _section_problem(text, start, name, headings):
            return problem
        kinds = {
            k
            for k in {m.group(1).lower() for m in _followed(name).finditer(text)} - STOPWORDS
            if not k.endswith("ed")
            # "Which team was suspended from the MLS?" asks for a member of the kind
            and not re.search(rf"\b(?:which|what)\b[^?]*\b{re.escape(k)}s?\b", question, re.I)
        }
        listed = _listed_with(name, text)
        if not (kinds or listed):
            continue
        for s, e in reversed(spans[: at + 1]):
            if e <= paragraph:
                break
            lo = max(s, paragraph)
            if names_in(name, text[lo:e]):
                break
            if peer := _subject_peer(text, lo, start, name, kinds, listed):
                return f"the paragraph is about {peer}, the question about {name}"
    return ""


def _section_problem(text: str, start: int, name: str, headings: list[tuple[int, int]]) -> str:
    """Why the span at ``text[start]`` is in another member's section, or "": ``name`` heads a
    section of the passage ("Everyday" of a plain-text list of plans), and the nearest heading
    above the span, of the same level, names another ("Family Add-On (requires an Everyday or
    Max plan)": what a parenthesis says aside)."""
    above = [(s, e) for s, e in headings if e <= start]
    if not above:
        return ""
    level = _level(text, *above[-1])
    # not a title at the very start: it is over everything ("Valgrind NEWS")
    siblings = [(s, e) for s, e in headings if _level(text, s, e) == level and text[:s].strip()]
    if not any(names_in(name, _aside_removed(text[s:e])) for s, e in siblings):
        return ""  # "Expat" of the document's title heads no sibling of the span's section
    mine = _aside_removed(text[slice(*above[-1])])
    if names_in(name, mine):
        return ""
    return f"the section is about {mine}, the question about {name}"


def _level(text: str, s: int, e: int) -> int:
    """A heading's level: its number of "#", or 7 for a plain-text title line."""
    m = re.match(r"[ \t]{0,3}(#{1,6})\s", text[text.rfind("\n", 0, s) + 1 : e])
    return len(m.group(1)) if m else 7


def _heading(text: str, s: int, e: int) -> bool:
    """Whether the sentence ``text[s:e]`` heads a section: a Markdown heading, or a whole line
    that opens its block, with at most six words and no closing punctuation once what a
    parenthesis says aside is removed ("Family Add-On (requires ...)")."""
    line = text.rfind("\n", 0, s) + 1
    if text[line:s].strip() or text[e : e + 1] not in ("", "\n"):
        return False
    if re.match(r"[ \t]{0,3}#{1,6}\s", text[line:e]):
        return True
    title = _aside_removed(text[s:e])
    return (
        opens_paragraph(text, line)
        and 0 < len(title.split()) <= 6
        and not re.search(r"[.!?:;,]$", title)
    )


def _aside_removed(text: str) -> str:
    return re.sub(r"\s*\([^()]*\)", "", text).strip(" #\t")


def _followed(name: str) -> re.Pattern[str]:
    """``name`` and the lowercase word after it ("Tallinn office")."""
    return re.compile(rf"\b{re.escape(name)}\s+([a-z][a-z-]{{2,}})\b")


def _listed_with(name: str, text: str) -> set[str]:
    """The names a list of ``text`` gives beside ``name`` ("Tom Reyes" and "Anna Berg" of
    "Present: Anna Berg (chair), Tom Reyes, Priya Shah."): three or more items in a row of a
    sentence's comma list (the last may follow "and"), each a run of capitalized words, a
    parenthesis after it aside. "The Victoria and Albert Museum" is no list."""
    out: set[str] = set()
    for lo, hi in split_sentences(text):
        sentence = re.sub(r"\([^()]*\)", "", text[lo:hi])
        if not names_in(name, sentence):
            continue
        items = re.split(r"\s*[,;]\s*", sentence)
        items[-1:] = re.split(r"\s+(?:and|&)\s+", items[-1], maxsplit=1)
        run: list[str] = []
        for item in [*items, ""]:
            item = item.strip(" .:")
            if _LIST_NAME.fullmatch(item):
                run.append(re.sub(r"^[A-Z][\w -]*:\s*", "", item))
                continue
            if len(run) >= 3 and any(same_name(n, name) for n in run):
                out |= {n for n in run if not same_name(n, name)}
            run = []
    return out


# an item of a list of names: "Tom Reyes", "Lisbon" (after a label: "Present: Anna Berg")
_LIST_NAME = re.compile(r"(?:[A-Z][\w -]*:\s*)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3}")


def _subject_peer(
    text: str, lo: int, start: int, name: str, kinds: set[str], listed: set[str]
) -> str:
    """The peer of ``name`` that opens the sentence at ``text[lo]``, its subject: "the Lisbon
    office" (another name before one of ``kinds``) or "Tom Reyes" (one of ``listed``); or "".
    Not the answer itself (a subject that holds ``text[start]``), a possessive ("Kuchlug's
    army"), nor ``name`` spelled out ("Major League Soccer" for "MLS")."""
    m = _OPENING_NAME.match(text, lo)
    if m is None or m.start(1) <= start < m.end(1):
        return ""
    words = m.group(1).split()
    while words and (words[0] in SENTENCE_OPENERS or words[0].lower() in STOPWORDS):
        words.pop(0)  # "The", "At"
    peer, kind = " ".join(words), (m.group(2) or "").lower()
    if (
        not peer
        or peer.endswith(("'s", "’s", "'", "’"))
        or same_name(peer, name)
        or "".join(w[0] for w in words) == name
    ):
        return ""
    if kind.rstrip("s") in kinds or kind in kinds:
        return f"the {peer} {kind}"
    return peer if any(same_name(peer, other) for other in listed) else ""


# the run of capitalized words a sentence opens with (list markup aside), and the word after it
_OPENING_NAME = re.compile(
    r"[\s\-*•#>]*([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)(?:\s+([a-z][a-z-]{2,}))?"
)
