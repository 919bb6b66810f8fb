"""Own API, part three: business tasks over a collection's documents or over given text.

    POST /api/collections/{name}/summarize   extractive summary, every sentence cited and checked
    POST /api/collections/{name}/classify    texts or documents into the caller's labels
    POST /api/collections/{name}/sentiment   negative / neutral / positive, optionally ranked
    POST /api/collections/{name}/entities    PER, ORG, LOC, MISC as character spans
    POST /api/collections/{name}/complaints  the top N complaints, clustered, named, quoted
    POST /api/collections/{name}/translate   given text, by the collection's language model
    POST /api/collections/{name}/code        write, explain or convert code, likewise

Each route reads either text given in the body (``text`` / ``texts``) or the collection. Whatever
it reads of the collection goes through the caller's access filter (``Principal.where()``),
applied by the store in SQL as for searches and answers: a key never summarizes, quotes or
analyses a document it cannot read, and a document id it may not see reads as absent (404).
Tasks use the collection's embedder (the sentiment head and the support judge ship for MiniLM).
The routes are plain ``def``: FastAPI runs them in its thread pool, off the event loop, as ``ask``.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from veracity.records import Filter
from veracity.server.deps import PrincipalDep, StateDep
from veracity.server.routes_docs import visible_document, visible_info
from veracity.server.state import Principal, Served, ServerState
from veracity.server.views import public_name, public_uri, root_of
from veracity.store.keys import READ
from veracity.tasks.feedback import FeedbackItem

router = APIRouter(prefix="/api/collections/{name}")

NonBlank = r"\S"
ShortText = Annotated[str, Field(min_length=1, max_length=10_000, pattern=NonBlank)]
LongText = Annotated[str, Field(min_length=1, max_length=200_000, pattern=NonBlank)]
DocId = Annotated[str, Field(min_length=1, max_length=128)]
Query = Annotated[str, Field(min_length=1, max_length=4000, pattern=NonBlank)]
LabelName = Annotated[str, Field(min_length=1, max_length=200, pattern=NonBlank)]
MAX_ITEMS = 20_000  # chunks or texts one request may analyse (the embedding is the cost)


class _OneSource(BaseModel):
    """Given texts or the collection's documents, not both."""

    texts: list[ShortText] | None = Field(None, min_length=1, max_length=256)
    documents: list[DocId] | None = Field(None, min_length=1, max_length=256)

    @model_validator(mode="after")
    def _one(self) -> _OneSource:
        if (self.texts is None) == (self.documents is None):
            raise ValueError("give either 'texts' (a list of strings) or 'documents' (ids)")
        return self


class SummarizeRequest(BaseModel):
    text: LongText | None = None
    documents: list[DocId] | None = Field(None, min_length=1, max_length=256)
    query: Query | None = None
    k: int = Field(10, ge=1, le=100)
    sentences: int = Field(5, ge=1, le=30)
    max_passages: int = Field(5000, ge=1, le=MAX_ITEMS)

    @model_validator(mode="after")
    def _text_alone(self) -> SummarizeRequest:
        if self.text is not None and (self.documents is not None or self.query is not None):
            raise ValueError("'text' summarizes the given text: drop 'documents' and 'query'")
        return self


class ExampleIn(BaseModel):
    text: ShortText
    label: LabelName


class LabelIn(BaseModel):
    name: LabelName
    description: str = Field("", max_length=1000)


class ClassifyRequest(_OneSource):
    labels: list[LabelName | LabelIn] = Field(default_factory=list, max_length=100)
    examples: list[ExampleIn] = Field(default_factory=list, max_length=2000)
    mode: Literal["auto", "zero-shot", "few-shot", "head"] = "auto"

    @model_validator(mode="after")
    def _some_labels(self) -> ClassifyRequest:
        if not self.labels and not self.examples:
            raise ValueError("give 'labels' (names or {name, description}) and/or 'examples'")
        return self


class SentimentRequest(_OneSource):
    rank: bool = False
    top: int | None = Field(None, ge=1, le=256)

    @model_validator(mode="after")
    def _top_ranks(self) -> SentimentRequest:
        if self.top is not None and not self.rank:
            raise ValueError("'top' keeps the first N of a ranking: set 'rank': true too")
        return self


