"""The HTTP face: Veracity's own API, an OpenAI-compatible API and a web page, in one process.

Build the app with ``create_app(ServerConfig(...))``; ``veracity serve`` runs it under uvicorn.
Importing this package imports FastAPI (the ``server`` extra); nothing else in Veracity does.

Routes (``/openapi.json`` has them all)::

    GET  /                                   the web page (static files under /static)
    GET  /api/health                         liveness and auth mode (no key needed)
    GET  /api/metrics                        request counts, 5xx, latency p50/p99
    GET  /api/collections                    collections the key may use
    GET  /api/collections/{c}/documents      documents the key may see
    POST /api/collections/{c}/documents      upload a file (multipart) and ingest it
    GET  /api/collections/{c}/documents/{id}            one document's details
    GET  /api/collections/{c}/documents/{id}/text       text, or a window around [start, end)
    DELETE /api/collections/{c}/documents/{id}
    POST /api/collections/{c}/search         ranked passages
    POST /api/collections/{c}/ask            cited answer; "stream": true for server-sent events
    GET|POST /api/collections/{c}/chats, GET|DELETE /api/collections/{c}/chats/{id}
    DELETE /api/collections/{c}/cache        clear the answer cache (local admin only)
    GET  /v1/models, POST /v1/chat/completions, POST /v1/embeddings   (OpenAI-compatible)

Security model:

- API keys (``veracity keys create --collections DIR ... --labels a,b``) are ``vk_<id>_<secret>``
  tokens, stored as SHA-256 only, in each collection they open; sent as ``Authorization: Bearer``
  (what OpenAI clients send) or ``X-API-Key``. Revocation takes effect on the next request.
- A key sees a document iff the document has no labels or shares one with the key. Every
  retrieval (search, ask, chat completions) runs with ``Filter(labels=key.labels)``; listing,
  details, text and delete check the same rule; invisible documents answer 404 like missing ones.
  The answer cache is keyed by that filter; chat sessions are owned by the key that made them.
  Uploads by a key default to the key's labels and may only carry labels the key holds.
- No key in any served collection: the server is open to the local machine (admin, no ACL) and
  only binds to loopback, saying so in its startup log; on any other address it refuses to start.
  Once a key exists, every route but the health check, the schema and the page's static files
  needs one.
- Uploads: allowed extensions only, declared content type must fit the extension, PDF/DOCX magic
  bytes checked, size limit (``--max-upload-mb``; bodies over it are refused before reading),
  client file names sanitized and stored under ``<collection>/uploads/<key id>/``.
- A token bucket per key (``--rate``, ``--burst``) answers 429 with ``Retry-After``. CORS is off
  unless ``--cors-origin`` names origins. Errors are ``{"error": {"message", "type", "code"}}``;
  unexpected exceptions give a generic 500 and are logged server-side, never sent to clients.
"""

from __future__ import annotations

from veracity.server.app import create_app
from veracity.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
