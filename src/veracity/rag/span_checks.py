"""Every check of a reading: why the reader's span does not answer the question, or "".

``span_problem`` runs the checks of the span, its sentence and its passage in order (the span's
type, the constraints the question names, the peers and entries around it, the qualifiers and
conditions of its value, the layout it sits in); the first that fails gives the reason. The
answer step (``answer_extractive``) keeps a reading only when this says nothing.
"""

from __future__ import annotations

import re

from veracity.rag.ages import age_problem
from veracity.rag.answer_types import (
    answer_type_problem,
    asks_amount,
    asks_version,
    repeat_problem,
    version_event_problem,
    version_note_problem,
    version_owner_problem,
)
from veracity.rag.bands import band_problem
from veracity.rag.clock_side import clock_side_problem
from veracity.rag.concessions import concession_problem
from veracity.rag.conditions import (
    condition_problem,
    outcome_problem,
)
from veracity.rag.constraints import (
    DocumentText,
    identifier_block_problem,
)
from veracity.rag.excepted import excepted_problem
from veracity.rag.extractive import span_quote
from veracity.rag.focus import greeting_only, scene_and_ask
from veracity.rag.from_headings import (
    other_option_problem,
)
from veracity.rag.groups import group_problem
from veracity.rag.kinds import colour_problem, kind_problem
from veracity.rag.links import (
    link_problem,
    named_only_problem,
    scene_problem,
    subject_problem,
)
from veracity.rag.measures import (
    frequency_problem,
    is_terse,
    label_number_problem,
)
from veracity.rag.named_entries import entry_problem
from veracity.rag.narrowed import narrowed_problem
from veracity.rag.numbered import numbered_problem
from veracity.rag.peers import (
    identifier_problem,
    listed_problem,
    modifier_problem,
    namesake_problem,
    owner_problem,
    peer_kind_problem,
    restricted_problem,
    swapped_problem,
)
from veracity.rag.priced import priced_problem
from veracity.rag.prompt import Source
from veracity.rag.provisos import proviso_problem
from veracity.rag.qualifiers import (
    bound_problem,
    count_problem,
    day_problem,
    per_problem,
    qualified_problem,
    qualifier_problem,
    span_day_problem,
)
from veracity.rag.reader.base import Reading
from veracity.rag.releases import (
    asks_release_time,
    clause_number_at,
    is_release_time,
    release_of,
    section_number_at,
)
from veracity.rag.sections import section_problem
from veracity.rag.structure import (
    bare_quote_problem,
    converse_problem,
    heading_problem,
    markup_problem,
    negation_problem,
    opposite_problem,
    part_problem,
    question_line_problem,
    sentence_at,
    sentence_problem,
    title_problem,
)
from veracity.rag.tables import (
    cells_problem,
    outside_row_problem,
    row_problem,
)
from veracity.rag.topics import topic_problem
from veracity.records import Hit

_FULL_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4}\b"
    r"|\b[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}\b"
)
_DIGIT = re.compile(r"\d")


