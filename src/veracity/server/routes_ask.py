"""Own API, part two: search, ask (JSON or server-sent events), chat sessions, the answer cache.

Every retrieval runs with the caller's ``Filter(labels=...)``, so a key's answers, citations and
cached answers come only from documents it may see (the cache key includes that filter). Chat
sessions are owned by the key that created them; another key gets 404 for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from veracity.errors import VeracityError
from veracity.rag.chat import final_answer, history_of, record_turn
from veracity.rag.engine import AnswerEngine, AskOptions, Final, Token
from veracity.rag.serialize import answer_to_dict
from veracity.records import Filter
from veracity.server.deps import PrincipalDep, StateDep
from veracity.server.errors import ApiError, error_body, log, status_of
from veracity.server.streams import produced
from veracity.server.views import (
    hit_to_dict,
    public_answer,
    root_of,
    session_to_dict,
    turn_to_dict,
)

router = APIRouter(prefix="/api/collections/{name}")

Question = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]


class SearchRequest(BaseModel):
    query: Question
    k: int = Field(10, ge=1, le=100)
    mode: Literal["hybrid", "dense", "sparse", "bm25"] = "hybrid"  # sparse: BM25


class AskRequest(BaseModel):
    question: Question
    stream: bool = False
    mode: Literal["sequence", "token"] = "sequence"
    # extractive: the reader's span and sentence; generative: the LLM writes, every sentence
    # checked; auto: extractive when the engine has a reader (the default engine does).
    style: Literal["auto", "extractive", "generative"] = "auto"
    session_id: str | None = Field(None, max_length=64)
    max_tokens: int | None = Field(None, ge=1, le=4096)
    temperature: float | None = Field(None, ge=0, le=2)


class NewSession(BaseModel):
    title: str = Field("", max_length=200)


@router.post("/search", summary="the best passages for a query, among those this key may see")
def search(
    name: str, body: SearchRequest, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    served = state.get(name, principal)
    # No server lock: the index lock inside the search covers only its lookups.
    mode = "bm25" if body.mode == "sparse" else body.mode  # the search layer calls it bm25
    hits = served.collection.search(body.query, body.k, mode=mode, where=principal.where())
    root = root_of(served.collection.path)
    return {"hits": [hit_to_dict(h, root) for h in hits]}


def ask_options(
    engine: AnswerEngine,
    mode: str,
    max_tokens: int | None,
    temperature: float | None,
    seed: int | None = None,
    style: str | None = None,
    top_p: float | None = None,
) -> AskOptions:
    d = engine.options.decoding
    decoding = replace(
        d,
        max_tokens=d.max_tokens if max_tokens is None else max_tokens,
        temperature=d.temperature if temperature is None else temperature,
        seed=d.seed if seed is None else seed,
        top_p=d.top_p if top_p is None else top_p,
    )
    return replace(
        engine.options, mode=mode, decoding=decoding, style=style or engine.options.style
    )


def answer_events(
    engine: AnswerEngine,
    question: str,
    history: list[tuple[str, str]],
    where: Filter | None,
    opts: AskOptions,
) -> Iterator[Token | Final]:
    """The engine's events, produced in their own thread (no server lock: see ``streams``)."""
    return produced(lambda: engine.stream(question, history, where, opts))


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask",
    summary="a cited answer, or an abstention; with stream=true, server-sent events "
    "('token' {text}, then 'final' {answer...}, or 'error' {error})",
)
def ask(name: str, body: AskRequest, state: StateDep, principal: PrincipalDep) -> Any:
    served = state.get(name, principal)
    chats = served.collection.chats()
    history = history_of(chats, body.session_id, owner=principal.id)
    engine = state.engine(served)
    opts = ask_options(engine, body.mode, body.max_tokens, body.temperature, style=body.style)
    events = answer_events(engine, body.question, history, principal.where(), opts)
    root = root_of(served.collection.path)
    if not body.stream:
        answer = final_answer(events)
        record_turn(chats, body.session_id, body.question, answer)
        return {**public_answer(answer_to_dict(answer), root), "session_id": body.session_id}

    def stream() -> Iterator[str]:
        try:
            for event in events:
                if isinstance(event, Token):
                    yield sse("token", {"text": event.text})
                else:
                    record_turn(chats, body.session_id, body.question, event.answer)
                    shown = public_answer(answer_to_dict(event.answer), root)
                    yield sse("final", {**shown, "session_id": body.session_id})
        except VeracityError as exc:
            yield sse("error", error_body(status_of(exc), str(exc)))
        except Exception:
            log.exception("internal error while streaming an answer")
            yield sse("error", error_body(500, "internal server error; see the server log"))

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@router.get("/chats", summary="this key's chat sessions")
def list_chats(name: str, state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    chats = state.get(name, principal).collection.chats()
    return {"sessions": [session_to_dict(s) for s in chats.sessions(owner=principal.id)]}


@router.post("/chats", summary="start a chat session owned by this key")
def create_chat(
    name: str, body: NewSession, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    chats = state.get(name, principal).collection.chats()
    return session_to_dict(chats.create(body.title, owner=principal.id))


@router.get("/chats/{session_id}", summary="a session and its turns")
def get_chat(
    name: str, session_id: str, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    chats = state.get(name, principal).collection.chats()
    session = chats.get(session_id, owner=principal.id)
    root = root_of(state.get(name, principal).collection.path)
    turns = [turn_to_dict(t, root) for t in chats.turns(session.id)]
    return {**session_to_dict(session), "turns": turns}


@router.delete("/chats/{session_id}", summary="delete a session")
def delete_chat(
    name: str, session_id: str, state: StateDep, principal: PrincipalDep
) -> dict[str, Any]:
    chats = state.get(name, principal).collection.chats()
    chats.delete(chats.get(session_id, owner=principal.id).id)
    return {"deleted": session_id}


@router.delete("/cache", summary="clear the answer cache (local admin only)")
def clear_cache(name: str, state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    served = state.get(name, principal)
    if not principal.admin:
        raise ApiError(
            403,
            "only the local admin (no API keys) may clear the answer cache over HTTP; on the "
            "server's machine run `veracity cache clear --collection DIR`",
        )
    return {"cleared": served.collection.store.answer_cache().clear()}
