"""The thing a price question asks about must be named where the price is said.

"How much are concert tickets?" is not answered by "lost copies are charged at £10 each" in a
choir's page that sells no tickets, and "What does the intensive course cost?" is not answered by
"A double lesson ... costs £70": the reader finds a price in a passage about the right topic, but
the price is of something else. The question's priced thing ("concert tickets", "the intensive
course") has a head noun ("tickets", "course"); the answer's sentence, the sentence before it, its
table's header row or its headings must name that noun in some form ("hire" is held by "hired").

Only for questions that name what they price as the subject of "how much is/are/does ..." or
"what does ... cost": "How much does it cost to park?" names nothing (a pronoun), and questions
that ask what something else does ("How much is charged for ...") are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.guard.sentences import STOPWORDS
from veracity.rag.structure import content_terms, sentence_index
from veracity.rag.tables import table_header
from veracity.text.sentences import split_sentences

_VERB = r"(?:is|are|was|were|'s)"
# "How much is a medium unit per week?", "How much do automatic lessons cost extra?",
# "What does the intensive course cost?", "What is the price of a locker?" ("How much did Tesla
# spend ...?" asks what someone paid, not what something costs)
_SUBJECT = (
    re.compile(rf"^\W*how\s+much\s+{_VERB}\s+(?P<np>[^?]+)", re.IGNORECASE),
    re.compile(
        r"^\W*how\s+much\s+(?:does|do|did|will|would)\s+(?P<np>[^?]+?)\s+(?:cost|charge)s?\b",
        re.IGNORECASE,
    ),
    re.compile(r"^\W*what\s+(?:does|do|did|will|would)\s+(?P<np>[^?]+?)\s+cost\b", re.IGNORECASE),
    re.compile(
        rf"^\W*what\s+{_VERB}\s+the\s+(?:price|cost|fee|charge)s?\s+(?:of|for)\s+(?P<np>[^?]+)",
        re.IGNORECASE,
    ),
)
# Where the priced thing ends: its verb, a preposition, a clause
_END = re.compile(
    r"\s+(?:cost|costs|charge|charged|pay|paid|be|worth|per|for|in|on|at|with|to|if|when|after|before"
    r"|from|of|by|during|each|every|extra|now|today|there)\b|[,;]",
    re.IGNORECASE,
)


def priced_thing(question: str) -> str:
    """The head noun of what ``question`` prices ("tickets" for "How much are concert
    tickets?"), or "" when it names none."""
    for pattern in _SUBJECT:
        m = pattern.match(question)
        if m is None:
            continue
        np = m.group("np").strip()
        cut = _END.search(np)
        if cut and cut.group(0).split()[-1].lower() == "to":  # "going to pay": a verb follows
            return ""
        words = [w for w in (np[: cut.start()] if cut else np).split() if not w.endswith("ly")]
        if not words or words[0].lower().endswith("ed"):  # "How much is charged for ..."
            return ""
        head = re.sub(r"['’]s?$", "", words[-1].strip(".!\"'’)")).lower()
        # a pronoun names nothing ("How much is it?"); STOPWORDS holds all of them but "one"
        if head in STOPWORDS or head == "one" or not re.fullmatch(r"[a-z][a-z-]+", head):
            return ""
        return head
    return ""


def priced_problem(question: str, text: str, start: int, context: Sequence[str] = ()) -> str:
    """Why the price at ``text[start]`` is not of the thing ``question`` prices, or "": the
    head noun of the priced thing is in neither the span's sentence, the sentence before it, the
    table header above it, nor ``context`` (the passage's headings and title)."""
    head = priced_thing(question)
    if not head:
        return ""
    spans = split_sentences(text)
    at = sentence_index(spans, start)
    if at is None:
        return ""
    near = text[spans[max(0, at - 1)][0] : spans[at][1]]
    held = content_terms(" ".join([near, table_header(text, start), *context]))
    if content_terms(head) <= held:
        return ""
    return f"the question prices '{head}', and the answer's sentence names no '{head}'"
