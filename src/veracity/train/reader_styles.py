"""Question styles for training the reader: the same question as a user might type it.

SQuAD questions are short, capitalized and end in "?". People ask with an opener ("Quick
question: ..."), a bit of context ("I'm reading about the Rhine. ..."), a closing ("Thanks!"), in
lower case, without the mark. Trained on SQuAD's style alone, the reader's answerability falls
for the same question in another style: held-out SQuAD questions with a polite opener were
answered 71% of the time, against 94% as written (``python -m benchmarks.reader_styles``).

``restyle`` rewrites a share of the training questions (answerable ones and their unanswerable
twins alike, so the style itself says nothing about answerability). The wording here is for
training only; ``benchmarks.reader_styles`` measures on openers and closings that are not in
these lists, so the figure is about styles the reader never saw.
"""

from __future__ import annotations

import random

__all__ = ["restyle"]

# "{title}" is the article's title: the context a user gives ("I'm reading about Normandy.").
_OPENERS = (
    "Can you tell me: ",
    "I'd like to know: ",
    "One thing I can't find: ",
    "Help me out here. ",
    "According to the documents, ",
    "From what you have, ",
    "Based on the sources, ",
    "Question about {title}: ",
    "I'm reading about {title}. ",
    "Regarding {title}, ",
    "Context: {title}. ",
    "So, ",
    "Hey, ",
    "OK, another one. ",
)
_CLOSINGS = (
    " Thanks.",
    " Thank you!",
    " Please keep it short.",
    " Just the answer, please.",
    " I need this for a report.",
    " Cite the source.",
)


def restyle(question: str, title: str, rng: random.Random) -> str:
    """``question`` with an opener, a closing, or both (each about half the time, at least one),
    and sometimes lower-cased or without its question mark."""
    q = question.strip()
    opener = rng.random() < 0.6
    closing = not opener or rng.random() < 0.35
    if opener:
        head = rng.choice(_OPENERS).format(title=title)
        if not head.endswith((". ", ": ")) and q[:1].isupper() and not q[1:2].isupper():
            q = q[:1].lower() + q[1:]  # "According to the documents, who ..." reads as one
        q = head + q
    if closing:
        q += rng.choice(_CLOSINGS)
    if rng.random() < 0.2:
        q = q.lower()
    if rng.random() < 0.2:
        q = q.replace("?", "")
    return q
