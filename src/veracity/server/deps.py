"""Request dependencies: the server state, the authenticated caller, and the rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from veracity.server.errors import ApiError
from veracity.server.state import Principal, ServerState


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.veracity
    return state


def bearer_token(request: Request) -> str | None:
    """The API key from ``Authorization: Bearer ...`` (what OpenAI clients send) or ``X-API-Key``."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def get_principal(request: Request, state: Annotated[ServerState, Depends(get_state)]) -> Principal:
    principal = state.authenticate(bearer_token(request))
    if principal is None:
        raise ApiError(
            401,
            "missing or invalid API key: send 'Authorization: Bearer vk_...' "
            "(create one with `veracity keys create --collections DIR`)",
            {"WWW-Authenticate": "Bearer"},
        )
    caller = principal.id or f"ip:{request.client.host if request.client else '?'}"
    wait = state.limiter.take(caller)
    if wait > 0:
        raise ApiError(
            429,
            f"rate limit exceeded ({state.config.rate:g} requests/s, burst "
            f"{state.config.burst}); retry after the Retry-After header's seconds",
            {"Retry-After": state.limiter.retry_after(wait)},
        )
    return principal


StateDep = Annotated[ServerState, Depends(get_state)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
