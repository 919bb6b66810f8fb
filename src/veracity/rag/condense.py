"""Turn a follow-up question into a standalone query using the chat history.

With a generator the model rewrites the question; its rewrite is kept only if it looks like a
question about the same things (small models sometimes answer instead of rewriting). Without one,
or when the rewrite is rejected, the last user turn is prepended when the follow-up leans on it
(pronouns, very short questions), which is what retrieval needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.generate.base import Generator
from veracity.rag.prompt import condense_messages
from veracity.records import Decoding

_LEANING = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|him|her|there|then|one|ones)\b",
    re.IGNORECASE,
)


def needs_history(question: str) -> bool:
    words = question.split()
    return len(words) <= 4 or bool(_LEANING.search(question))


def heuristic_condense(question: str, history: Sequence[tuple[str, str]]) -> str:
    last_user = next((text for role, text in reversed(history) if role == "user"), "")
    if not last_user or not needs_history(question):
        return question
    return f"{last_user.strip()} {question.strip()}"


def condense(
    question: str, history: Sequence[tuple[str, str]], generator: Generator | None = None
) -> str:
    """A standalone version of ``question`` given ``history`` (``(role, text)`` pairs)."""
    if not history or not needs_history(question):
        return question
    if generator is not None:
        pieces = generator.generate(
            condense_messages(question, history), Decoding(max_tokens=64, stop=("\n",))
        )
        rewrite = " ".join("".join(pieces).split()).strip().strip('"')
        q_words = {w.lower() for w in re.findall(r"\w{4,}", question)}
        r_words = {w.lower() for w in re.findall(r"\w{4,}", rewrite)}
        if 3 <= len(rewrite.split()) <= 60 and (not q_words or q_words & r_words):
            return rewrite
    return heuristic_condense(question, history)
