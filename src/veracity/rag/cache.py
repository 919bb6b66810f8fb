"""Exact and semantic answer caching, keyed by model, decoding, access scope and sources.

Exact: the key hashes the model, the decoding, the scope (filter and ACL labels), the standalone
question and the content hashes of the chunks packed into the prompt, so it is in effect a prompt
hash. Semantic: a near-duplicate question (cosine >= threshold, same model, decoding and scope)
reuses an answer. Either way an entry is served only while every chunk it used still exists and
the caller may still see it (the filter is re-applied at read time: chunk ids are content hashes,
so they survive a relabel), and every citation names a document the caller may see; an upsert,
delete or relabel of a source invalidates every answer that relied on it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from veracity.embed.base import Embedder
from veracity.rag.serialize import answer_from_dict, answer_to_dict
from veracity.records import Answer, Filter
from veracity.store.cache import CacheEntry
from veracity.store.protocols import CacheTable

if TYPE_CHECKING:
    from veracity.rag.engine import AskOptions


def _normalize(question: str) -> str:
    return " ".join(question.lower().split())


class AnswerCache:
    def __init__(self, store: CacheTable, embedder: Embedder | None = None) -> None:
        self.store = store
        self.embedder = embedder

    @staticmethod
    def _context(model: str, opts: AskOptions, scope: str) -> str:
        # Every decoding field, so a setting added later can never share another's answers.
        decoding = sorted(dataclasses.asdict(opts.decoding).items())
        context = [model, opts.mode, opts.style, decoding, opts.unsupported,
                   opts.support_threshold, scope]  # fmt: skip
        # An answer built from unredacted flagged passages is never served to a caller who did
        # not ask for them (the chunk ids are the same either way). Appended only when set, so
        # the keys of every other answer stay as they were.
        if opts.allow_flagged:
            context.append("allow_flagged")
        return json.dumps(context)

    def key(
        self, model: str, opts: AskOptions, scope: str, question: str, chunk_ids: Sequence[str]
    ) -> str:
        raw = json.dumps([self._context(model, opts, scope), _normalize(question), list(chunk_ids)])
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _scope_key(self, model: str, opts: AskOptions, scope: str) -> str:
        return hashlib.sha256(self._context(model, opts, scope).encode("utf-8")).hexdigest()

    def lookup(
        self,
        model: str,
        opts: AskOptions,
        scope: str,
        question: str,
        chunk_ids: Sequence[str],
        where: Filter | None = None,
    ) -> Answer | None:
        """An exact hit, else a near-duplicate question's answer, else None. ``where`` is the
        caller's filter (the one ``scope`` was made from): an entry with a chunk or a citation it
        does not let through is a miss."""
        entry = self.store.get(self.key(model, opts, scope, question, chunk_ids), where)
        if entry is None and self.embedder is not None and opts.semantic_threshold < 1.0:
            vec = self.embedder.embed([_normalize(question)])[0]
            entry = self.store.nearest(
                self._scope_key(model, opts, scope), vec, opts.semantic_threshold, where
            )
        return None if entry is None else _visible_answer(entry)

    def save(
        self,
        model: str,
        opts: AskOptions,
        scope: str,
        question: str,
        chunk_ids: Sequence[str],
        answer: Answer,
    ) -> None:
        vec = None if self.embedder is None else self.embedder.embed([_normalize(question)])[0]
        self.store.put(
            self.key(model, opts, scope, question, chunk_ids),
            self._scope_key(model, opts, scope),
            question,
            vec,
            tuple(chunk_ids),
            json.dumps(answer_to_dict(answer)),
        )


def _visible_answer(entry: CacheEntry) -> Answer | None:
    """The entry's answer if each citation names a chunk and document the store found visible
    (equal text in two documents shares a chunk id, so the chunk id alone is not enough)."""
    answer = answer_from_dict(json.loads(entry.answer_json))
    documents = {d for _, d in entry.visible}
    for c in answer.citations:
        ok = (
            (c.chunk_id, c.document_id) in entry.visible
            if c.chunk_id
            else c.document_id in documents
        )
        if not ok:
            return None
    return answer
