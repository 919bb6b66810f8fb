"""``Answer`` to and from plain JSON-able dicts (the CLI's ``--json``, the cache, the server)."""

from __future__ import annotations

from typing import Any

from veracity.records import Answer, Citation, SentenceSupport


def citation_to_dict(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n, "document": c.document_id, "uri": c.uri, "page": c.page,
        "start": c.start, "end": c.end, "text": c.text, "chunk": c.chunk_id,
    }  # fmt: skip


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "reason": answer.reason,
        "citations": [citation_to_dict(c) for c in answer.citations],
        "sentences": [
            {
                "text": s.text,
                "citations": list(s.citations),
                "supported": s.supported,
                "score": s.score,
                "problems": list(s.problems),
            }
            for s in answer.sentences
        ],
        "short": None if answer.short is None else citation_to_dict(answer.short),
        "style": answer.style,
        "closest": None if answer.closest is None else citation_to_dict(answer.closest),
        "timings_ms": dict(answer.timings_ms),
        "warnings": list(answer.warnings),
    }


def citation_from_dict(c: dict[str, Any]) -> Citation:
    return Citation(
        n=c["n"], document_id=c["document"], uri=c["uri"], start=c["start"], end=c["end"],
        text=c["text"], page=c.get("page"), chunk_id=c.get("chunk", ""),
    )  # fmt: skip


def answer_from_dict(d: dict[str, Any]) -> Answer:
    short, closest = d.get("short"), d.get("closest")
    return Answer(
        text=d["answer"],
        abstained=bool(d["abstained"]),
        reason=d.get("reason", ""),
        citations=tuple(citation_from_dict(c) for c in d.get("citations", [])),
        sentences=tuple(
            SentenceSupport(
                s["text"],
                tuple(s["citations"]),
                bool(s["supported"]),
                s.get("score", 0.0),
                tuple(s.get("problems", ())),
            )
            for s in d.get("sentences", [])
        ),
        timings_ms=dict(d.get("timings_ms", {})),
        warnings=tuple(d.get("warnings", ())),
        short=None if short is None else citation_from_dict(short),
        style=str(d.get("style", "")),
        closest=None if closest is None else citation_from_dict(closest),
    )
