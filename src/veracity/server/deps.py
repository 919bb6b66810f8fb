"""Request dependencies: the server state and the caller.

The caller is authenticated (and rate limited) by ``middleware.GuardMiddleware`` from the request
headers, before any body is read; routes only pick up what it left in the request scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from veracity.server.errors import ApiError
from veracity.server.middleware import PRINCIPAL
from veracity.server.state import Principal, ServerState


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.veracity
    return state


def get_principal(request: Request) -> Principal:
    """The caller the guard admitted. Fails closed: a route that needs a caller but sits under a
    public path (where the guard checks no key) answers 401 rather than serve anyone."""
    principal = request.scope.get(PRINCIPAL)
    if not isinstance(principal, Principal):
        raise ApiError(
            401,
            "missing or invalid API key: send 'Authorization: Bearer vk_...' "
            "(create one with `veracity keys create --collections DIR`)",
            {"WWW-Authenticate": "Bearer"},
        )
    return principal


StateDep = Annotated[ServerState, Depends(get_state)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
