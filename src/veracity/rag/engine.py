"""The answer engine: a question in, a cited answer out, or an honest abstention.

Two styles. ``extractive`` (the default) answers with the trained reader's span and the sentence
it sits in, quoted and cited to exact characters, or abstains when the reader finds no passage
that answers the question (``rag.answer_extractive``); no language model runs. ``generative``
has a language model write the answer from the passages the reader picked, then holds every
sentence to the strict support rules; a draft with no supported sentence is replaced by the
extractive answer. In the generative style there are two modes:

``AnswerEngine.stream`` yields ``Token`` events as the model writes, each a sentence of the draft
that has passed the support check (``rag.checked``: no unchecked text is ever shown), then one
``Final`` event with the ``Answer``: its sentences, the citations each rests on, and whether its
sources support it. Two modes:

- ``sequence`` (RAG-sequence): retrieve once for the whole question; every sentence draws on the
  same sources. Best for focused questions whose answer sits in one or two passages.
- ``token`` (RAG-token, per sentence): retrieve again before each sentence with the question plus
  the sentence just written, so later sentences can rest on other sources. Helps multi-part
  questions that span documents; costs one retrieval and one prompt per sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from veracity.errors import ConfigError, NotFound
from veracity.generate.base import Generator, context_size_of, count_tokens
from veracity.guard.grounding import SupportJudge
from veracity.rag.answer_extractive import (
    RELEVANCE_WEIGHT,
    Finding,
    Found,
    abstention,
    extractive_answer,
    find_answers,
    focus,
    sentence_of,
)
from veracity.rag.cache import AnswerCache
from veracity.rag.checked import CheckedStream, RememberingJudge, unrepeated, with_markers
from veracity.rag.citations import AnswerSentence, citations_used, split_answer
from veracity.rag.condense import condense
from veracity.rag.constraints import DocumentText, constraint_problem, mismatch_reason
from veracity.rag.context import pack_context
from veracity.rag.extractive import Quote, best_quote
from veracity.rag.guards import PassageCheck, QueryCheck
from veracity.rag.multipart import Part, combined_answer, split_question
from veracity.rag.prompt import Source, answer_messages, is_abstention
from veracity.rag.reader.base import SpanReader
from veracity.rag.support import check_support
from veracity.records import (
    CHUNK_FLAG_INJECTION,
    Answer,
    Citation,
    Decoding,
    Document,
    Filter,
    Hit,
    SentenceSupport,
)
from veracity.retrieve.copies import distinct_passages
from veracity.retrieve.search import Reranker, Retriever

MODES = ("sequence", "token")
STYLES = ("auto", "extractive", "generative")


class DocumentSource(Protocol):
    """Where the engine reads a whole document (a collection's store): the release heading
    above a changelog entry is not in the entry's passage."""

    def get_document(self, doc_id: str, where: Filter | None = None) -> Document: ...


@dataclass(frozen=True, slots=True)
class AskOptions:
    """How to answer. ``relevance_floor``: the calibrated probability under which the best source
    is judged not relevant and the engine abstains. ``unsupported``: ``"drop"`` (default) removes
    unsupported sentences from the answer; ``"flag"`` keeps them, marked ``supported=False`` (for
    inspecting what a model wrote, never for showing it as the answer)."""

    mode: str = "sequence"
    sources: int = 4
    candidates: int = 30
    relevance_floor: float = 0.5
    support_threshold: float = 0.5
    unsupported: str = "drop"
    decoding: Decoding = field(default_factory=lambda: Decoding(max_tokens=160))
    max_sentences: int = 4  # RAG-token mode: retrieval rounds
    use_cache: bool = True
    semantic_threshold: float = 0.97
    allow_flagged: bool = False  # let chunks flagged as prompt injection into the prompt
    # When no drafted sentence is supported: "quote" answers with the most relevant source
    # sentence (verbatim, cited to its exact span); "abstain" says I don't know.
    fallback: str = "quote"
    # "extractive", "generative", or "auto": extractive when the engine has a reader.
    style: str = "auto"

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ConfigError(f"unknown answer style {self.style!r}; known: {', '.join(STYLES)}")
        if self.mode not in MODES:
            raise ConfigError(f"unknown answer mode {self.mode!r}; known: {', '.join(MODES)}")
        if self.fallback not in ("quote", "abstain"):
            raise ConfigError(f"fallback must be 'quote' or 'abstain', got {self.fallback!r}")
        if self.unsupported not in ("flag", "drop"):
            raise ConfigError(f"unsupported must be 'flag' or 'drop', got {self.unsupported!r}")
        if self.sources < 1 or self.candidates < self.sources:
            raise ConfigError("need sources >= 1 and candidates >= sources")


@dataclass(frozen=True, slots=True)
class Token:
    text: str


@dataclass(frozen=True, slots=True)
class Final:
    answer: Answer


Event = Token | Final


class _Clock:
    """Per-request timings, and warnings to hand back with the answer."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {}
        self._last = self.start

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[name] = round(self.marks.get(name, 0.0) + (now - self._last) * 1000, 2)
        self._last = now

    def mark_first_token(self) -> None:
        self.marks.setdefault("first_token", round((time.perf_counter() - self.start) * 1000, 2))

    def done(self) -> dict[str, float]:
        return {**self.marks, "total": round((time.perf_counter() - self.start) * 1000, 2)}


class AnswerEngine:
    """Answers questions from one retriever with one generator; see the module docstring."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator | None,
        judge: SupportJudge,
        *,
        reader: SpanReader | None = None,
        reranker: Reranker | None = None,
        cache: AnswerCache | None = None,
        options: AskOptions | None = None,
        query_guard: Callable[[str], QueryCheck] | None = None,
        passage_guard: Callable[[Sequence[Hit]], PassageCheck] | None = None,
        condense_with_model: bool = False,
        documents: DocumentSource | None = None,
    ) -> None:
        self.retriever = retriever
        self.llm = generator
        self.reader = reader
        self.judge = judge
        self.reranker = reranker
        self.cache = cache
        self.options = options or AskOptions()
        self.query_guard = query_guard
        self.passage_guard = passage_guard
        self.condense_with_model = condense_with_model
        self.documents = documents

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        where: Filter | None = None,
        options: AskOptions | None = None,
    ) -> Answer:
        final: Answer | None = None
        for event in self.stream(question, history, where, options):
            if isinstance(event, Final):
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        where: Filter | None = None,
        options: AskOptions | None = None,
    ) -> Iterator[Event]:
        opts = options or self.options
        if not question or not question.strip():
            raise ConfigError("the question is empty; ask something about your documents")
        clock = _Clock()
        if self.query_guard is not None:
            check = self.query_guard(question)
            if check.refuse:
                yield Final(_abstain(f"the question was refused: {check.refuse}", clock))
                return
            if check.warn:
                clock.warnings.append(check.warn)
        query = condense(question, history, self.generator if self.condense_with_model else None)
        clock.lap("condense")
        if self.style_of(opts) == "extractive":
            yield from self._extract(question, query, where, opts, clock)
        elif opts.mode == "token":
            yield from self._per_sentence(question, query, where, opts, clock)
        else:
            yield from self._once(question, query, where, opts, clock)

    def style_of(self, opts: AskOptions) -> str:
        """The style ``opts`` asks for, with ``auto`` resolved for this engine."""
        if opts.style == "auto":
            return "extractive" if self.reader is not None else "generative"
        return opts.style

    @property
    def generator(self) -> Generator:
        if self.llm is None:
            raise ConfigError(
                "this engine has no language model; ask with style='extractive', or build it "
                "with a generator (collection.answer_engine('smollm2'))"
            )
        return self.llm

    def _reader(self) -> SpanReader:
        if self.reader is None:
            raise ConfigError(
                "this engine has no reader for extractive answers; build it with one "
                "(collection.answer_engine() does) or ask with style='generative'"
            )
        return self.reader

    # -- extractive ---------------------------------------------------------------------------

    def _extract(
        self, question: str, query: str, where: Filter | None, opts: AskOptions, clock: _Clock
    ) -> Iterator[Event]:
        parts = split_question(query)
        if len(parts) > 1:  # each part retrieved and read on its own (``rag.multipart``)
            read: list[Part] = []
            for part in parts:
                # a release heading is not cited in a combined answer: no ``releases`` here
                got = self._found(part, part, where, opts, clock, releases=False)
                best = got.found[0] if got.found else None
                read.append((part, got.reason if best is None else (best.hit, best.reading)))
            clock.mark_first_token()
            answer = combined_answer(read, clock.done(), clock.warnings)
            yield Token(answer.text)
            yield Final(answer)
            return
        finding = self._found(question, query, where, opts, clock)
        if not finding.found:
            yield Final(_abstain(finding.reason, clock, finding.closest))
            return
        clock.mark_first_token()
        answer = extractive_answer(finding.found[0], clock.done(), clock.warnings, query)
        yield Token(answer.text)
        yield Final(answer)

    def _found(
        self,
        question: str,
        query: str,
        where: Filter | None,
        opts: AskOptions,
        clock: _Clock,
        releases: bool = True,
    ) -> Finding:
        """The passages the reader answers from (best first), or why there is none; with
        ``releases``, a version may come from the release heading above an entry."""
        hits, best = self._relevant(query, where, opts, clock)
        if not hits or best < opts.relevance_floor:
            return Finding((), _floor_reason(best, opts))  # nothing relevant: nothing "closest"
        # The condensed query: a follow-up ("and in Tallinn?") is read with what it refers to.
        weight = RELEVANCE_WEIGHT if self.reranker is not None else 0.0  # calibrated scores only
        texts = self._document_text(where) if releases else None
        finding = find_answers(self._reader(), query, hits, opts.sources, weight, texts)
        clock.lap("read")
        return finding

    def _document_text(self, where: Filter | None) -> DocumentText | None:
        """A document's text by its id, read under ``where`` (None when it is gone or hidden),
        for the heading above an entry and the names of a question's scene; None without
        ``documents``. Each document is read once per question, however many of its passages
        are checked."""
        if self.documents is None:
            return None
        source = self.documents
        read: dict[str, str | None] = {}

        def text(document_id: str) -> str | None:
            if document_id not in read:
                try:
                    read[document_id] = source.get_document(document_id, where).text
                except NotFound:
                    read[document_id] = None
            return read[document_id]

        return text

    # -- retrieval ----------------------------------------------------------------------------

    def _relevant(
        self, query: str, where: Filter | None, opts: AskOptions, clock: _Clock
    ) -> tuple[list[Hit], float]:
        """Reranked hits above the relevance floor, and the best hit's score."""
        # Copies of one passage (a print version of a whole book, a duplicated file) would take
        # several of the few places read for the answer.
        hits = distinct_passages(self.retriever.retrieve(query, opts.candidates, where))
        clock.lap("retrieve")
        if not opts.allow_flagged:
            hits, note = self._quarantine(hits)
            if note and note not in clock.warnings:
                clock.warnings.append(note)
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits, opts.candidates)
            clock.lap("rerank")
        best = hits[0].score if hits else 0.0
        if self.reranker is None:
            return hits, 1.0 if hits else 0.0  # no calibrated score: the floor cannot apply
        return [h for h in hits if h.score >= opts.relevance_floor / 2], best

    def _quarantine(self, hits: list[Hit]) -> tuple[list[Hit], str | None]:
        """Hits flagged as prompt injection at ingest: their injected sentences blanked by the
        passage guard, or (with no passage guard) the whole passage left out."""
        if self.passage_guard is not None:
            check = self.passage_guard(hits)
            return list(check.hits), check.note()
        kept = [h for h in hits if not h.flags & CHUNK_FLAG_INJECTION]
        if len(kept) == len(hits):
            return hits, None
        return kept, PassageCheck(tuple(kept), 0, len(hits) - len(kept)).note()

    def _budget(self, opts: AskOptions) -> int:
        window = context_size_of(self.generator)
        return max(128, window - opts.decoding.max_tokens - 200)  # 200: system prompt + question

    # -- RAG-sequence -------------------------------------------------------------------------

    def _once(
        self, question: str, query: str, where: Filter | None, opts: AskOptions, clock: _Clock
    ) -> Iterator[Event]:
        found: list[Found] = []
        if self.reader is not None:
            got = self._found(question, query, where, opts, clock)
            if not got.found:
                yield Final(_abstain(got.reason, clock, got.closest))
                return
            # Only the sentences around each answer span: a prompt a third as long, and the
            # model writes from what the reader found rather than from the whole passage.
            found, hits = list(got.found), [focus(f) for f in got.found]
        else:
            hits, best = self._relevant(query, where, opts, clock)
            if not hits or best < opts.relevance_floor:
                yield Final(_abstain(_floor_reason(best, opts), clock))
                return
        sources = pack_context(
            hits, self._budget(opts), lambda t: count_tokens(self.generator, t), opts.sources
        )
        scope = _scope(where)
        cached = self._cached(query, sources, scope, opts, where)
        if cached is not None:
            clock.lap("cache")
            yield Final(replace(cached, timings_ms={**clock.done(), "cached": 1.0}))
            return
        # Shown as it is written, one checked sentence at a time (``rag.checked``).
        judge = RememberingJudge(self.judge)
        checked = self._checked(question, sources, judge, opts)
        text: list[str] = []
        for piece in self.generator.generate(answer_messages(question, sources), opts.decoding):
            text.append(piece)
            if shown := checked.feed("".join(text)):
                clock.mark_first_token()
                yield Token(shown)
        if shown := checked.feed("".join(text), done=True):
            clock.mark_first_token()
            yield Token(shown)
        clock.lap("generate")
        draft = "".join(text)
        answer = self._finish(
            question, draft, split_answer(draft), sources, opts, clock, found, judge
        )
        if self.cache is not None and opts.use_cache and not answer.abstained:
            ids = [s.hit.chunk.id for s in sources]
            self.cache.save(self.generator.name, opts, scope, query, ids, answer)
        yield Final(answer)

    # -- RAG-token (per sentence) -------------------------------------------------------------

    def _per_sentence(
        self, question: str, query: str, where: Filter | None, opts: AskOptions, clock: _Clock
    ) -> Iterator[Event]:
        sources: list[Source] = []  # grows with each step's new sources
        sentences: list[AnswerSentence] = []
        best_overall = 0.0
        judge = RememberingJudge(self.judge)
        checked = self._checked(question, sources, judge, opts)
        step_decoding = replace(opts.decoding, max_tokens=min(opts.decoding.max_tokens, 80))
        for step in range(opts.max_sentences):
            step_query = query if step == 0 else f"{query} {sentences[-1].plain}"
            hits, best = self._relevant(step_query, where, opts, clock)
            best_overall = max(best_overall, best)
            if step == 0 and (not hits or best < opts.relevance_floor):
                yield Final(_abstain(_floor_reason(best, opts), clock))
                return
            step_sources = self._renumber(hits, sources, opts)
            so_far = " ".join(s.text for s in sentences)
            raw = "".join(
                self.generator.generate(
                    answer_messages(question, step_sources, so_far), step_decoding
                )
            )
            new = split_answer(raw)[:1]
            clock.lap("generate")
            if (
                not new
                or is_abstention(new[0].plain)
                or any(new[0].plain == s.plain for s in sentences)
            ):
                break
            sentences.extend(new)
            if shown := checked.feed(" ".join(s.text for s in sentences), done=True):
                clock.mark_first_token()
                yield Token(shown)
        text = " ".join(s.text for s in sentences)
        yield Final(self._finish(question, text, sentences, sources, opts, clock, (), judge))

    def _checked(
        self, question: str, sources: Sequence[Source], judge: SupportJudge, opts: AskOptions
    ) -> CheckedStream:
        return CheckedStream(
            question, sources, judge, opts.support_threshold,
            show_unsupported=opts.unsupported == "flag",
        )  # fmt: skip

    def _renumber(self, hits: list[Hit], sources: list[Source], opts: AskOptions) -> list[Source]:
        """This step's sources, reusing numbers of chunks already cited and adding new ones."""
        packed = pack_context(
            hits, self._budget(opts), lambda t: count_tokens(self.generator, t), opts.sources
        )
        by_chunk = {s.hit.chunk.id: s for s in sources}
        step: list[Source] = []
        for source in packed:
            known = by_chunk.get(source.hit.chunk.id)
            if known is None:
                known = Source(len(sources) + 1, source.hit)
                sources.append(known)
                by_chunk[known.hit.chunk.id] = known
            step.append(known)
        return step

    # -- checking -----------------------------------------------------------------------------

    def _finish(
        self,
        question: str,
        text: str,
        sentences: Sequence[AnswerSentence],
        sources: Sequence[Source],
        opts: AskOptions,
        clock: _Clock,
        found: Sequence[Found] = (),
        judge: SupportJudge | None = None,
    ) -> Answer:
        if is_abstention(text) or not sentences:
            return _abstain("the model found no answer in the retrieved sources", clock)
        sentences = unrepeated(sentences)
        verdicts = check_support(
            sentences, sources, judge or self.judge, opts.support_threshold, question=question
        )
        clock.lap("check")
        kept = [
            (s, v) for s, v in zip(sentences, verdicts, strict=True)
            if v.supported or opts.unsupported == "flag"
        ]  # fmt: skip
        if not any(v.supported for _, v in kept):
            if found and opts.fallback == "quote":
                clock.warnings.append(
                    "the model's draft was not supported by the sources, so the answer is the "
                    "reader's extract instead"
                )
                return extractive_answer(found[0], clock.done(), clock.warnings, question)
            quote = self._quote(question, sources) if opts.fallback == "quote" else None
            if quote is not None:
                # The quote answers only if it holds what the question names (the reader's
                # passages pass the same check): "When does the Berlin office open?" is not
                # answered by the Lisbon office's hours, however relevant the sentence.
                src = next(x for x in sources if x.n == quote.citation.n)
                if problem := constraint_problem(question, src.hit):
                    return _abstain(mismatch_reason(problem), clock, quote.citation)
                return self._quoted(quote, clock)
            return _abstain("no sentence of the drafted answer is supported by its sources", clock)
        final_text = " ".join(with_markers(s, v) for s, v in kept)
        used = [n for _, v in kept for n in v.citations]
        return Answer(
            text=final_text,
            abstained=False,
            citations=citations_used(sources, used),
            sentences=tuple(_display(s, v) for s, v in kept),
            timings_ms=clock.done(),
            warnings=tuple(clock.warnings),
            style="generative",
        )

    def _quote(self, question: str, sources: Sequence[Source]) -> Quote | None:
        embedder = getattr(self.retriever, "embedder", None)
        if embedder is None or not sources:
            return None
        return best_quote(question, sources, embedder)

    def _quoted(self, quote: Quote, clock: _Clock) -> Answer:
        clock.warnings.append(
            "the model's draft was not supported by the sources, so the answer quotes the most "
            "relevant source sentence instead"
        )
        c = quote.citation
        return Answer(
            text=f"{quote.text} [{c.n}]",
            abstained=False,
            citations=(c,),
            sentences=(SentenceSupport(quote.text, (c.n,), True, 1.0),),
            timings_ms=clock.done(),
            warnings=tuple(clock.warnings),
        )

    # -- cache --------------------------------------------------------------------------------

    def _cached(
        self,
        query: str,
        sources: Sequence[Source],
        scope: str,
        opts: AskOptions,
        where: Filter | None,
    ) -> Answer | None:
        if self.cache is None or not opts.use_cache:
            return None
        ids = [s.hit.chunk.id for s in sources]
        # ``where`` again at read time: a hit must still be visible to this caller.
        return self.cache.lookup(self.generator.name, opts, scope, query, ids, where)


def _display(sentence: AnswerSentence, verdict: SentenceSupport) -> SentenceSupport:
    return replace(verdict, text=sentence.plain)


def _abstain(reason: str, clock: _Clock, closest: Found | Citation | None = None) -> Answer:
    near = sentence_of(closest) if isinstance(closest, Found) else closest
    return abstention(reason, clock.done(), clock.warnings, near)


def _floor_reason(best: float, opts: AskOptions) -> str:
    return (
        f"no retrieved passage is relevant enough: best relevance {best:.2f} is under the "
        f"calibrated floor {opts.relevance_floor:.2f}"
    )


def _scope(where: Filter | None) -> str:
    """A stable text for the access scope, so cached answers never cross filters or ACL labels."""
    if where is None or where.is_empty():
        return "all"
    labels = "*" if where.labels is None else ",".join(sorted(where.labels))
    docs = "*" if where.document_ids is None else ",".join(sorted(where.document_ids))
    meta = ",".join(f"{k}={where.where[k]!r}" for k in sorted(where.where))
    return f"labels={labels};docs={docs};where={meta}"
