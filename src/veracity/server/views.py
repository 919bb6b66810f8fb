"""Records to JSON-able dicts for responses, and answer footnotes for OpenAI clients.

Responses never carry an absolute path of the server's file system: a document's ``uri`` is
shown by ``public_uri`` (relative to the collection directory for files kept there, such as
uploads, and by file name for files ingested from elsewhere; the document id is what identifies
a document). ``root`` below is the collection directory, resolved (``root_of``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from veracity.records import Answer, Document, Hit
from veracity.store.chat import Session, Turn
from veracity.store.rows import DocumentInfo


def root_of(collection_dir: Path) -> str:
    """The collection directory as ``public_uri`` compares it."""
    return str(collection_dir.resolve())


def public_uri(uri: str, root: str) -> str:
    """``uri`` without the server's directories: ``uploads/<key>/notes.md`` for a file under the
    collection directory ``root``, ``notes.md`` (``rows.jsonl#7`` for a row) for any other
    absolute path, and URLs or other schemes (``mem://x``) unchanged."""
    prefix = root.rstrip(os.sep) + os.sep
    if uri.startswith(prefix):
        return uri[len(prefix) :].replace(os.sep, "/")
    if not os.path.isabs(uri):
        return uri
    head, sep, row = uri.partition("#")  # rows are "<file>#<row id>"
    return os.path.basename(head) + sep + row


def public_name(spec: str | None) -> str | None:
    """A backend name as clients see it: a model given as a path shows its last component."""
    if spec is None or not os.path.isabs(spec):
        return spec
    return os.path.basename(spec.rstrip(os.sep)) or spec


def public_answer(d: dict[str, Any], root: str) -> dict[str, Any]:
    """An ``answer_to_dict`` (or stored turn answer) with its citations' uris made public."""
    out = dict(d)
    out["citations"] = [{**c, "uri": public_uri(c["uri"], root)} for c in d.get("citations", [])]
    for key in ("short", "closest"):
        if d.get(key):
            out[key] = {**d[key], "uri": public_uri(d[key]["uri"], root)}
    return out


def public_report(d: dict[str, Any], root: str) -> dict[str, Any]:
    """An ingest report's dict with the failed documents' uris made public."""
    failed = [{**f, "uri": public_uri(f["uri"], root)} for f in d.get("failed", [])]
    return {**d, "failed": failed}


def hit_to_dict(hit: Hit, root: str) -> dict[str, Any]:
    c = hit.chunk
    return {
        "chunk": c.id, "document": c.document_id, "uri": public_uri(hit.uri, root),
        "score": round(hit.score, 6), "text": c.text, "start": c.start, "end": c.end,
        "page": c.page,
    }  # fmt: skip


def doc_info_to_dict(d: DocumentInfo, root: str) -> dict[str, Any]:
    return {
        "id": d.id, "uri": public_uri(d.uri, root), "name": display_name(d.uri, d.title),
        "title": d.title,
        "mime": d.mime, "labels": list(d.labels), "metadata": d.metadata, "chars": d.size_chars,
        "chunks": d.n_chunks, "created_at": d.created_at, "updated_at": d.updated_at,
    }  # fmt: skip


def display_name(uri: str, title: str = "") -> str:
    """The file name of a document (its title is a separate field)."""
    return uri.rstrip("/").rsplit("/", 1)[-1] or title or uri


def text_window(
    doc: Document, start: int | None, end: int | None, context: int, root: str
) -> dict[str, Any]:
    """The document's text, or ``context`` characters either side of ``[start, end)`` with the
    span's offsets relative to the returned text, and the PDF page the span starts on."""
    n = len(doc.text)
    if start is None and end is None:
        lo, hi, s, e = 0, n, 0, 0
    else:
        s = 0 if start is None else start
        e = n if end is None else end
        if not 0 <= s <= e <= n:
            from veracity.errors import ConfigError

            raise ConfigError(f"bad span [{s}, {e}): need 0 <= start <= end <= {n}")
        lo, hi = max(0, s - context), min(n, e + context)
    return {
        "id": doc.id, "uri": public_uri(doc.uri, root), "name": display_name(doc.uri, doc.title),
        "mime": doc.mime, "length": n, "offset": lo, "text": doc.text[lo:hi],
        "highlight": {"start": s - lo, "end": e - lo}, "page": doc.page_at(s),
        "pages": len(doc.page_starts) or None,
    }  # fmt: skip


def session_to_dict(s: Session) -> dict[str, Any]:
    return {"id": s.id, "title": s.title, "created_at": s.created_at, "updated_at": s.updated_at}


def turn_to_dict(t: Turn, root: str) -> dict[str, Any]:
    import json

    return {
        "role": t.role,
        "content": t.content,
        "answer": public_answer(json.loads(t.answer_json), root) if t.answer_json else None,
    }


def footnotes(answer: Answer) -> str:
    """Citations as Markdown footnotes appended to the answer text (for plain OpenAI clients)."""
    if not answer.citations:
        return ""
    lines = []
    for c in answer.citations:
        page = f", page {c.page}" if c.page else ""
        snippet = " ".join(c.text.split())
        snippet = snippet[:120] + ("..." if len(snippet) > 120 else "")
        lines.append(f"[{c.n}]: {display_name(c.uri)}{page}, chars {c.start}-{c.end}: {snippet}")
    return "\n\n" + "\n".join(lines)
