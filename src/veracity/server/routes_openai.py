"""The OpenAI-compatible API: /v1/models, /v1/chat/completions, /v1/embeddings.

Each collection is a model (its name is the model id). A chat completion answers the last user
message from that collection with the earlier turns as history; the reply's content is the cited
answer with its citations appended as footnotes, and the citations also come as structured data in
the extra top-level field ``citations`` (and ``veracity``: abstained, reason, sentences, the closest passage of an abstention), which
official clients keep as extra attributes. Streaming sends ``chat.completion.chunk`` events, the
footnotes and citations in the last chunk, then ``data: [DONE]``.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from veracity.errors import ConfigError, VeracityError
from veracity.rag.chat import final_answer
from veracity.rag.serialize import answer_to_dict
from veracity.records import Answer
from veracity.server.deps import PrincipalDep, StateDep
from veracity.server.errors import error_body, log, status_of
from veracity.server.routes_ask import answer_events, ask_options
from veracity.server.views import footnotes, public_answer, root_of

router = APIRouter(prefix="/v1")

# Limits on what a chat request may carry. The question (the last user message) is capped like
# the own API's (4000 characters). Earlier messages are history: the engine reads only the last
# few turns, 500 characters each, so a long history costs memory and CPU and buys nothing; each
# message may hold up to 16000 characters, enough to replay any reply this server gives
# (max_tokens <= 4096), and a request at most 100 messages.
MAX_QUESTION_CHARS = 4000
MAX_MESSAGE_CHARS = 16_000
MAX_MESSAGES = 100


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # unknown OpenAI parameters are accepted and ignored
    model: str = Field(max_length=64)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1, le=4096)
    max_completion_tokens: int | None = Field(None, ge=1, le=4096)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    seed: int | None = None
    n: int = Field(1, ge=1, le=1)


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(max_length=64)
    input: str | Annotated[list[str], Field(min_length=1, max_length=256)]
    encoding_format: Literal["float", "base64"] = "float"


@router.get("/models", summary="the collections this key may use, as models")
def models(state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    created = int(state.metrics.started)
    data = [{"id": n, "object": "model", "created": created, "owned_by": "veracity"}
            for n in sorted(principal.collections)]  # fmt: skip
    return {"object": "list", "data": data}


def _question_and_history(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    for i, m in enumerate(messages):
        if len(m.text()) > MAX_MESSAGE_CHARS:
            raise ConfigError(
                f"messages[{i}] ({m.role}) has {len(m.text())} characters; each message may have "
                f"at most {MAX_MESSAGE_CHARS} (the question {MAX_QUESTION_CHARS}): shorten or "
                "drop earlier messages"
            )
    turns: list[tuple[str, str]] = [
        (m.role, m.text()) for m in messages if m.role in ("user", "assistant")
    ]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise ConfigError("the last message must be a non-empty user message (the question)")
    if len(turns[-1][1]) > MAX_QUESTION_CHARS:
        raise ConfigError(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    return turns[-1][1], turns[:-1]


def _extras(answer: Answer, root: str) -> dict[str, Any]:
    d = public_answer(answer_to_dict(answer), root)  # no server path in citations or closest
    return {
        "citations": d["citations"],
        "veracity": {
            k: d[k] for k in ("abstained", "reason", "sentences", "closest", "timings_ms")
        },
    }


def _usage(question: str, text: str) -> dict[str, int]:
    p, c = len(question.split()), len(text.split())  # words: an approximation, stated in the docs
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


@router.post("/chat/completions", summary="OpenAI chat completions answered from a collection")
def chat_completions(body: ChatRequest, state: StateDep, principal: PrincipalDep) -> Any:
    served = state.get(body.model, principal)
    question, history = _question_and_history(body.messages)
    engine = state.engine(served)
    opts = ask_options(
        engine, "sequence", body.max_completion_tokens or body.max_tokens, body.temperature,
        body.seed, top_p=body.top_p,
    )  # fmt: skip
    events = answer_events(engine, question, history, principal.where(), opts)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    base = {"id": cid, "created": created, "model": body.model}
    root = root_of(served.collection.path)
    if not body.stream:
        answer = final_answer(events)
        content = answer.text + footnotes(answer)
        message = {"role": "assistant", "content": content}
        return {
            **base, "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(question, content), **_extras(answer, root),
        }  # fmt: skip
    return StreamingResponse(_stream(events, base, root), media_type="text/event-stream")


def _chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None = None,
           **extra: Any) -> str:  # fmt: skip
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
    payload = {**base, "object": "chat.completion.chunk", "choices": [choice], **extra}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _stream(events: Iterator[Any], base: dict[str, Any], root: str) -> Iterator[str]:
    from veracity.rag.engine import Final, Token

    yield _chunk(base, {"role": "assistant", "content": ""})
    streamed = ""  # checked sentences, shown as the model wrote them
    try:
        for event in events:
            if isinstance(event, Token):
                streamed += event.text
                yield _chunk(base, {"content": event.text})
            elif isinstance(event, Final):
                answer: Answer = event.answer
                if answer.text.startswith(streamed):  # the rest of it (all, when none streamed)
                    rest = answer.text[len(streamed) :]
                else:  # decided on the whole draft otherwise: a stream cannot take text back
                    rest = "\n\n" + answer.text
                tail = rest + footnotes(answer)
                yield _chunk(
                    base, {"content": tail} if tail else {}, "stop", **_extras(answer, root)
                )
    except VeracityError as exc:
        yield f"data: {json.dumps(error_body(status_of(exc), str(exc)))}\n\n"
    except Exception:
        log.exception("internal error while streaming a chat completion")
        yield f"data: {json.dumps(error_body(500, 'internal server error'))}\n\n"
    yield "data: [DONE]\n\n"


@router.post("/embeddings", summary="embeddings from a collection's embedder")
def embeddings(body: EmbeddingRequest, state: StateDep, principal: PrincipalDep) -> dict[str, Any]:
    served = state.get(body.model, principal)
    texts = [body.input] if isinstance(body.input, str) else body.input
    if any(len(t) > 32_000 for t in texts):
        raise ConfigError("each input must be at most 32000 characters")
    vectors = np.asarray(served.collection.embedder().embed(texts), dtype=np.float32)  # (n, dim)
    data = []
    for i, vec in enumerate(vectors):
        emb: Any = (
            base64.b64encode(vec.astype("<f4").tobytes()).decode("ascii")
            if body.encoding_format == "base64"
            else [float(x) for x in vec]
        )
        data.append({"object": "embedding", "index": i, "embedding": emb})
    n = sum(len(t.split()) for t in texts)
    return {"object": "list", "data": data, "model": body.model,
            "usage": {"prompt_tokens": n, "total_tokens": n}}  # fmt: skip
