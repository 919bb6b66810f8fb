"""The server's two ASGI middlewares: the guard in front of every route, and request metrics.

They are plain ASGI (not ``BaseHTTPMiddleware``) because the guard must answer from the headers
alone: a request refused for its key, its Host, its Origin, its rate or its declared size is
answered before one byte of its body is received. A body that is let in is counted as it
streams, chunked or not, and stopped at its limit with 413.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veracity.server import security
from veracity.server.errors import ApiError, error_body
from veracity.server.state import Principal, ServerState

PRINCIPAL = "veracity.principal"  # the scope key under which the guard leaves the caller
_ENVELOPE = 64 * 1024  # room for the multipart headers and boundaries around an upload


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a body passes its limit (the guard answers 413)."""


async def send_error(
    send: Send, status: int, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(error_body(status, message)).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Host and Origin checks (open local mode), the API key and rate limit (before any body is
    read), and the body size limits. Leaves the caller in ``scope[PRINCIPAL]`` for the routes."""

    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state
        self.proxies = state.config.proxy_networks()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            limit = self.admit(scope, headers)
        except ApiError as refused:
            await send_error(send, refused.status, refused.message, refused.headers)
            return
        await self.limited(scope, receive, send, limit)

    def admit(self, scope: Scope, headers: Headers) -> int:
        """Check the request from its headers; raise ApiError, or return its body limit."""
        method, path = scope["method"], scope["path"]
        # A public path (the health check) takes the auth mode as last decided: no database
        # read, so no lock; a key created meanwhile only leaves it under the open-mode checks.
        public = security.is_public(path)
        if self.state.auth_known() if public else self.state.auth_required():
            if not security.is_public(path):
                principal = self.authenticate(headers)
                self.rate_limit(principal.id)
                scope[PRINCIPAL] = principal
                if security.is_upload(method, path):
                    principal.upload_labels(())  # no upload right or no label: 403, body unread
        else:
            self.open_mode_checks(scope, headers)
            scope[PRINCIPAL] = self.state.local_admin()
            if not security.is_public(path):
                self.rate_limit(f"ip:{self.client(scope, headers)}")
        config = self.state.config
        limit = (
            config.max_upload_bytes + _ENVELOPE
            if security.is_upload(method, path)
            else config.max_json_bytes
        )
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            raise ApiError(400, f"bad Content-Length {length!r}: send the body's size in bytes")
        if length is not None and int(length) > limit:
            raise ApiError(413, _too_large(limit, security.is_upload(method, path)))
        return limit

    def authenticate(self, headers: Headers) -> Principal:
        principal = self.state.authenticate(security.token_from(headers))
        if principal is not None:
            return principal
        how = "create one with `veracity keys create --collections DIR [--labels a,b]`"
        if not self.state.has_active_keys():
            message = (
                "this server requires an API key and none is active (revoked or never made); "
                f"{how}, then send it as 'Authorization: Bearer vk_...'"
            )
        else:
            message = f"missing or invalid API key: send 'Authorization: Bearer vk_...' ({how})"
        raise ApiError(401, message, {"WWW-Authenticate": "Bearer"})

    def rate_limit(self, caller: str) -> None:
        limiter = self.state.limiter
        wait = limiter.take(caller)
        if wait > 0:
            config = self.state.config
            raise ApiError(
                429,
                f"rate limit exceeded ({config.rate:g} requests/s, burst {config.burst}); "
                "retry after the Retry-After header's seconds",
                {"Retry-After": limiter.retry_after(wait)},
            )

    def open_mode_checks(self, scope: Scope, headers: Headers) -> None:
        server = scope.get("server")
        port = int(server[1]) if server and server[1] is not None else None
        scheme = str(scope.get("scheme", "http"))
        host = headers.get("host")
        config = self.state.config
        names = {*security.LOOPBACK_NAMES, *([config.host.lower()] if config.loopback else [])}
        refusal = security.host_refusal(host, scheme, port, names)
        if refusal is not None:
            raise ApiError(400, refusal)
        own_host, own_port = security.split_host(host or "", scheme) or ("", 0)
        refusal = security.origin_refusal(
            scope["method"], headers.get("origin"), headers.get("referer"),
            ("https" if scheme in ("https", "wss") else "http", own_host, own_port),
            config.cors_origins,
        )  # fmt: skip
        if refusal is not None:
            raise ApiError(403, refusal)

    def client(self, scope: Scope, headers: Headers) -> str:
        peer = scope.get("client")
        return security.client_address(
            str(peer[0]) if peer else None, headers.get("x-forwarded-for"), self.proxies
        )

    async def limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app with a receive that stops the body at ``limit`` bytes. The app may turn
        that error into a response of its own (FastAPI answers 400 for a body it could not
        parse); the guard replaces it with the 413."""
        seen = 0
        over = started = replaced = False
        upload = security.is_upload(scope["method"], scope["path"])

        async def counted() -> Message:
            nonlocal seen, over
            if over:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started, replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                if over:
                    replaced = True
                    await send_error(send, 413, _too_large(limit, upload))
                    return
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            if started:
                raise
        if over and not started and not replaced:
            await send_error(send, 413, _too_large(limit, upload))


def _too_large(limit: int, upload: bool) -> str:
    if upload:
        return (
            f"upload larger than the {limit - _ENVELOPE} byte limit; the server's --max-upload-mb "
            "sets it"
        )
    return f"request body larger than the {limit} byte limit; the server's --max-json-mb sets it"


class MetricsMiddleware:
    """Counts every response by route and status with its latency (refusals of the guard too),
    and marks every response ``X-Content-Type-Options: nosniff``."""

    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.metrics = state.metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def measured(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                raw: list[Any] = list(message.get("headers", []))
                if not any(k.lower() == b"x-content-type-options" for k, _ in raw):
                    raw.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, receive, measured)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "other"
            self.metrics.record(f"{scope['method']} {name}", status, time.perf_counter() - start)
