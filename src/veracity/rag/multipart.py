"""Multi-part questions: "How many vacation days are there, and how long must passwords be?"

One retrieval for such a question finds passages about one half at best, and the reader answers
one span. So the extractive engine splits the question into its parts (``split_question``),
retrieves and reads each part on its own, and combines the answers (``combined_answer``): each
part's short answer and quoted sentence, cited to its own passage, and, for a part the
documents don't cover, that part named with the reason. Nothing is merged or paraphrased, so
every word shown is still the source's.

Splitting is deliberately narrow: only where "and" (or ";") joins two clauses that each open
like a question ("how long ...", "what ...", "is ..."), never inside "between X and Y" or a
name ("Procter and Gamble"), and never when a later part points back to the first ("When
parsing is aborted; which error code is then reported?"). A question it cannot split is
answered as one, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from veracity.rag.extractive import span_quote
from veracity.rag.prompt import ABSTAIN_TEXT, Source
from veracity.rag.reader.base import Reading
from veracity.records import Answer, Citation, Hit, SentenceSupport
from veracity.text.markup import short_display

_OPENERS = (
    r"(?:how|what|which|who|whom|whose|when|where|why|is|are|was|were|do|does|did|can|could|"
    r"should|will|would|has|have|had|must)"
)
# An auxiliary opens a question part only with a subject after it ("and is parking free?"), not
# when the clause goes on about the first part's subject ("... empties its event loop and has no
# more work", "... and was not used", "... and is called"): a negation or a participle follows.
_NOT_A_SUBJECT = r"(?:no|not|never|been|being|(?-i:[a-z]+ed))\b"
_AUXILIARY = r"(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|had|must)"
# ", and how long ...", "; what ...", " and which ..." (a question word right after the joint)
_JOINT = re.compile(
    rf"\s*(?:,\s*and|;\s*and|;|,\s*also|\band\s+also|\band)\s+"
    rf"(?={_OPENERS}\b)(?!{_AUXILIARY}\s+{_NOT_A_SUBJECT})",
    re.I,
)
_STARTS_AS_QUESTION = re.compile(rf"^\W*{_OPENERS}\b", re.I)
_MIN_WORDS = 3  # a part shorter than this ("and who?") reads the first part's subject: keep whole
# A later part that points back ("...; which error code is then reported?", "and what is its
# population?") reads the first part's subject or situation: it is no question on its own. (When
# the first part points back too, "Who wrote it and is it still maintained?", both read what the
# conversation is about, and each stands as well as the other.)
_POINTS_BACK = re.compile(
    r"\b(?:it|its|they|them|their|this|these|those|then|he|him|his|she|her)\b", re.I
)


def split_question(question: str) -> list[str]:
    """The question's parts, each ending with "?" (one part when it does not split)."""
    text = question.strip()
    if not _STARTS_AS_QUESTION.match(text) or re.search(r"\bbetween\b", text, re.I):
        return [text]
    pieces = [p.strip(" ,;?") for p in _JOINT.split(text)]
    if len(pieces) < 2 or any(len(p.split()) < _MIN_WORDS for p in pieces):
        return [text]
    if not _POINTS_BACK.search(pieces[0]) and any(_POINTS_BACK.search(p) for p in pieces[1:]):
        return [text]
    return [p[0].upper() + p[1:] + "?" for p in pieces]


Part = tuple[str, tuple[Hit, Reading] | str]  # the part, and what answers it or why nothing does


def combined_answer(
    parts: Sequence[Part], timings_ms: Mapping[str, float], warnings: Sequence[str] = ()
) -> Answer:
    """One answer for all parts: a numbered line per part, each answered part cited to its own
    source (``[1]``, ``[2]``, ...), each unanswered part with the reason. An abstention when no
    part is answered."""
    lines: list[str] = []
    citations: list[Citation] = []
    sentences: list[SentenceSupport] = []
    for i, (part, found) in enumerate(parts, 1):
        if isinstance(found, str):
            lines.append(f"{i}. {part} {ABSTAIN_TEXT}: the documents don't say ({found}).")
            continue
        hit, reading = found
        n = len(citations) + 1
        quote = span_quote(Source(n, hit), reading.start, reading.end)
        short = short_display(quote.short.text) or quote.shown
        lines.append(f"{i}. {part} {short} [{n}]\n   \u201c{quote.shown}\u201d [{n}]")
        citations.append(quote.sentence)
        sentences.append(SentenceSupport(quote.shown, (n,), True, round(reading.probability, 4)))
    if not citations:
        reasons = "; ".join(f"{part} {why}" for part, why in parts if isinstance(why, str))
        return Answer(
            text=f"{ABSTAIN_TEXT}: the documents don't say ({reasons}).",
            abstained=True,
            reason=reasons,
            timings_ms=dict(timings_ms),
            warnings=tuple(warnings),
        )
    return Answer(
        text="\n".join(lines),
        abstained=False,
        citations=tuple(citations),
        sentences=tuple(sentences),
        timings_ms=dict(timings_ms),
        warnings=tuple(warnings),
        style="extractive",
    )
