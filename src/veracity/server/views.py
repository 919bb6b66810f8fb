"""Records to JSON-able dicts for responses, and answer footnotes for OpenAI clients."""

from __future__ import annotations

from typing import Any

from veracity.records import Answer, Document, Hit
from veracity.store.chat import Session, Turn
from veracity.store.sqlite import DocumentInfo


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {
        "chunk": c.id, "document": c.document_id, "uri": hit.uri, "score": round(hit.score, 6),
        "text": c.text, "start": c.start, "end": c.end, "page": c.page,
    }  # fmt: skip


def doc_info_to_dict(d: DocumentInfo) -> dict[str, Any]:
    return {
        "id": d.id, "uri": d.uri, "name": display_name(d.uri, d.title), "title": d.title,
        "mime": d.mime, "labels": list(d.labels), "metadata": d.metadata, "chars": d.size_chars,
        "chunks": d.n_chunks, "created_at": d.created_at, "updated_at": d.updated_at,
    }  # fmt: skip


def display_name(uri: str, title: str = "") -> str:
    """The file name of a document (its title is a separate field)."""
    return uri.rstrip("/").rsplit("/", 1)[-1] or title or uri


def text_window(doc: Document, start: int | None, end: int | None, context: int) -> dict[str, Any]:
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
        "id": doc.id, "uri": doc.uri, "name": display_name(doc.uri, doc.title),
        "mime": doc.mime, "length": n, "offset": lo, "text": doc.text[lo:hi],
        "highlight": {"start": s - lo, "end": e - lo}, "page": doc.page_at(s),
        "pages": len(doc.page_starts) or None,
    }  # fmt: skip


def session_to_dict(s: Session) -> dict[str, Any]:
    return {"id": s.id, "title": s.title, "created_at": s.created_at, "updated_at": s.updated_at}


def turn_to_dict(t: Turn) -> dict[str, Any]:
    import json

    return {
        "role": t.role,
        "content": t.content,
        "answer": json.loads(t.answer_json) if t.answer_json else None,
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
