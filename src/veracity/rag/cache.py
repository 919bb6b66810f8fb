"""Exact and semantic answer caching, keyed by model, decoding, access scope and sources.

Exact: the key hashes the model, the decoding, the scope (filter and ACL labels), the standalone
question and the content hashes of the chunks packed into the prompt, so it is in effect a prompt
hash. Semantic: a near-duplicate question (cosine >= threshold, same model, decoding and scope)
reuses an answer. Either way an entry is served only while every chunk it used still exists, so an
upsert or delete of a source invalidates every answer that relied on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from veracity.embed.base import Embedder
from veracity.rag.serialize import answer_from_dict, answer_to_dict
from veracity.records import Answer
from veracity.store.cache import CacheStore

if TYPE_CHECKING:
    from veracity.rag.engine import AskOptions


def _normalize(question: str) -> str:
    return " ".join(question.lower().split())


class AnswerCache:
    def __init__(self, store: CacheStore, embedder: Embedder | None = None) -> None:
        self.store = store
        self.embedder = embedder

    @staticmethod
    def _context(model: str, opts: AskOptions, scope: str) -> str:
        d = opts.decoding
        return json.dumps(
            [model, opts.mode, d.temperature, d.top_k, d.top_p, d.max_tokens, d.seed,
             list(d.stop), d.repetition_penalty, opts.unsupported, opts.support_threshold, scope],
        )  # fmt: skip

    def key(
        self, model: str, opts: AskOptions, scope: str, question: str, chunk_ids: Sequence[str]
    ) -> str:
        raw = json.dumps([self._context(model, opts, scope), _normalize(question), list(chunk_ids)])
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _scope_key(self, model: str, opts: AskOptions, scope: str) -> str:
        return hashlib.sha256(self._context(model, opts, scope).encode("utf-8")).hexdigest()

    def lookup(
        self, model: str, opts: AskOptions, scope: str, question: str, chunk_ids: Sequence[str]
    ) -> Answer | None:
        """An exact hit, else a near-duplicate question's answer, else None."""
        entry = self.store.get(self.key(model, opts, scope, question, chunk_ids))
        if entry is None and self.embedder is not None and opts.semantic_threshold < 1.0:
            vec = self.embedder.embed([_normalize(question)])[0]
            entry = self.store.nearest(
                self._scope_key(model, opts, scope), vec, opts.semantic_threshold
            )
        return None if entry is None else answer_from_dict(json.loads(entry.answer_json))

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
