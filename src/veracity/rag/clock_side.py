"""Which end of a period a time of day is: a start ("collect from 12:00") or an end ("return
by 09:00"), against what a question asks ("What time does the shop close?").
"""

from __future__ import annotations

import re

from veracity.rag.measures import CLOCK, CLOCK_RANGE

__all__ = ["clock_side_problem"]


# "What time does the shop close?", "until what time is the pool open?": the end of a period;
# "what time does it open?": its start
_ASKS_END = re.compile(
    r"^\W*(?:at\s+)?what\s+time\s+\w+\b[^?]*\b(?:close|closes|closing|shut|shuts|finish|"
    r"finishes|end|ends)\b|^\W*until\s+what\s+time\b|\bclosing\s+times?\b",
    re.IGNORECASE,
)
_ASKS_START = re.compile(
    r"^\W*(?:at\s+)?what\s+time\s+\w+\b[^?]*\b(?:open|opens|start|starts|begin|begins)\b"
    r"|\bopening\s+times?\b",
    re.IGNORECASE,
)
# the words before a time that make it a period's start ("collect from 12:00", "opens at 9am")
# or its end ("return by 09:00", "until 5pm", "closes at 6pm")
_STARTS_AT = re.compile(r"\b(?:from|opens?\s+at|starts?\s+at|begins?\s+at|after)\s*$", re.I)
_ENDS_AT = re.compile(
    r"\b(?:until|till|til|by|closes?\s+at|ends?\s+at|finish(?:es)?\s+at)\s*$", re.I
)


def clock_side_problem(question: str, text: str, start: int, end: int) -> str:
    """Why the time of day ``text[start:end]`` is the other end of a period than the question
    asks for, or "": the question asks when something closes or ends and the words right
    before the time make it a start ("collect from 12:00 Saturday" does not say when the shop
    closes on Saturdays), or asks when it opens and they make it an end ("return by 09:00
    Monday"). A range ("9am to 5pm") holds both ends, and is left alone."""
    span = text[start:end]
    if not CLOCK.search(span) or CLOCK_RANGE.search(span):
        return ""
    before = text[max(0, start - 20) : start]
    if (
        _ASKS_END.search(question)
        and not _ASKS_START.search(question)
        and _STARTS_AT.search(before)
    ):
        return f"the question asks when it closes, and '{span}' is when something starts"
    if _ASKS_START.search(question) and not _ASKS_END.search(question) and _ENDS_AT.search(before):
        return f"the question asks when it opens, and '{span}' is when something ends"
    return ""
