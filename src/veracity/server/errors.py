"""Every error leaves the server as JSON ``{"error": {"message", "type"}}`` (the OpenAI shape).

``VeracityError`` maps to the status of its class (``HTTP_STATUS``, the most specific class wins)
and its message; request validation to 422 with the
offending fields; anything else to 500 with a generic message, the traceback logged server-side
and never sent to the client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from veracity.errors import (
    ConfigError,
    EmbedderMismatch,
    EvaluationError,
    GenerationError,
    GuardError,
    IndexError_,
    LoaderError,
    ModelNotFound,
    NotFound,
    StoreError,
    VeracityError,
)

log = logging.getLogger("veracity.server")

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


class ApiError(Exception):
    """An HTTP error raised by the server's own checks (auth, limits, uploads)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "code": status}}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def _field(loc: Any) -> str:
    parts = [str(p) for p in loc[1:]]  # loc[0] is where: body, query, path, header
    return ".".join(parts) or "request"


# The HTTP status of each core error class; a subclass not listed takes its nearest parent's.
HTTP_STATUS: dict[type[VeracityError], int] = {
    VeracityError: 400,
    ConfigError: 422,
    LoaderError: 422,
    StoreError: 500,
    EmbedderMismatch: 409,
    NotFound: 404,
    IndexError_: 500,
    GenerationError: 502,
    ModelNotFound: 422,
    GuardError: 400,
    EvaluationError: 422,
}


def status_of(exc: VeracityError) -> int:
    """The HTTP status for ``exc``: its class's, or its nearest listed parent's."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(VeracityError)
    async def _veracity(request: Request, exc: VeracityError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        return error_response(status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        return error_response(422, f"invalid request: {problems}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, "internal server error; the server log has the details")
