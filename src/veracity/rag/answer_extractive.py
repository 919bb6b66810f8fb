"""The extractive answer: the reader's span, the sentence it sits in, quoted and cited, or why not.

The engine hands over the reranked hits; ``find_answers`` runs the reader over the best few and
keeps the passages that (1) the reader judges to answer the question, at or above its calibrated
threshold, (2) give an answer of the kind asked for (a quantity for "how many" or "how heavy", a
time for "when": ``answer_types``; and no number from a heading line for them), (3) hold
the question's key constraints in their text, heading path or document title
(``guard.strict.question_problems``: a question about "American Union law" is not answered by a
passage about European Union law, however confident the reader is), (4) do not answer with a
peer of what is asked about (``peers.listed_problem``: "Lisbon" from "Lisbon and Tallinn" does not say
where the Tallinn office is; ``peers``: a sentence about another named, numbered or modified
member of the kind, or another identifier: "Sale items ..." does not answer for faulty items;
a price said of another thing: "Adult tickets cost £12" does not price a family ticket),
(5) quote a sentence that, with the one before it, shares a word with the question, and with
what the question points back to (``links``: a number in a code listing answers nothing), and (6) pass the layout checks
of ``structure``: the entry, table row or sentence the question names, no
markup-only, bare or heading quote, no prohibition for "what should I use" or "where should I
report", no sentence that says the opposite of what is asked ("smallest" for "largest"), and (7)
pass the value checks of ``qualifiers``: the maximum when the question asks for it, not the
default; "children over 12" does not answer for "children under 12", "Monday to Saturday" for
Sundays, "two children" for three. A span refused by (2) and later gives way to the
passage's next-best span (``Reading.alternatives``), held to the same threshold and checks. A
question answered by a sentence, not a span (yes or no, what something does), quotes the
sentence of the passage that holds the most of its words when the reader's span sits in a
neighbour (``structure.named_sentence``); when the reader is under its threshold for a yes/no
question, the sentence that holds all its words is quoted if it passes the same checks
(``structure.stated_sentence``); when it is over it, a sentence of any passage read that names
clearly more of the question than the quote does is quoted instead, if it passes them
(``better_quote``: "We do not accept American Express" rather than a fee table's note). ``extractive_answer`` turns the best of them into an
``Answer`` that leads with the short answer, then quotes its sentence; both cite exact
character spans. The checks run in ``span_checks.span_problem``; when no reading passes them, a
table may still name the cell that answers (``_table_lookup``).

The answer is true to the source by construction (every word shown is the source's), so the only
question left is whether it answers *this* question, which is what the checks decide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from veracity.guard.strict import question_problems
from veracity.rag.answer_types import (
    asks_version,
)
from veracity.rag.better_quote import better_sentence
from veracity.rag.conditions import (
    asked_condition,
    conditional_value,
    matching_case,
)
from veracity.rag.constraints import (
    DocumentText,
    constraint_problem,
    mismatch_reason,
)
from veracity.rag.extractive import span_quote
from veracity.rag.focus import asks_yes_no, question_focus
from veracity.rag.from_headings import (
    heading_answer,
    unnumbered_release_problem,
    wants_heading,
)
from veracity.rag.leader_lookup import named_leader
from veracity.rag.named_entries import named_field
from veracity.rag.prompt import ABSTAIN_TEXT, Source
from veracity.rag.reader.base import Reading, SpanReader
from veracity.rag.reader.tabular import read_tables
from veracity.rag.releases import (
    asks_release_time,
)
from veracity.rag.span_checks import span_problem
from veracity.rag.structure import (
    changed_value,
    heading_problem,
    labelled_default,
    named_sentence,
    sentence_at,
    stated_sentence,
)
from veracity.rag.tables import (
    cell_words_missing,
    column_cell,
    named_cell,
    row_cell,
    row_head_named,
    with_table_above,
)
from veracity.records import Answer, Citation, Hit, SentenceSupport
from veracity.text.entries import entries
from veracity.text.markup import short_display
from veracity.text.sentences import split_sentences
from veracity.text.table_sentences import table_sentences

_DESCRIPTION = re.compile(
    r"^\W*(?:what\s+(?:does|do|did|will|would|can)\s+.+?\s+do|how\s+(?:does|do|did)\s+.+?\s+work"
    # "My script ended with exit code 3. What does that mean?": the sentence that says
    r"|what\s+(?:does|do|did|would)\s+(?:that|this|it|these|those)\s+mean)\W*$",
    re.IGNORECASE,
)


# A date with its day ("2026-08-20", "20 August 2026", "Aug 20, 2026"): a heading may give it
# (release notes, minutes), where a bare number in a heading is a model or a chapter number.
def asks_description(question: str) -> bool:
    """Whether ``question`` asks what something does or how it works, and nothing more ("What
    does --parallel auto do?", "How does the scheduler work?"): answered by a sentence, not a
    span ("flag"). "What does unwrap do on an Err value?" and "What happens when ...?" ask for
    an outcome, which a span may be ("panic"; the Rust book's short answers lost one when they
    counted)."""
    return bool(_DESCRIPTION.match(question_focus(question)))


@dataclass(frozen=True, slots=True)
class Found:
    """A passage the reader answers from, and its reading; ``named``, for a question that the
    heading above the passage answers (a changelog entry's release, an option's entry:
    ``rag.from_headings``), is that answer, cited where it stands; ``cell``, when the reading is
    the table cell the question names by its row and its column (``tables.named_cell``)."""

    hit: Hit
    reading: Reading
    named: Citation | None = None
    cell: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """What ``find_answers`` found: the passages that answer, best first; when there is none,
    why, and the reading that came closest (the most probable span of any passage read, under
    the threshold or refused by a check), to show as "closest, not an answer"."""

    found: tuple[Found, ...]
    reason: str = ""
    closest: Found | None = None


# How much the reranker's calibrated relevance weighs, against the reader's answerability, in
# choosing among the passages that both pass: ``logit(p_reader) + w * logit(p_relevant)``.
# Chosen on 400 + 400 questions of the dev articles, never the test ones: at the engine's
# threshold, the answer contains the gold for 1.2 (w = 0.1), 1.7 (0.25 and 0.5) and 2.2 (1.0) more
# answerable questions in 100, with the same questions answered; 0.25 sits where the gain levels.
RELEVANCE_WEIGHT = 0.25


def find_answers(
    reader: SpanReader,
    question: str,
    hits: Sequence[Hit],
    passages: int,
    relevance_weight: float = 0.0,
    documents: DocumentText | None = None,
) -> Finding:
    """The passages among the first ``passages`` hits that answer ``question``, best first, and,
    when there is none, the reason in words and the closest reading (``Finding``).

    A passage answers when the reader's answerability is at or above its threshold and the
    checks pass; whether the engine answers at all depends on that alone. Which of the passing
    passages answers is decided by the reader's answerability and, with ``relevance_weight`` > 0
    (only for hits scored by a calibrated reranker, whose scores are probabilities), by their
    relevance too: a passage the reranker finds much more relevant wins a near tie. With
    ``documents`` (a document's text by its id), a question for a version, a release's time or
    an option whose entry passes every check but the span's type is answered by the heading
    above the entry (``rag.from_headings``), and a passage that starts inside a table is read
    with the table's header row above it. The reader reads each table row as a sentence that
    names its columns (``reader.tabular``); its spans are offsets into the stored text."""
    top = list(hits[:passages])
    rewritten = [table_sentences(h.chunk.text) for h in top]  # tables read as sentences
    readings = read_tables(reader, question, rewritten)
    asked = question_focus(question)
    if asked != question:
        # A greeting or a closing around the question: read the question alone too, and keep the
        # better reading of each passage (the reader learned from bare questions).
        alone = {r.passage: r for r in read_tables(reader, asked, rewritten)}
        readings = [
            alone[r.passage]
            if r.passage in alone and alone[r.passage].probability > r.probability
            else r
            for r in readings
        ]
    for i, hit in enumerate(top):  # a passage that starts inside a table, with its header
        top[i], mine = with_table_above(hit, [r for r in readings if r.passage == i], documents)
        readings = [r for r in readings if r.passage != i] + mine
    ranked = sorted(
        (r for r in readings if r.end > r.start), key=lambda r: (-r.probability, -r.score)
    )
    # Each passage's best span first, then its alternatives (each at its own, lower,
    # probability) when a check refuses it: one answer per passage at most.
    spans = sorted(
        (s for r in ranked for s in (r, *r.alternatives) if s.end > s.start),
        key=lambda r: (-r.probability, -r.score),
    )
    quote_only = asks_yes_no(asked) or asks_description(asked)  # the sentence is the answer
    found: list[Found] = []
    done: set[int] = set()  # passages answered, or refused as a whole
    mismatch = ""
    for r in spans:
        if r.probability < reader.threshold:
            break
        if r.passage in done:
            continue
        if problem := constraint_problem(question, top[r.passage], documents):
            mismatch = mismatch or problem
            done.add(r.passage)
            continue
        chunk = top[r.passage].chunk
        named = named_cell(asked, chunk.text)
        value = (
            column_cell(asked, chunk.text, r.start, r.end, message=question)
            or named
            or named_field(asked, chunk.text, r.start, r.end)
            or labelled_default(asked, chunk.text, r.start, r.end)
            or changed_value(asked, chunk.text, r.start, r.end)
            or conditional_value(asked, chunk.text, r.start, r.end)
        )
        if value is not None:
            r = replace(r, start=value[0], end=value[1], text=chunk.text[value[0] : value[1]])
        if (in_row := row_cell(chunk.text, r.start, r.end)) is not None:
            r = replace(r, start=in_row[0], end=in_row[1], text=chunk.text[in_row[0] : in_row[1]])
        if quote_only and (said := named_sentence(asked, chunk.text, r.start)) is not None:
            r = replace(r, start=said[0], end=said[1], text=chunk.text[said[0] : said[1]])
        cell = (r.start, r.end) == named  # the cell the question names by row and column
        problem = span_problem(
            question, asked, top[r.passage], r, quote_only, cell=cell, documents=documents
        )
        heading = None  # the answer from the heading above, when the span's type is wrong
        if (
            (problem or wants_heading(asked, chunk.headings, r.text, chunk.text))
            and documents is not None
            and not quote_only
        ):
            heading = _from_heading(question, asked, top[r.passage], r, documents)
        if not (heading or problem or quote_only) and documents is not None and asks_version(asked):
            text = documents(chunk.document_id) or ""
            at = chunk.start + r.start
            problem = unnumbered_release_problem(asked, chunk.headings, text, at, r.text)
        if problem and heading is None:
            mismatch = mismatch or problem
            continue
        found.append(Found(top[r.passage], r, heading, cell=cell))
        done.add(r.passage)
    if found and asks_yes_no(asked):
        found = [_better_stated(question, asked, top, f, documents) for f in found]
    if not found and (asks_yes_no(asked) or asked_condition(asked)):
        found = _stated(question, asked, top, readings)
    if not found and not quote_only:
        found = _table_lookup(question, asked, top[:TABLE_LOOKUP_PASSAGES], readings, documents)
    if not found and not quote_only:
        found = _leader_lookup(question, asked, top[:TABLE_LOOKUP_PASSAGES], readings, documents)
    if found:
        # a cell the question names by its row and column is the table's own answer, ahead of
        # a span the reader chose ("the arena" and "Sunday" name "11:00 to 23:30")
        found.sort(key=lambda f: (not f.cell, -_fused(f, relevance_weight)))
        return Finding(tuple(found))
    closest = Found(top[ranked[0].passage], ranked[0]) if ranked else None
    if mismatch:
        return Finding((), mismatch_reason(mismatch), closest)
    best = ranked[0].probability if ranked else 0.0
    return Finding((), (
        f"no retrieved passage answers it: the reader's best answerability is {best:.2f}, under "
        f"its calibrated threshold {reader.threshold:.2f}"
    ), closest)  # fmt: skip


def _better_stated(
    question: str,
    asked: str,
    top: Sequence[Hit],
    found: Found,
    documents: DocumentText | None = None,
) -> Found:
    """``found``, or the sentence of a passage read that names clearly more of what the yes/no
    question asks about than ``found``'s quote does and passes every check
    (``better_quote.better_sentence``), quoted at ``found``'s answerability."""
    texts = [h.chunk.text for h in top]
    r = found.reading
    quoted = (r.passage, *sentence_at(texts[r.passage], r.start))
    for b in better_sentence(asked, texts, quoted):
        hit = top[b.passage]
        reading = Reading(b.passage, b.start, b.end, texts[b.passage][b.start : b.end],
                          r.probability, r.score)  # fmt: skip
        if constraint_problem(question, hit, documents) or span_problem(
            question, asked, hit, reading, quote_only=True, documents=documents
        ):
            continue
        return Found(hit, reading)
    return found


def _stated(
    question: str,
    asked: str,
    top: Sequence[Hit],
    readings: Sequence[Reading],
    documents: DocumentText | None = None,
) -> list[Found]:
    """For a yes/no question the reader is unsure of: the first passage with a sentence that
    states what the question asks about (``stated_sentence``) and passes every check, quoted.
    The reader learned from SQuAD, whose questions ask for a span; "Can I drill on a
    Saturday?" scores under its threshold while a sentence of the house rules holds both its
    words and says when. For a question that asks what is returned under a condition: the first
    passage that gives a value under nearly the question's own condition
    (``conditions.matching_case``, strong), the value as the answer."""
    chance = {r.passage: r.probability for r in readings}
    yes_no = asks_yes_no(asked)
    for i, hit in enumerate(top):
        text = hit.chunk.text
        if yes_no:
            span = stated_sentence(asked, text, [h.chunk.text for h in top if h is not hit])
        else:
            case = matching_case(asked, text, strong=True)
            span = None if case is None else (case.start, case.end)
        if span is None or constraint_problem(question, hit):
            continue
        s, e = span
        reading = Reading(i, s, e, text[s:e], chance.get(i, 0.0), 0.0)
        if not span_problem(question, asked, hit, reading, quote_only=yes_no, documents=documents):
            return [Found(hit, reading)]
    return []


# the passages a question may be answered from by its table alone, when the reader is unsure
TABLE_LOOKUP_PASSAGES = 4


def _table_lookup(
    question: str,
    asked: str,
    top: Sequence[Hit],
    readings: Sequence[Reading],
    documents: DocumentText | None = None,
) -> list[Found]:
    """For a question the reader is unsure of: the first passage whose table names the answer
    by a row and a column (``tables.named_cell``), where the row, the header, the line above the
    table and the passage's headings and title hold every content word of the question, the
    question names the row by its head (not only by its brackets), and the cell passes every
    check. The reader learned from prose; "helmet hire price child" over a
    hire price table scores under its threshold, while the table says which cell answers."""

    def cell(hit: Hit) -> tuple[int, int] | None:
        text = hit.chunk.text
        named = named_cell(asked, text)
        context = (*hit.chunk.headings, hit.title)
        if named is None or cell_words_missing(asked, text, named, context):
            return None
        return named if row_head_named(asked, text, named) else None

    return _named_value(question, asked, top, readings, documents, cell)


def _leader_lookup(
    question: str,
    asked: str,
    top: Sequence[Hit],
    readings: Sequence[Reading],
    documents: DocumentText | None = None,
) -> list[Found]:
    """For a question the reader is unsure of: the first passage whose dot-leader list names
    the answer by a row (``leader_lookup.named_leader``: the row's label, the list's lead line
    and the passage's headings and title hold every content word of the question) and whose
    value passes every check. "sports centre sunday opening hours" over "Sunday .........
    08:00 - 17:00" under "1. OPENING HOURS" scores under the reader's threshold, while the list
    says which value answers."""

    def value(hit: Hit) -> tuple[int, int] | None:
        return named_leader(asked, hit.chunk.text, (*hit.chunk.headings, hit.title))

    return _named_value(question, asked, top, readings, documents, value)


def _named_value(
    question: str,
    asked: str,
    top: Sequence[Hit],
    readings: Sequence[Reading],
    documents: DocumentText | None,
    named: Callable[[Hit], tuple[int, int] | None],
) -> list[Found]:
    """The first passage of ``top`` where ``named`` finds the value the question names, whose
    passage holds the question's constraints and whose value passes every check, as a cell."""
    chance = {r.passage: r.probability for r in readings}
    for i, hit in enumerate(top):
        span = named(hit)
        if span is None or constraint_problem(question, hit, documents):
            continue
        a, b = span
        reading = Reading(i, a, b, hit.chunk.text[a:b], chance.get(i, 0.0), 0.0)
        if not span_problem(question, asked, hit, reading, False, cell=True, documents=documents):
            return [Found(hit, reading, cell=True)]
    return []


def _from_heading(
    question: str, asked: str, hit: Hit, r: Reading, documents: DocumentText
) -> Citation | None:
    """The heading above the entry that ``r`` reads, where it answers ``asked`` (a changelog
    entry's release for "which version" or "when was X added"; an option's or a function's
    entry for "which option", "which function" or the default: ``rag.from_headings``), cited in
    its document. None unless the entry passes every check but the span's type and the entry
    holds every name, number and code name the question does, the document's title and path
    and the heading aside ("Click" of "Which Click release ...?"). A changelog's entry is a list
    item, else the span's sentence: the passage holding the names is not enough, as a changelog
    section lists many entries. A reference's entry is its whole section: the passage."""
    where = f"{hit.title} {hit.uri}"
    entry = _entry_reading(hit.chunk.text, r)
    release = asks_version(asked) or asks_release_time(asked)
    said = _entry_text(hit.chunk.text, r.start) if release else hit.chunk.text
    if (
        heading_problem(hit.chunk.text, r.start, hit.chunk.headings)
        or question_problems(asked, [said, *hit.chunk.headings[-1:], where])
        or span_problem(
            question, asked, hit, entry, quote_only=False, typed=False, documents=documents
        )
        or (text := documents(hit.chunk.document_id)) is None
    ):
        return None
    at = heading_answer(asked, hit.chunk.headings, where, text, hit.chunk.start + r.start)
    if at is None:
        return None
    return Citation(
        n=1, document_id=hit.chunk.document_id, uri=hit.uri, start=at[0], end=at[1],
        text=text[at[0] : at[1]], chunk_id=hit.chunk.id,
    )  # fmt: skip


def _entry_at(text: str, at: int) -> tuple[int, int] | None:
    """The (start, end) of the list entry of ``text`` holding offset ``at`` ("- Added
    FloatRange type. #538"), or None."""
    return next(((a, b) for a, b in entries(text) if a <= at < b), None)


def _entry_text(text: str, at: int) -> str:
    """The list entry of ``text`` holding offset ``at``, or its sentence when it is in none."""
    s, e = _entry_at(text, at) or sentence_at(text, at)
    return text[s:e]


def _entry_reading(text: str, r: Reading) -> Reading:
    """``r`` read as its entry's first sentence when the span sits in a later one: a trailing
    issue number ("#538") is no sentence of its own to check against the question."""
    s, e = _entry_at(text, r.start) or (r.start, r.end)
    first = next(((a, b) for a, b in split_sentences(text[s:e]) if b > a), None)
    if first is None or s + first[1] > r.start:
        return r
    a, b = s + first[0], s + first[1]
    return replace(r, start=a, end=b, text=text[a:b])


def _fused(found: Found, weight: float) -> float:
    """``logit(answerability) + weight * logit(relevance)``, both clipped away from 0 and 1."""

    def logit(p: float) -> float:
        p = min(max(p, 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))

    return logit(found.reading.probability) + weight * logit(found.hit.score)


def focus(found: Found, around: int = 1) -> Hit:
    """``found``'s hit cut down to the sentence holding the reader's span and ``around``
    sentences on each side: what a generator needs to write the answer, in a third of the prompt.
    Offsets stay exact (the cut chunk starts where its text starts in the document)."""
    chunk = found.hit.chunk
    spans = split_sentences(chunk.text) or [(0, len(chunk.text))]
    at = next((i for i, (_, e) in enumerate(spans) if e > found.reading.start), len(spans) - 1)
    lo, hi = spans[max(0, at - around)][0], spans[min(len(spans) - 1, at + around)][1]
    hi = max(hi, found.reading.end)
    cut = replace(chunk, text=chunk.text[lo:hi], start=chunk.start + lo, end=chunk.start + hi)
    return replace(found.hit, chunk=cut)


def extractive_answer(
    found: Found,
    timings_ms: Mapping[str, float],
    warnings: Sequence[str] = (),
    question: str = "",
) -> Answer:
    """``<short answer> [1]`` then the quoted sentence ``[1]``; citation 1 is the sentence's exact
    span, ``Answer.short`` the short answer's. A yes/no ``question`` ("Can custom bikes be
    returned?") is answered by the quote alone, with no short answer: a span is no yes or no
    ("Custom builds" from "Custom builds cannot be returned."), and the reader does not judge
    which it is. So is a question for what something does ("What does --parallel auto do?":
    the span was "flag")."""
    p = round(found.reading.probability, 4)
    if found.named is not None:  # "24.3.0 [1]", from the heading; the entry quoted [2]
        quote = span_quote(Source(2, found.hit), found.reading.start, found.reading.end)
        return Answer(
            text=f"{found.named.text} [1]\n\n\u201c{quote.shown}\u201d [2]",
            abstained=False,
            citations=(found.named, quote.sentence),
            sentences=(SentenceSupport(quote.shown, (2,), True, p),),
            timings_ms=dict(timings_ms),
            warnings=tuple(warnings),
            short=found.named,
            style="extractive",
        )
    quote_only = asks_yes_no(question) or asks_description(question)
    quote = span_quote(Source(1, found.hit), found.reading.start, found.reading.end, quote_only)
    lead = "" if quote_only else f"{short_display(quote.short.text) or quote.shown} [1]\n\n"
    return Answer(
        text=f"{lead}\u201c{quote.shown}\u201d [1]",
        abstained=False,
        citations=(quote.sentence,),
        sentences=(SentenceSupport(quote.shown, (1,), True, p),),
        timings_ms=dict(timings_ms),
        warnings=tuple(warnings),
        short=None if quote_only else quote.short,
        style="extractive",
    )


def sentence_of(found: Found) -> Citation:
    """The cited sentence(s) holding ``found``'s span."""
    return span_quote(Source(1, found.hit), found.reading.start, found.reading.end).sentence


def abstention(
    reason: str,
    timings_ms: Mapping[str, float],
    warnings: Sequence[str] = (),
    closest: Citation | None = None,
) -> Answer:
    """The engine's "I don't know", with the reason it gives and, when passages were read, the
    sentence that came closest (``Answer.closest``: cited, never part of the answer)."""
    return Answer(
        text=f"{ABSTAIN_TEXT}: the documents don't say ({reason}).",
        abstained=True,
        reason=reason,
        timings_ms=dict(timings_ms),
        warnings=tuple(warnings),
        closest=closest,
    )