class EntitiesRequest(BaseModel):
    text: LongText | None = None
    document: DocId | None = None
    types: list[Literal["PER", "ORG", "LOC", "MISC"]] | None = Field(None, min_length=1)
    min_score: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> EntitiesRequest:
        if (self.text is None) == (self.document is None):
            raise ValueError("give either 'text' or 'document' (an id), not both")
        return self


class ComplaintsRequest(BaseModel):
    texts: list[ShortText] | None = Field(None, min_length=1, max_length=5000)
    documents: list[DocId] | None = Field(None, min_length=1, max_length=256)
    top: int = Field(5, ge=1, le=50)
    quotes: int = Field(3, ge=0, le=20)
    all: bool = Field(False, description="treat every item as a complaint (no sentiment filter)")
    threshold: float = Field(0.75, gt=0, le=2)
    min_size: int = Field(2, ge=1, le=1000)
    by: str | None = Field(None, max_length=100, pattern=r"^[^:\s]+(:(month|year))?$")
    max_items: int = Field(5000, ge=1, le=MAX_ITEMS)

    @model_validator(mode="after")
    def _texts_alone(self) -> ComplaintsRequest:
        if self.texts is not None and (self.documents is not None or self.by is not None):
            raise ValueError("'texts' are analysed as given: drop 'documents' and 'by'")
        return self


def _served(state: ServerState, name: str, principal: Principal) -> Served:
    served = state.get(name, principal)
    principal.require(READ, "read this collection's documents")
    return served


def _visible_items(
    served: Served, principal: Principal, documents: list[str] | None, by: str | None = None
) -> list[FeedbackItem]:
    """Every chunk of the collection (or of ``documents``) the caller may read: the store applies
    the caller's labels. A named document the caller may not see is 404, like a read by id."""
    from veracity.tasks.feedback import collection_feedback

    where = principal.where() or Filter()
    if documents is not None:
        for doc_id in dict.fromkeys(documents):
            visible_info(served, principal, doc_id)
        where = dataclasses.replace(where, document_ids=frozenset(documents))
    return collection_feedback(served.collection.store, where=where, by=by)


def _texts(served: Served, principal: Principal, body: _OneSource) -> list[str]:
    if body.texts is not None:
        return list(body.texts)
    return [visible_document(served, principal, d).text for d in body.documents or []]


def _public_item(d: dict[str, Any], root: str) -> dict[str, Any]:
    """A cited item's dict without the server's directories in its source or citation."""
    source = d.get("source") or ""
    shown = public_uri(source, root)
    out = {**d, "source": shown}
    if isinstance(d.get("citation"), str) and source:
        out["citation"] = shown + d["citation"][len(source) :]
    return out


def _capped(items: list[FeedbackItem], cap: int) -> tuple[list[FeedbackItem], bool]:
    return items[:cap], len(items) > cap


