"""The FastAPI application: routers, error handlers, the guard and metrics middlewares, CORS, the
web page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from veracity import __version__
from veracity.server import routes_ask, routes_docs, routes_openai, routes_tasks
from veracity.server.config import ServerConfig
from veracity.server.errors import install_handlers
from veracity.server.middleware import GuardMiddleware, MetricsMiddleware
from veracity.server.state import ServerState

STATIC = Path(__file__).with_name("static")
# The page uses only its own files: no inline script, no CDN.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


SWEEP_INTERVAL = 300.0  # seconds between sweeps for uploads deleted through another replica


async def _sweep_uploads(state: ServerState) -> None:
    """Every ``SWEEP_INTERVAL``, in a worker thread: ``ServerState.sweep_uploads``. A failure
    (the database briefly unreachable) is logged and the next sweep tries again."""
    while True:
        await asyncio.sleep(SWEEP_INTERVAL)
        try:
            await asyncio.to_thread(state.sweep_uploads)
        except Exception:  # a sweep must never take the server down
            logging.getLogger("veracity.server").exception("upload sweep failed")


def create_app(config: ServerConfig, state: ServerState | None = None) -> FastAPI:
    """The app serving ``config.collections``; pass ``state`` to share one across apps (tests)."""
    server_state = state or ServerState(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sweeper = asyncio.create_task(_sweep_uploads(server_state))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
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
    app.include_router(routes_docs.router)
    app.include_router(routes_ask.router)
    app.include_router(routes_tasks.router)
    app.include_router(routes_openai.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": _CSP})

    # The last added runs first: metrics see every answer, CORS answers preflights (which carry
    # no key) before the guard, and the guard runs before any route reads a body.
    app.add_middleware(GuardMiddleware, state=server_state)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    app.add_middleware(MetricsMiddleware, state=server_state)
    return app
