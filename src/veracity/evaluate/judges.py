"""Judges of the RAG triad behind one interface: offline (no LLM) and LLM-as-judge.

A ``TriadJudge`` scores three things in [0, 1] (TruLens' "RAG triad"):

- ``context_relevance(question, context)``: is a retrieved passage relevant to the question?
- ``support(claim, evidence)``: does the cited evidence support one answer sentence?
- ``answer_relevance(question, answer)``: does the answer address the question?

``OfflineJudge`` needs no LLM: context relevance is the mean of the question's content-word recall
in the passage and the embedding cosine of question and passage (recall alone with no embedder);
support is ``guard.grounding.best_judge`` (the trained logistic judge over lexical, number,
entity and embedding features); answer relevance is the embedding cosine of question and answer
(content-word overlap with no embedder); without the trained weights support falls back to
``FactJudge``. ``LLMJudge`` asks any ``Generator`` for a tiny JSON object
``{"score": 0..10}``: with grammar-constrained decoding on GGUF models (llama.cpp's
``json_schema`` request field), else by prompting; output is parsed robustly (JSON, then the first
number) and falls back to the offline judge when nothing parses, so a small model's garbage never
crashes a run. LLM calls are greedy with a fixed seed and cached on disk by prompt hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from veracity.embed.base import Embedder
from veracity.errors import ConfigError
from veracity.generate.base import Generator
from veracity.guard.claims import claim_features
from veracity.guard.grounding import FactJudge, SupportJudge, best_judge
from veracity.records import Decoding, Message

SCORE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 10}},
    "required": ["score"],
    "additionalProperties": False,
}
JUDGE_DECODING = Decoding(temperature=0.0, max_tokens=24, seed=0)


class TriadJudge(Protocol):
    name: str

    def context_relevance(self, question: str, context: str) -> float: ...
    def support(self, claim: str, evidence: Sequence[str]) -> float: ...
    def answer_relevance(self, question: str, answer: str) -> float: ...


def _cosine(embedder: Embedder, a: str, b: str) -> float:
    v = embedder.embed([a, b])  # (2, dim), L2-normalized
    return float(np.clip(v[0] @ v[1], 0.0, 1.0))


def term_recall(question: str, text: str) -> float:
    """Share of the question's content words (stemmed, stopwords removed) found in ``text``."""
    return float(claim_features(question, [text]).unigram_all) if text.strip() else 0.0


def _default_support(embedder: Embedder | None) -> SupportJudge:
    """``best_judge``, or ``FactJudge`` (numbers, entities, polarity) while the trained weights
    are absent (``python -m benchmarks.train_grounding`` writes them)."""
    try:
        return best_judge(embedder)
    except ConfigError:
        return FactJudge()


class OfflineJudge:
    """Embedding similarity and lexical/number/entity support; see the module docstring."""

    name = "offline"

    def __init__(
        self, embedder: Embedder | None = None, support_judge: SupportJudge | None = None
    ) -> None:
        self.embedder = embedder
        self.support_judge = support_judge or _default_support(embedder)

    def context_relevance(self, question: str, context: str) -> float:
        recall = term_recall(question, context)
        if self.embedder is None:
            return recall
        return (recall + _cosine(self.embedder, question, context)) / 2

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        if not evidence or not claim.strip():
            return 0.0
        return float(self.support_judge.support(claim, evidence))

    def answer_relevance(self, question: str, answer: str) -> float:
        if not answer.strip():
            return 0.0
        if self.embedder is None:
            return term_recall(question, answer)
        return _cosine(self.embedder, question, answer)


# -- parsing ------------------------------------------------------------------------------------

_OBJECT = re.compile(r"\{[^{}]*\}", re.S)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*/\s*(10|100|1|5))?")


def parse_score(text: str) -> float | None:
    """A judge reply as a score in [0, 1], or None when it holds none.

    Tries, in order: the reply as a JSON object with a numeric ``score``, any ``{...}`` inside
    the text, then the first number (``7``, ``7/10``, ``0.7``). Integers are on the 0-10 scale
    the prompt asks for; a fraction up to 1 (``0.7``) is read as already in [0, 1]; values clip.
    """
    for chunk in [text.strip(), *_OBJECT.findall(text)]:
        try:
            obj = json.loads(chunk)
        except (json.JSONDecodeError, ValueError):
            continue
        value = obj.get("score") if isinstance(obj, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _scale(float(value), None, isinstance(value, float))
    m = _NUMBER.search(text)
    if m is None:
        return None
    return _scale(float(m.group(1)), m.group(2), "." in m.group(1))


def _scale(value: float, denominator: str | None, fractional: bool) -> float:
    if denominator is not None:
        value /= float(denominator)
    elif not (fractional and value <= 1.0):
        value /= 10.0
    return float(min(1.0, max(0.0, value)))


# -- cache --------------------------------------------------------------------------------------


class JudgeCache:
    """Judge replies on disk (SQLite), keyed by the SHA-256 of model, seed, schema and prompt."""

    def __init__(self, path: str | Path) -> None:
        p = Path(path).expanduser()
        p.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(p)
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT)")

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, reply: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?)", (key, reply))
        self._db.commit()

    def close(self) -> None:
        self._db.close()