def span_problem(
    question: str,
    asked: str,
    hit: Hit,
    r: Reading,
    quote_only: bool,
    typed: bool = True,
    cell: bool = False,
    documents: DocumentText | None = None,
) -> str:
    """Why the reading ``r`` of ``hit`` does not answer ``question`` (``asked``: its asking
    sentence), or "": every check of the span, its sentence and its passage, in order; with
    ``typed`` False, not the checks of the span's type (the answer is not the span); with
    ``cell``, the reading is the table cell the question names by its row and its column
    (``tables.named_cell``), which no other entry of the passage is named more than. With
    ``documents``, a modifier the question narrows by is looked for in the whole document."""
    chunk = hit.chunk
    context = (*chunk.headings, hit.title)
    # the whole document, read only for a question that narrows a word of the passage
    document = (lambda: documents(chunk.document_id)) if documents is not None else None
    return (
        (typed and answer_type_problem(asked, r.text, chunk.text[r.end : r.end + 40], question))
        or (typed and repeat_problem(question, r.text))
        or (
            typed
            and version_note_problem(asked, chunk.text[slice(*sentence_at(chunk.text, r.start))])
        )
        or listed_problem(question, chunk.text, r.start, r.end)
        # the whole message: the sentences before the question name what it is about ("locked
        # out after too many wrong passwords - how long until I can try again?")
        or link_problem(question, chunk.text, r.start, quote=quote_only)
        or scene_problem(question, chunk.text, r.start, quote_only)
        or (quote_only and subject_problem(asked, chunk.text, r.start))
        or (quote_only and named_only_problem(asked, chunk.text, r.start, context))
        or proviso_problem(question, chunk.text, r.start)
        or (not quote_only and excepted_problem(asked, chunk.text, r.start, r.end))
        or kind_problem(question, chunk.text, r.start)
        or (typed and colour_problem(asked, r.text))
        or (typed and cells_problem(r.text))
        or identifier_block_problem(question, chunk.text, r.start)
        or (not cell and entry_problem(_with_case(question, asked), chunk.text, r.start, context))
        or other_option_problem(asked, chunk.headings, chunk.text, r.start)
        or row_problem(asked, chunk.text, r.start, context)
        or outside_row_problem(asked, chunk.text, r.start, context)
        or markup_problem(chunk.text, r.start)
        or question_line_problem(chunk.text, r.start)
        or (
            asks_amount(asked)
            and not _FULL_DATE.search(r.text)
            and heading_problem(chunk.text, r.start, chunk.headings)
        )
        # a terse query names a topic, as a heading does: "Band D council tax 2025/26" is not
        # answered "CHARGES" of "COUNCIL TAX CHARGES 2025/26"
        or (
            typed
            and is_terse(asked)
            and not _DIGIT.search(r.text)
            and heading_problem(chunk.text, r.start, chunk.headings)
        )
        # a heading's words are no version: "Which release dropped Python 3.7?" is not answered
        # "Backwards-incompatible Changes", the changelog section the entry stands in; nor is a
        # section's number ("6.10" of "## 6.10 The Restricted Shell")
        or (
            typed
            and asks_version(asked)
            and (not _DIGIT.search(r.text) or section_number_at(chunk.text, r.start))
            and heading_problem(chunk.text, r.start, chunk.headings)
        )
        # a clause's number is no amount: "How much ground coffee ...?" is not "3.3" of "3.3
        # Ground coffee: use the bypass chute"
        or (
            typed
            and asks_amount(asked)
            and clause_number_at(chunk.text, r.start)
            and f"'{r.text}' numbers a section of the document"
        )
        # "When was FloatRange added?" of a changelog entry is not "553", the issue it closed
        or (
            typed
            and asks_release_time(asked)
            and release_of(chunk.headings) is not None
            and not is_release_time(r.text)
            and f"the question asks when, and '{r.text}' is no date, year or release"
        )
        or (typed and version_owner_problem(asked, chunk.text, r.start, f"{hit.title} {hit.uri}"))
        or (typed and version_event_problem(asked, chunk.text, r.start))
        or bare_quote_problem(_quoted(hit, r))
        or (quote_only and title_problem(chunk.text, r.start))
        or sentence_problem(asked, chunk.text, r.start)
        or modifier_problem(asked, chunk.text, r.start)
        or restricted_problem(asked, chunk.text, r.start)
        or swapped_problem(asked, chunk.text, r.start)
        or group_problem(asked, chunk.text, r.start, r.end)
        # the whole message: "My daughter is 5 ... How much is each lesson?"
        or (not quote_only and age_problem(question, chunk.text, r.start))
        # the whole message: "I'm a student ... what will Premium cost me?"
        or (typed and concession_problem(question, chunk.text, r.start, r.end, context, document))
        or owner_problem(asked, chunk.text, r.start, r.end, context)
        or peer_kind_problem(asked, chunk.text, r.start, r.end)
        or priced_problem(asked, chunk.text, r.start, context)
        # a prohibition answers a yes/no question ("Can businesses apply?" "Businesses
        # cannot apply ..."), not one that asks what to use
        or (not quote_only and negation_problem(asked, chunk.text, r.start))
        or opposite_problem(asked, chunk.text, r.start)
        or part_problem(asked, chunk.text, r.start)
        or converse_problem(asked, chunk.text, r.start)
        or qualifier_problem(asked, chunk.text, r.start, context, amount=asks_amount(asked))
        or qualified_problem(asked, chunk.text, r.start)
        or (not cell and narrowed_problem(asked, chunk.text, context, document))
        or section_problem(asked, chunk.text, chunk.headings, document)
        or bound_problem(asked, chunk.text, r.start)
        # the whole message: a story says where the user stands ("40 minutes late"); a yes/no
        # question is answered by the band that leaves it out
        or (not quote_only and band_problem(question, chunk.text, r.start))
        or day_problem(asked, chunk.text, r.start)
        or (typed and span_day_problem(asked, r.text))
        or (typed and clock_side_problem(asked, chunk.text, r.start, r.end))
        or (typed and label_number_problem(asked, chunk.text, r.start, r.end))
        or (typed and frequency_problem(asked, chunk.text, r.start, r.end))
        or count_problem(asked, chunk.text, r.start)
        or per_problem(asked, chunk.text, r.start, r.end)
        or namesake_problem(asked, chunk.text, r.start)
        or topic_problem(asked, chunk.text, r.start)
        # with the case: "Thermaline 25C with a vertical flue - what's the maximum length?"
        or numbered_problem(_with_case(question, asked), chunk.text, r.start)
        or identifier_problem(asked, chunk.text, r.start, question)
        or outcome_problem(question, chunk.text, r.start, r.end)
        or (condition_problem(asked, chunk.text, r.start, r.end) if typed else "")
    )


def _with_case(message: str, asked: str) -> str:
    """``asked`` (the asking sentence), after the sentences before it when they state the
    asker's case: they name an entry as the question does ("I'm a blue-light card holder - what
    discount do I get?" names "Blue-light card holders ..... 15% off labour"). A name in the
    case may name another entry by chance ("I live in Millbrook" and "Sourdough from Millbrook
    Bakery"): over the written rounds the case turned 8 wrong answers into refusals, 2 right
    ones into refusals and 1 into a wrong one. Greetings state no case."""
    scene, _ = scene_and_ask(message)
    if not scene or greeting_only(scene):
        return asked
    return f"{scene} {asked}"


def _quoted(hit: Hit, reading: Reading) -> str:
    """The text an answer from ``reading`` would quote: its sentence, or its entry."""
    return span_quote(Source(1, hit), reading.start, reading.end).sentence.text
