"""The FastAPI application: routers, error handlers, metrics, limits, CORS, the web page."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from veracity import __version__
from veracity.server import routes_ask, routes_docs, routes_openai
from veracity.server.config import ServerConfig
from veracity.server.errors import error_response, install_handlers
from veracity.server.state import ServerState

STATIC = Path(__file__).with_name("static")
# The page uses only its own files: no inline script, no CDN.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def create_app(config: ServerConfig, state: ServerState | None = None) -> FastAPI:
    """The app serving ``config.collections``; pass ``state`` to share one across apps (tests)."""
    server_state = state or ServerState(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if state is None:
            server_state.close()

    app = FastAPI(
        title="Veracity",
        version=__version__,
        summary="Grounded, cited answers over your documents; OpenAI-compatible routes under /v1.",
        lifespan=lifespan,
    )
    app.state.veracity = server_state
    install_handlers(app)
    _middleware(app, server_state)
    app.include_router(routes_docs.router)
    app.include_router(routes_ask.router)
    app.include_router(routes_openai.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": _CSP})

    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    return app


def _middleware(app: FastAPI, state: ServerState) -> None:
    limit = state.config.max_upload_bytes + 64 * 1024  # room for the multipart envelope

    @app.middleware("http")
    async def guard_and_measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            response: Response = error_response(
                413, f"request body larger than the {state.config.max_upload_bytes} byte limit"
            )
        else:
            response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        route = request.scope.get("route")
        name = getattr(route, "path", None) or "other"
        state.metrics.record(f"{request.method} {name}", response.status_code,
                             time.perf_counter() - start)  # fmt: skip
        return response