# -- LLM judge ----------------------------------------------------------------------------------

PROMPTS = {
    "context_relevance": (
        "Rate how relevant the PASSAGE is to the QUESTION, from 0 (unrelated) to 10 (it "
        "contains the answer).\nQUESTION: {a}\nPASSAGE: {b}"
    ),
    "support": (
        "Rate how well the EVIDENCE supports the CLAIM, from 0 (not stated or contradicted) to "
        "10 (stated by the evidence).\nEVIDENCE: {b}\nCLAIM: {a}"
    ),
    "answer_relevance": (
        "Rate how well the ANSWER addresses the QUESTION, from 0 (off topic or a refusal) to "
        "10 (answers it directly).\nQUESTION: {a}\nANSWER: {b}"
    ),
}
SYSTEM = 'You are a strict grader. Reply with JSON only, exactly: {"score": <integer 0-10>}'


@dataclass
class JudgeStats:
    calls: int = 0
    cached: int = 0
    constrained: int = 0
    parse_failures: int = 0
    failures: list[str] = field(default_factory=list)


class LLMJudge:
    """LLM-as-judge over any ``Generator``; falls back to ``fallback`` for unparseable replies."""

    name = "llm"

    def __init__(
        self,
        generator: Generator,
        *,
        fallback: TriadJudge | None = None,
        cache: JudgeCache | None = None,
        seed: int = 0,
        max_chars: int = 1500,
    ) -> None:
        self.generator = generator
        self.fallback = fallback or OfflineJudge()
        self.cache = cache
        self.decoding = Decoding(temperature=0.0, max_tokens=24, seed=seed)
        self.max_chars = max_chars
        self.stats = JudgeStats()

    def context_relevance(self, question: str, context: str) -> float:
        score = self._ask("context_relevance", question, context)
        return self.fallback.context_relevance(question, context) if score is None else score

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        if not evidence:
            return 0.0
        score = self._ask("support", claim, "\n".join(evidence))
        return self.fallback.support(claim, evidence) if score is None else score

    def answer_relevance(self, question: str, answer: str) -> float:
        score = self._ask("answer_relevance", question, answer)
        return self.fallback.answer_relevance(question, answer) if score is None else score

    def _ask(self, kind: str, a: str, b: str) -> float | None:
        prompt = PROMPTS[kind].format(a=a[: self.max_chars], b=b[: self.max_chars])
        messages = [Message("system", SYSTEM), Message("user", prompt)]
        key = JudgeCache.key(
            getattr(self.generator, "name", "?"), str(self.decoding.seed), SYSTEM, prompt
        )
        reply = self.cache.get(key) if self.cache is not None else None
        if reply is None:
            self.stats.calls += 1
            reply = "".join(self._generate(messages))
            if self.cache is not None:
                self.cache.put(key, reply)
        else:
            self.stats.cached += 1
        score = parse_score(reply)
        if score is None:
            self.stats.parse_failures += 1
            if len(self.stats.failures) < 5:
                self.stats.failures.append(reply[:200])
        return score

    def _generate(self, messages: list[Message]) -> Iterator[str]:
        stream = constrained_stream(self.generator, messages, self.decoding, SCORE_SCHEMA)
        if stream is not None:
            self.stats.constrained += 1
            return stream
        return self.generator.generate(messages, self.decoding)


def constrained_stream(
    generator: Generator, messages: list[Message], decoding: Decoding, schema: dict[str, Any]
) -> Iterator[str] | None:
    """Grammar-constrained generation where the backend supports it, else None.

    llama.cpp's server (inside ``xllamacpp``) turns a ``json_schema`` request field into a GBNF
    grammar, so the reply cannot be anything but an object of that schema. Generators with a
    ``generate_json(messages, decoding, schema)`` method are used as they are.
    """
    custom = getattr(generator, "generate_json", None)
    if callable(custom):
        result: Iterator[str] = custom(messages, decoding, schema)
        return result
    from veracity.generate.gguf import GGUFGenerator, decoding_request

    if not isinstance(generator, GGUFGenerator):
        return None
    request = {
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "stream": True,
        "cache_prompt": generator.cache_prompt,
        **decoding_request(decoding, generator.context_size),
        "json_schema": schema,
    }
    return generator._stream(request)  # the backend's own streaming, with our extra field
