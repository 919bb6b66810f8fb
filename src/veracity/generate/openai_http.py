"""A client for any OpenAI-compatible ``/v1/chat/completions`` server (OpenAI, vLLM, llama.cpp
server, Ollama, LM Studio, our own ``veracity serve``), streaming with server-sent events.

Retries use exponential backoff with full jitter on connection failures, 429 and 5xx, and only
before the first piece of text is yielded (a stream cut in the middle cannot be resumed without
repeating text). Other 4xx answers (bad key, bad model) are raised at once with the server's
message.
Read timeouts are not retried: the server may still be working, and a retry would pay twice.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from typing import Any

from veracity.errors import GenerationError, MissingDependency
from veracity.generate.base import apply_stops, require_support
from veracity.records import Decoding, Message

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


# The OpenAI API has no beam search (vLLM dropped its ``use_beam_search`` extension in 0.6.3).
UNSUPPORTED = {
    "num_beams": "OpenAI-compatible servers have no standard beam search; use an 'hf:<folder>' "
    "model (our loop), or num_beams=1 with extra_body={...} holding your server's own fields",
    "length_penalty": "length_penalty only applies to beam search; leave it at 1.0",
    "early_stopping": "early_stopping only applies to beam search; leave it False",
}


def decoding_fields(decoding: Decoding) -> dict[str, Any]:
    """Request fields for ``decoding``. Standard OpenAI fields always; ``top_k``,
    ``repetition_penalty``, ``min_p`` and ``typical_p`` (understood by vLLM, llama.cpp and most
    local servers, rejected by some hosted APIs) only when they are not the neutral value.
    Raises ``ConfigError`` for beam search, which the API does not have."""
    require_support(decoding, "OpenAI-compatible", UNSUPPORTED)
    fields: dict[str, Any] = {
        "temperature": decoding.temperature,
        "max_tokens": decoding.max_tokens,
    }
    if decoding.top_p < 1.0:
        fields["top_p"] = decoding.top_p
    if decoding.seed is not None:
        fields["seed"] = decoding.seed
    if decoding.stop:
        fields["stop"] = list(decoding.stop)
    if decoding.top_k > 0:
        fields["top_k"] = decoding.top_k
    if decoding.repetition_penalty != 1.0:
        fields["repetition_penalty"] = decoding.repetition_penalty
        fields["repeat_penalty"] = decoding.repetition_penalty  # llama.cpp's name for it
    if decoding.min_p > 0.0:
        fields["min_p"] = decoding.min_p
    if decoding.typical_p < 1.0:
        fields["typical_p"] = decoding.typical_p
    return fields


class OpenAIGenerator:
    """Chat generation through an OpenAI-compatible HTTP server.

    ``base_url`` ends before ``/chat/completions`` (``http://127.0.0.1:8080/v1``); default from
    ``OPENAI_BASE_URL``, then OpenAI's. ``api_key`` default from ``OPENAI_API_KEY`` (local servers
    usually need none). ``timeout``: seconds to wait for any read; ``connect_timeout`` for the
    connection. ``max_retries`` extra attempts, backoff ``backoff * 2**attempt`` seconds (capped at
    ``max_backoff``; a 429's ``Retry-After`` is honoured up to the cap). ``extra_body`` is merged
    into every request. ``transport``: an ``httpx`` transport (tests use ``httpx.MockTransport``).
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        stream: bool = True,
        context_size: int | None = None,
        extra_body: dict[str, Any] | None = None,
        transport: Any = None,
    ) -> None:
        try:
            import httpx
        except ImportError as exc:
            raise MissingDependency(
                "the OpenAI-compatible client", extra="openai", package="httpx"
            ) from exc
        self.model = model
        self.name = f"openai:{model}"
        url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = url.rstrip("/")
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
        self.stream = stream
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.extra_body = dict(extra_body or {})
        if context_size is not None:
            self.context_size = context_size
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": self.stream,
            **decoding_fields(decoding),
            **self.extra_body,
        }
        # The server applies ``stop`` too; applying it here as well covers servers that ignore it.
        return apply_stops(self._with_retries(body), decoding.stop)

    def _with_retries(self, body: dict[str, Any]) -> Iterator[str]:
        import httpx

        attempt = 0
        while True:
            yielded = False
            try:
                for piece in self._request(body):
                    yielded = True
                    yield piece
                return
            except _Retryable as exc:
                if yielded or attempt >= self.max_retries:
                    raise GenerationError(
                        f"{self.base_url} failed after {attempt + 1} attempts: {exc.reason}"
                    ) from None
                delay = exc.retry_after if exc.retry_after is not None else self._delay(attempt)
            except httpx.TimeoutException as exc:
                raise GenerationError(
                    f"{self.base_url} did not answer in time ({type(exc).__name__}); "
                    "raise timeout= or check the server"
                ) from exc
            except httpx.TransportError as exc:  # connect errors and dropped connections
                if yielded or attempt >= self.max_retries:
                    raise GenerationError(
                        f"cannot reach {self.base_url} after {attempt + 1} attempts: {exc}. "
                        "Check base_url and that the server is running"
                    ) from exc
                delay = self._delay(attempt)
            time.sleep(min(delay, self.max_backoff))
            attempt += 1

    def _delay(self, attempt: int) -> float:
        # Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    def _request(self, body: dict[str, Any]) -> Iterator[str]:
        with self._client.stream("POST", "/chat/completions", json=body) as response:
            if response.status_code >= 400:
                response.read()
                _raise_for_status(response)
            if not body["stream"]:
                data = response.read()
                yield from _message_text(_json(data))
                return
            yield from _sse_text(response.iter_lines())


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _raise_for_status(response: Any) -> None:
    status = response.status_code
    detail = _error_detail(response.text)
    reason = f"HTTP {status}: {detail}"
    if status in RETRY_STATUS:
        raise _Retryable(reason, _retry_after(response.headers.get("retry-after")))
    if status in (401, 403):
        raise GenerationError(
            f"{response.request.url} refused the credentials ({reason}). "
            "Pass api_key= or set OPENAI_API_KEY"
        )
    raise GenerationError(f"{response.request.url} rejected the request ({reason})")


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: fall back to our own backoff
        return None


def _error_detail(text: str) -> str:
    try:
        err = json.loads(text).get("error", text)
    except (ValueError, AttributeError):
        return text[:300]
    return str(err.get("message", err) if isinstance(err, dict) else err)[:300]


def _json(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise GenerationError(f"the server sent invalid JSON: {str(data)[:200]!r}") from exc


def _message_text(payload: Any) -> Iterator[str]:
    try:
        content = payload["choices"][0]["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise GenerationError(f"unexpected response shape: {str(payload)[:200]}") from exc
    if content:
        yield content


def _sse_text(lines: Iterator[str]) -> Iterator[str]:
    """Text deltas of an OpenAI chat stream: ``data: {json}`` events until ``data: [DONE]``."""
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, comments (": ping"), event names
        data = line[5:].strip()
        if data == "[DONE]":
            return
        event = _json(data)
        if isinstance(event, dict) and "error" in event:
            raise GenerationError(f"the server reported an error mid-stream: {event['error']}")
        for choice in event.get("choices", ()):
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                yield piece
