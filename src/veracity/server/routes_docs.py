"""Own API, part one: health, metrics, collections, documents (list, upload, delete, text)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from veracity import __version__
from veracity.errors import NotFound
from veracity.ingest.loaders import LoadOptions
from veracity.ingest.pipeline import read_paths
from veracity.records import Document
from veracity.server.deps import PrincipalDep, StateDep
from veracity.server.state import Principal, Served, ServerState
from veracity.server.uploads import save_upload
from veracity.server.views import (
    doc_info_to_dict,
    public_name,
    public_report,
    root_of,
    text_window,
)
from veracity.store.keys import ADMIN, DELETE
from veracity.store.rows import DocumentInfo

router = APIRouter(prefix="/api")


@router.get("/health", summary="liveness, version and the auth mode (no key needed)")
async def health(request: Request) -> dict[str, Any]:
    # On the event loop, with no lock, no database read and no threadpool slot (the state is
    # not taken through a sync dependency, which would run in the pool): busy workers, a slow
    # parse or a long generation never delay it.
    state: ServerState = request.app.state.veracity
    mode = "api-keys" if state.auth_known() else "open (loopback, no keys)"
    return {"status": "ok", "version": __version__, "auth": mode}


@router.get(
    "/metrics", summary="request counts, errors and latency percentiles (keys with 'admin' only)"
)
def metrics(state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    # Every key's traffic is in there: only the local admin (open loopback mode) or a key
    # granted the admin right may read it.
    principal.require(ADMIN, "read the server metrics (every key's traffic)")
    return state.metrics.snapshot()


def _absent(served: Served, doc_id: str) -> NotFound:
    return NotFound(f"no document with id {doc_id!r} in collection {served.name!r}")


def visible_document(served: Served, principal: Principal, doc_id: str) -> Document:
    """The document if the caller may see it (the store applies the caller's filter); an
    invisible one reads as absent."""
    try:
        return served.collection.document(doc_id, where=principal.where())
    except NotFound:
        raise _absent(served, doc_id) from None


def visible_info(served: Served, principal: Principal, doc_id: str) -> DocumentInfo:
    """``visible_document`` without the text."""
    try:
        return served.collection.document_info(doc_id, where=principal.where())
    except NotFound:
        raise _absent(served, doc_id) from None


@router.get("/collections", summary="the collections this key may use")
def collections(state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    out = []
    for name in sorted(principal.collections):
        served = state.served[name]
        docs, chunks = served.collection.document_totals(where=principal.where())
        out.append(
            {"name": name, "documents": docs, "chunks": chunks,
             "embedder": public_name(served.collection.embedder_name)}
        )  # fmt: skip
    return {"collections": out, "admin": principal.admin}


@router.get("/collections/{name}/documents", summary="documents visible to this key")
def list_documents(
    name: str,
    state: StateDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    served = state.get(name, principal)
    col, where = served.collection, principal.where()
    docs = col.documents(where=where, limit=limit, offset=offset)
    root, (total, _) = root_of(col.path), col.document_totals(where=where)
    return {"documents": [doc_info_to_dict(d, root) for d in docs], "total": total}


@router.post("/collections/{name}/documents", summary="upload one file and ingest it")
async def upload_document(
    name: str,
    request: Request,
    state: StateDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="a .txt/.md/.html/.pdf/.docx/.jsonl/.csv file")],
    labels: Annotated[str | None, Form(description="comma-separated ACL labels")] = None,
) -> dict[str, Any]:
    served = state.get(name, principal)
    # The guard middleware already refused a key without the upload right or without labels
    # (body unread); here the requested labels are checked, before the file is stored.
    wanted = principal.upload_labels((labels or "").split(","))
    # Each key uploads into its own folder, so no key can overwrite another's document.
    folder = served.uploads / (principal.id or "local")
    path = await save_upload(file, folder, state.config.max_upload_bytes)

    def ingest() -> dict[str, Any]:
        # Parsed in a worker process under the server's time and memory limits, outside any
        # lock: a hostile file costs that worker, and becomes this upload's failure.
        loaded = list(read_paths([path], LoadOptions(), pool=state.parser))
        with served.lock:  # writers only; searches and answers go on meanwhile
            try:
                report = served.collection.add(loaded, labels=wanted)
            finally:  # batches committed before a failure count too
                served.wrote()
        ids = served.collection.store.find_document_ids(uris=[str(path)])
        root = root_of(served.collection.path)
        return {"documents": ids, "report": public_report(report.to_dict(), root),
                "labels": list(wanted)}  # fmt: skip

    return await run_in_threadpool(ingest)


@router.get("/collections/{name}/documents/{doc_id}", summary="one document's details")
def get_document(
    name: str, doc_id: str, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    served = state.get(name, principal)
    info = visible_info(served, principal, doc_id)
    return doc_info_to_dict(info, root_of(served.collection.path))


@router.delete("/collections/{name}/documents/{doc_id}", summary="delete a document")
def delete_document(
    name: str, doc_id: str, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    served = state.get(name, principal)
    visible_info(served, principal, doc_id)
    principal.require(DELETE, "delete documents")
    with served.lock:
        try:
            docs, chunks = served.collection.delete(ids=[doc_id])
        finally:
            served.wrote()
    return {"deleted": {"documents": docs, "chunks": chunks}}


@router.get(
    "/collections/{name}/documents/{doc_id}/text",
    summary="a document's text, or a window around [start, end) with the span to highlight",
)
def document_text(
    name: str,
    doc_id: str,
    state: StateDep,
    principal: PrincipalDep,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
    context: Annotated[int, Query(ge=0, le=100_000)] = 600,
) -> dict[str, Any]:
    served = state.get(name, principal)
    doc = visible_document(served, principal, doc_id)
    return text_window(doc, start, end, context, root_of(served.collection.path))
