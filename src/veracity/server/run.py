"""Start the server under uvicorn, with the bind-address policy for unauthenticated use.

Policy: with no active API key in any served collection at start the server is open, and only on
a loopback address (anyone who can reach 127.0.0.1 is already on the machine); it says so at start.
Bound to any other address it refuses to start until a key exists. A server that started with a
key, or bound beyond loopback, needs one on every route but /api/health, /openapi.json, /docs and
the page's static files for its whole life: revoking every key closes it, it never reopens.
"""

from __future__ import annotations

import logging

from veracity.errors import ConfigError
from veracity.guard.quarantine import sentence_encoder
from veracity.server.app import create_app
from veracity.server.config import ServerConfig, describe
from veracity.server.state import ServerState

log = logging.getLogger("veracity.server")


def check_bind(config: ServerConfig, state: ServerState) -> str:
    """The auth mode line for the log, or ConfigError if this bind would expose an open server."""
    if not config.loopback and not state.has_active_keys():
        raise ConfigError(
            f"refusing to serve on {config.host} without API keys: anyone on the network could read "
            "every document. Create a key first (`veracity keys create --collections DIR "
            "--labels ...`), or serve on 127.0.0.1"
        )
    if state.auth_required():
        return "API keys required (Authorization: Bearer vk_...)"
    return (
        "no API keys exist: OPEN admin access for anyone on this machine (loopback only); "
        "create a key with `veracity keys create` to require keys"
    )


def serve(config: ServerConfig, port: int, log_level: str = "info") -> None:
    import uvicorn

    logging.basicConfig(level=log_level.upper(), format="%(levelname)s: %(message)s")
    state = ServerState(config)
    mode = check_bind(config, state)
    # Uploads are scanned with the injection encoder: build it now (its ONNX model is exported
    # once per machine, about 10 s), not inside the first upload's request.
    sentence_encoder()
    app = create_app(config, state)
    log.warning("veracity: %s", mode) if "OPEN" in mode else log.info("veracity: %s", mode)
    names = ", ".join(f"{n} ({describe(p)})" for n, p in config.collections.items())
    log.info("veracity: serving %s with generator %r on http://%s:%d/", names,
             config.generator, config.host, port)  # fmt: skip
    try:
        # proxy_headers off: X-Forwarded-For is honoured only from config.trusted_proxies, by the
        # app itself (uvicorn's default would trust it from any loopback peer).
        uvicorn.run(app, host=config.host, port=port, log_level=log_level, server_header=False,
                    proxy_headers=False)  # fmt: skip
    finally:
        state.close()
