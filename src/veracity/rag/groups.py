"""A value said for another group than the one a question asks about.

Price lists, policies and plans state a value per group: "£16 for adults, £8 for children aged 4
to 12", "MFA is required for email, the VPN and all cloud applications", "the budget of 120,000
euros for the new warehouse". A reader that matches words takes the value, or the group itself,
whichever group the question names. ``group_problem`` refuses it.
"""

from __future__ import annotations

import re

from veracity.rag.structure import content_terms, sentence_at

__all__ = ["group_problem"]


def group_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the span ``text[start:end]`` is said for another group, or "". For an amount (a digit,
    not a bare year): the span is followed by "for <group>" ("£16 for adults"), its sentence
    gives another value "for <group>" ("£8 for children aged 4 to 12"), and the question names
    the other group and not the span's ("How much do children aged 10 pay?"). For any span: the
    question asks "for <group>" of its own, the span's sentence is "for" another group and does
    not name the question's, and the rest of the passage does ("What budget was approved for
    the Madrid branch?" is answered neither "120,000 euros" nor "new warehouse" from "The board
    approved the budget of 120,000 euros for the new warehouse."). Fires on none of SQuAD v1.1
    dev's 10,570 gold answers."""
    span = text[start:end]
    s, e = sentence_at(text, start)
    found = list(_FOR_GROUP.finditer(text, s, e))
    groups = [(m.start(), m.group(1).strip()) for m in found]
    # the group the span is for: right after it ("120,000 euros for the new warehouse"), or the
    # span itself ("new warehouse")
    mine = next((g for g in groups if end <= g[0] <= end + 12), None)
    here = next(
        (
            m.group(1)
            for m in found
            if m.start(1) <= start
            and (
                end <= m.end(1)
                or (
                    m.group(0)[:3].lower() == "for"
                    and _LIST_GOES_ON.fullmatch(text, m.end(1), start)
                )
            )
        ),
        None,
    )  # the span is the group, or a later member of its list ("for email, the VPN, ...")
    said, rest = content_terms(text[s:e]), content_terms(text[:s] + " " + text[e:])
    purpose = here or (mine[1] if mine else None)
    if purpose is not None and _EVERYONE.fullmatch(purpose.strip()):
        purpose = None  # "£2.50 for everyone" is the members' price too
    for m in _FOR_GROUP.finditer(question.rstrip(" ?")):
        terms = content_terms(m.group(1))
        if purpose and m.group(0).lower().startswith("for") and terms and terms <= rest - said:
            return f"the sentence is for {purpose}, the question about {m.group(1)}"
    if not re.search(r"\d", span) or re.fullmatch(r"\s*\d{4}\s*", span):
        return ""
    asked = content_terms(question)
    if mine is None or content_terms(mine[1]) & asked or len(groups) < 2:
        return ""
    other = next((g for g in groups if g is not mine and content_terms(g[1]) & asked), None)
    if other is None:
        return ""
    return f"'{span}' is for {mine[1]}, the question about {other[1]}"


# a group that holds every other: "for everyone", "for all ages", "per person" is no other group
_EVERYONE = re.compile(
    r"(?:every|any)(?:one|body)|all(?:\s+(?:ages|customers|members|users|guests|visitors))?|"
    r"(?:a|each|every|one)\s+person",
    re.IGNORECASE,
)
# The rest of a list up to a later member: ", the VPN, " of "for email, the VPN, the HR system".
_LIST_GOES_ON = re.compile(r"(?:\s*,\s*(?:and\s+|or\s+)?[\w' -]{1,40}?)*\s*(?:,|\band\b|\bor\b)\s*")
# "for adults", "per child aged 4 to 12": a group a value is for, up to a comma, "and" or "or"
_FOR_GROUP = re.compile(
    r"\b(?:for|per(?!\s+cent\b))\s+((?:(?!and\b|or\b)[\w'-]+\s*){1,5}?)(?=\s*(?:[,;.:)]|\band\b|\bor\b|$))",
    re.IGNORECASE,
)