@router.post(
    "/summarize",
    summary="an extractive summary of given text, this key's documents, or a search result; "
    "every sentence cited to its span and checked by the support judge",
)
def summarize(
    name: str, body: SummarizeRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    from veracity.guard.grounding import best_judge
    from veracity.tasks.summarize import hit_passages, text_passages
    from veracity.tasks.summarize import summarize as run

    served = _served(state, name, principal)
    col = served.collection
    if body.text is not None:
        passages = text_passages(body.text)
    elif body.query is not None:
        where = principal.where() or Filter()
        if body.documents is not None:
            for doc_id in dict.fromkeys(body.documents):
                visible_info(served, principal, doc_id)
            where = dataclasses.replace(where, document_ids=frozenset(body.documents))
        passages = hit_passages(col.search(body.query, body.k, where=where))
    else:
        passages = _visible_items(served, principal, body.documents)
    passages, truncated = _capped(passages, body.max_passages)
    embedder = col.embedder()
    summary = run(passages, sentences=body.sentences, embedder=embedder, judge=best_judge(embedder))
    out = summary.as_dict()
    root = root_of(col.path)
    out["sentences"] = [_public_item(s, root) for s in out["sentences"]]
    return {**out, "truncated": truncated}


@router.post(
    "/classify",
    summary="given texts or this key's documents into your labels (zero-shot, few-shot, head)",
)
def classify(
    name: str, body: ClassifyRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    from veracity.tasks.classify import Example, Label, build_classifier

    served = _served(state, name, principal)
    texts = _texts(served, principal, body)
    labels = [
        Label(x) if isinstance(x, str) else Label(x.name.strip(), x.description.strip())
        for x in body.labels
    ]
    examples = [Example(e.text, e.label.strip()) for e in body.examples]
    model = build_classifier(
        labels, examples, embedder=served.collection.embedder(), mode=body.mode
    )
    results = [r.as_dict() for r in model.classify(texts)]
    if body.documents is not None:
        for r, doc_id in zip(results, body.documents, strict=True):
            r["document"] = doc_id
    cal = model.calibration
    return {
        "mode": model.mode,
        "labels": [label.name for label in model.labels],
        "calibration": None if cal is None else dataclasses.asdict(cal),
        "results": results,
    }


@router.post(
    "/sentiment",
    summary="negative / neutral / positive with a score in [-1, 1]; rank=true orders by priority",
)
def sentiment(
    name: str, body: SentimentRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    from veracity.tasks.priority import rank
    from veracity.tasks.sentiment import SentimentAnalyzer

    served = _served(state, name, principal)
    texts = _texts(served, principal, body)
    found = SentimentAnalyzer(served.collection.embedder()).analyze(texts)
    ids = body.documents
    if not body.rank:
        return {"results": [_with_doc(s.as_dict(), ids, i) for i, s in enumerate(found)]}
    ranked = rank(found)[: body.top]
    return {"results": [_with_doc(p.as_dict(), ids, p.index) for p in ranked]}


def _with_doc(d: dict[str, Any], ids: list[str] | None, i: int) -> dict[str, Any]:
    return d if ids is None else {**d, "document": ids[i]}


@router.post("/entities", summary="named entities of given text or a document, as char spans")
def entities(
    name: str, body: EntitiesRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    from veracity.tasks.entities import extract

    served = _served(state, name, principal)
    if body.text is not None:
        text = body.text
    else:
        text = visible_document(served, principal, body.document or "").text
    found = extract(text, body.types, min_score=body.min_score)
    return {"entities": [e.to_dict() for e in found], "chars": len(text), "document": body.document}


@router.post(
    "/complaints",
    summary="the top N complaints among given texts or this key's documents: negative items "
    "clustered, named, counted and quoted with citations",
)
def complaints(
    name: str, body: ComplaintsRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    from veracity.tasks.complaints import find_complaints

    served = _served(state, name, principal)
    if body.texts is not None:
        items = [FeedbackItem(t, "texts", 0, len(t), row=i) for i, t in enumerate(body.texts, 1)]
    else:
        items = _visible_items(served, principal, body.documents, body.by)
    items, truncated = _capped(items, body.max_items)
    report = find_complaints(
        items, embedder=served.collection.embedder(), top=body.top, negative_only=not body.all,
        threshold=body.threshold, min_size=body.min_size, quotes=body.quotes, by=body.by,
    )  # fmt: skip
    out = report.as_dict()
    root = root_of(served.collection.path)
    out["clusters"] = [
        {**c, "quotes": [_public_item(q, root) for q in c["quotes"]]} for c in out["clusters"]
    ]
    out["settings"] = {**out["settings"], "embedder": public_name(out["settings"]["embedder"])}
    return {**out, "truncated": truncated}


# -- translate and code: the server's model on given text (no documents are read) -------------

Language = Annotated[str, Field(min_length=1, max_length=40, pattern=NonBlank)]


class TranslateRequest(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=20_000, pattern=NonBlank)]
    to: Language
    source: Language | None = None


class CodeRequest(BaseModel):
    task: Literal["generate", "explain", "convert"]
    text: Annotated[str, Field(min_length=1, max_length=20_000, pattern=NonBlank)]
    language: Language | None = None
    to: Language | None = None

    @model_validator(mode="after")
    def _target(self) -> CodeRequest:
        if self.task == "convert" and self.to is None:
            raise ValueError("convert needs 'to': the language to write")
        return self


@router.post("/translate", summary="translate given text with the collection's language model")
def translate(
    name: str, body: TranslateRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    from veracity.tasks.translate import translate as run

    served = _served(state, name, principal)
    generator = state.engine(served).generator
    return run(body.text, body.to, generator, source=body.source).as_dict()


@router.post("/code", summary="write, explain or convert code with the collection's language model")
def code(name: str, body: CodeRequest, state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    from veracity.tasks.code import code as run

    served = _served(state, name, principal)
    generator = state.engine(served).generator
    return run(body.task, body.text, generator, language=body.language, target=body.to).as_dict()
