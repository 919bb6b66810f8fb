"""The HTTP face: Veracity's own API, an OpenAI-compatible API and a web page, in one process.

Build the app with ``create_app(ServerConfig(...))``; ``veracity serve`` runs it under uvicorn.
Importing this package imports FastAPI (the ``server`` extra); nothing else in Veracity does.

Routes (``/openapi.json`` has them all)::

    GET  /                                   the web page (static files under /static)
    GET  /api/health                         liveness and auth mode (no key needed)
    GET  /api/metrics                        request counts, 5xx, latency p50/p99 (admin right)
    GET  /api/collections                    collections the key may use
    GET  /api/collections/{c}/documents      documents the key may see
    POST /api/collections/{c}/documents      upload a file (multipart) and ingest it (upload right)
    GET  /api/collections/{c}/documents/{id}            one document's details
    GET  /api/collections/{c}/documents/{id}/text       text, or a window around [start, end)
    DELETE /api/collections/{c}/documents/{id}                 (delete right)
    POST /api/collections/{c}/search         ranked passages
    POST /api/collections/{c}/ask            cited answer; "stream": true for server-sent events
    GET|POST /api/collections/{c}/chats, GET|DELETE /api/collections/{c}/chats/{id}
    DELETE /api/collections/{c}/cache        clear the answer cache (local admin only)
    POST /api/collections/{c}/summarize|classify|sentiment|entities|complaints
                                             business tasks on given text or visible documents
    GET  /v1/models, POST /v1/chat/completions, POST /v1/embeddings   (OpenAI-compatible)

Security model (the checks before any route live in ``security.py`` and ``middleware.py``):

- API keys (``veracity keys create --collections DIR ... --labels a,b --can upload,delete``) are
  ``vk_<id>_<secret>`` tokens, stored as SHA-256 only, in each collection they open; sent as
  ``Authorization: Bearer`` (what OpenAI clients send) or ``X-API-Key``. Revocation takes effect
  on the next request.
- Rights: every key may read (list, search, ask, chat); ``upload``, ``delete`` and ``admin``
  (``/api/metrics``, which shows every key's traffic) must be granted (``--can``, or later
  ``veracity keys grant ID --collections DIR --can RIGHTS``). A key is read-only by default, and
  so is every key made before rights existed. A route that needs a right the key lacks answers
  403 naming the right and that command; an upload without the right is refused unread. The
  local admin of open loopback mode has every right.
- The key is checked from the headers before any body is read: a request without a valid key is
  answered 401 unread. Bodies are counted as they stream (chunked ones too) and cut off with 413
  past ``--max-upload-mb`` (file uploads) or ``--max-json-mb`` (everything else, 1 MB by default).
- A key sees a document iff the document has no labels or shares one with the key. Every
  retrieval (search, ask, chat completions) and every document read (listing, counts, details,
  text, the check before a delete, every task's input) passes ``Filter(labels=key.labels)`` down to the store, which
  applies the rule in SQL (paging counts only visible documents); invisible documents answer
  404 like missing ones.
  The answer cache is keyed by that filter and re-checks it on every hit (a relabelled source
  keeps its chunk ids); chat sessions are owned by the key that made them.
- Upload labels, so that an upload is never visible to more keys than its uploader chose: a key's
  upload carries exactly one label, the key's first (``--labels hr,ops`` uploads as ``hr``),
  unless the ``labels`` form field names others of the key's own labels (any other label: 403).
  A key without labels may not upload even with the upload right: its document would carry no
  label and so be visible to every key of the collection, including keys made later. Only the
  local admin of open loopback mode (no keys at all) uploads unlabelled documents, by default.
  Deleting a document deletes its uploaded file once no document comes from it any more.
- The auth mode is fixed at start. No key in any served collection: the server is open to the
  local machine (admin, no ACL) and only binds to loopback, saying so in its startup log; on any
  other address it refuses to start. A server started with a key, or bound beyond loopback, needs
  one on every route but the health check, the schema and the page's static files for its whole
  life: revoking the last key closes it (401 for everyone), it never reopens. An open server that
  sees a key created while it runs starts requiring keys too.
- Open mode guards against web pages: only loopback Host names with the server's port are served
  (DNS rebinding), and POST/PUT/PATCH/DELETE whose Origin (or Referer) is not the server's own
  origin or a ``--cors-origin`` are refused with 403 (cross-site writes). ``X-Forwarded-For``
  names the client for the anonymous rate limit only from a ``--trusted-proxy``.
- Uploads: allowed extensions only, declared content type must fit the extension, PDF/DOCX magic
  bytes checked, client file names sanitized and stored under ``<collection>/uploads/<key id>/``.
  Each upload is parsed in a worker process with a time and a memory limit
  (``ServerConfig.parse_limits``: 30 s, 2 GiB) after zip-based files passed their decompression
  checks; a file that overruns is the upload's failed document, never a stalled server.
- Readers never wait for writers: the health check takes no lock at all, searches and answers
  only an index lock held for lookups; parses and generations hold nothing readers need.
- Responses name no absolute server path: a document's ``uri`` is relative to the collection
  directory for uploads (``uploads/<key id>/notes.md``) and just the file name for files ingested
  from elsewhere (``views.public_uri``; the document id is what identifies a document).
- Chat completions take at most 100 messages of at most 16000 characters each (the question
  4000), enough to replay any reply this server writes.
- A token bucket per key (``--rate``, ``--burst``) answers 429 with ``Retry-After``. CORS is off
  unless ``--cors-origin`` names origins. Errors are ``{"error": {"message", "type", "code"}}``;
  unexpected exceptions give a generic 500 and are logged server-side, never sent to clients.
"""

from __future__ import annotations

from veracity.server.app import create_app
from veracity.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
