"""The records every layer passes around: frozen, slotted dataclasses and nothing else.

Change a record with ``dataclasses.replace``. Ids are content hashes (see ``content_id``), so
re-ingesting the same text produces the same ids and is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from veracity.errors import ConfigError

MetaValue = str | int | float | bool | None

# Bits of a stored chunk's ``flags``.
CHUNK_FLAG_INJECTION = 1
Role = Literal["system", "user", "assistant"]


def content_id(*parts: str | bytes, size: int = 16) -> str:
    """A stable hex id: the first ``size`` bytes of SHA-256 over the parts (NUL-separated)."""
    h = hashlib.sha256()
    for i, part in enumerate(parts):
        if i:
            h.update(b"\x00")
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
    return h.hexdigest()[: size * 2]


@dataclass(frozen=True, slots=True)
class Document:
    """One source document: a file, a row of a JSONL/CSV file, or text given directly.

    ``id`` is derived from ``uri`` (the document's identity survives edits: an edit is an upsert);
    ``content_hash`` is the SHA-256 of the extracted text (an unchanged hash means nothing to do).
    """

    id: str
    uri: str
    text: str
    content_hash: str
    title: str = ""
    mime: str = "text/plain"
    metadata: Mapping[str, MetaValue] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    # Character offset where each PDF page starts in ``text`` (page n starts at page_starts[n-1]).
    page_starts: tuple[int, ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0

    @staticmethod
    def make(
        uri: str,
        text: str,
        *,
        title: str = "",
        mime: str = "text/plain",
        metadata: Mapping[str, MetaValue] | None = None,
        labels: tuple[str, ...] | str = (),
        page_starts: tuple[int, ...] = (),
    ) -> Document:
        """Build a document with its id and content hash computed from ``uri`` and ``text``."""
        return Document(
            id=content_id("doc", uri),
            uri=uri,
            text=text,
            content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            title=title,
            mime=mime,
            metadata=dict(metadata or {}),
            labels=tuple(sorted(as_labels(labels))),
            page_starts=page_starts,
        )

    def page_at(self, offset: int) -> int | None:
        """The 1-based PDF page holding character ``offset``, or None for documents without pages."""
        if not self.page_starts:
            return None
        page = 1
        for i, start in enumerate(self.page_starts, start=1):
            if start <= offset:
                page = i
            else:
                break
        return page


@dataclass(frozen=True, slots=True)
class Chunk:
    """A span of a document: ``text == document.text[start:end]`` always holds."""

    id: str
    document_id: str
    ordinal: int
    text: str
    start: int
    end: int
    page: int | None = None
    headings: tuple[str, ...] = ()
    n_tokens: int = 0
    metadata: Mapping[str, MetaValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk with its score. ``explain`` holds per-retriever detail when asked for."""

    chunk: Chunk
    score: float
    uri: str = ""
    explain: Mapping[str, Any] | None = None
    rid: int | None = None  # the chunk's row id in its collection's store
    flags: int = 0  # CHUNK_FLAG_INJECTION when the chunk was flagged at ingest
    title: str = ""  # the chunk's document title, when the store knows it


@dataclass(frozen=True, slots=True)
class Filter:
    """A pre-filter applied inside every retriever, before ranking.

    ``where``: metadata equalities that must all hold (``{"year": 2021, "lang": "en"}``); a list
    value means "any of". ``labels``: the ACL labels the caller may see, or None for no ACL check. A
    document is visible when it carries no labels, or shares at least one label with ``labels``.
    ``document_ids``: restrict to these documents.
    """

    where: Mapping[str, MetaValue | tuple[MetaValue, ...]] = field(default_factory=dict)
    labels: frozenset[str] | None = None
    document_ids: frozenset[str] | None = None

    def __post_init__(self) -> None:
        # Checked here, once, so a bad value is a ConfigError naming it rather than a
        # sqlite3 error deep in a query (or "secret" read as the labels s, e, c, r, t).
        if not isinstance(self.where, Mapping):
            raise ConfigError(
                f"a filter's where must be a mapping of metadata key to value, got "
                f"{type(self.where).__name__}; e.g. where={{'year': 2021}}"
            )
        for key, value in self.where.items():
            _check_filter_value(key, value)
        if self.labels is not None:
            object.__setattr__(self, "labels", frozenset(as_labels(self.labels)))
        if self.document_ids is not None:
            object.__setattr__(self, "document_ids", frozenset(as_labels(self.document_ids, "id")))

    def is_empty(self) -> bool:
        return not self.where and self.labels is None and self.document_ids is None


_SCALARS = (str, int, float, bool, type(None))


def _check_filter_value(key: object, value: object) -> None:
    if not isinstance(key, str):
        raise ConfigError(f"filter keys are metadata key strings, got {key!r}")
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if not isinstance(item, _SCALARS):
            raise ConfigError(
                f"filter value for {key!r} must be a string, number, true/false, None, or a list "
                f"of those (any of), got {type(item).__name__} {item!r}"
            )


def as_labels(labels: Iterable[str] | str, what: str = "label") -> tuple[str, ...]:
    """Labels as a tuple of strings, in order, without repeats. A single string is one label
    (``labels="secret"``), never the set of its letters; anything but strings is a ConfigError."""
    if isinstance(labels, str):
        return (labels,)
    if isinstance(labels, bytes | Mapping) or not isinstance(labels, Iterable):
        raise ConfigError(
            f"{what}s must be a string or a list of strings, got {type(labels).__name__}"
        )
    out = tuple(dict.fromkeys(labels))
    bad = [x for x in out if not isinstance(x, str)]
    if bad:
        raise ConfigError(f"each {what} must be a string, got {bad[0]!r}")
    return out


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message for a generator."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Decoding:
    """How to decode. ``temperature == 0`` means greedy; ``top_k == 0``, ``top_p == 1``,
    ``min_p == 0`` and ``typical_p == 1`` disable those filters; ``num_beams > 1`` is beam search
    (deterministic, so it needs ``temperature == 0``). ``length_penalty`` and ``early_stopping``
    (``True``, ``False`` or ``"never"``) mean what they mean in Hugging Face ``generate``."""

    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    max_tokens: int = 256
    seed: int | None = 0
    stop: tuple[str, ...] = ()
    repetition_penalty: float = 1.0
    min_p: float = 0.0
    typical_p: float = 1.0
    num_beams: int = 1
    length_penalty: float = 1.0
    early_stopping: bool | Literal["never"] = False

    def __post_init__(self) -> None:
        from veracity.errors import ConfigError

        if self.temperature < 0:
            raise ConfigError(f"temperature must be >= 0, got {self.temperature}; use 0 for greedy")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0 (0 disables it), got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1] (1 disables it), got {self.top_p}")
        if self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.repetition_penalty <= 0:
            raise ConfigError(f"repetition_penalty must be > 0, got {self.repetition_penalty}")
        if not 0 <= self.min_p <= 1:
            raise ConfigError(f"min_p must be in [0, 1] (0 disables it), got {self.min_p}")
        if not 0 < self.typical_p <= 1:
            raise ConfigError(f"typical_p must be in (0, 1] (1 disables it), got {self.typical_p}")
        self._check_beams()

    def _check_beams(self) -> None:
        from veracity.errors import ConfigError

        if isinstance(self.num_beams, bool) or self.num_beams < 1:
            raise ConfigError(f"num_beams must be >= 1 (1: no beam search), got {self.num_beams}")
        if self.early_stopping not in (True, False, "never"):
            raise ConfigError(
                f"early_stopping must be True, False or 'never', got {self.early_stopping!r}"
            )
        if self.num_beams > 1 and self.temperature > 0:
            raise ConfigError(
                f"beam search (num_beams={self.num_beams}) is deterministic: set temperature 0, "
                "or num_beams 1 to sample"
            )

    @property
    def greedy(self) -> bool:
        """Each token is the arg-max (true for beam search too, which keeps several)."""
        return self.temperature == 0

    @property
    def strategy(self) -> Literal["greedy", "sample", "beam"]:
        """``"beam"`` when ``num_beams > 1``, else ``"greedy"`` at temperature 0, else ``"sample"``."""
        if self.num_beams > 1:
            return "beam"
        return "greedy" if self.temperature == 0 else "sample"


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source of an answer: where in which document the cited text stands."""

    n: int
    document_id: str
    uri: str
    start: int
    end: int
    text: str
    page: int | None = None
    chunk_id: str = ""


@dataclass(frozen=True, slots=True)
class SentenceSupport:
    """One answer sentence, the citation numbers it rests on, and whether its sources support it.

    ``problems``: why the strict support rules (``guard.strict``) reject it, in words; empty when
    they found none or did not run.
    """

    text: str
    citations: tuple[int, ...]
    supported: bool
    score: float = 0.0
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer engine's result: text with ``[n]`` markers, or an abstention with its reason."""

    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    sentences: tuple[SentenceSupport, ...] = ()
    reason: str = ""
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # The short answer (an exact span of a source) when the reader found one; ``style`` says how
    # the text was made: "extractive" (the reader's span and its sentence, quoted) or "generative".
    short: Citation | None = None
    style: str = ""
    # With an abstention from the extractive engine: the sentence of the passage that came
    # closest (the reader's most probable span, under its threshold or refused by a check), for
    # the reader to judge. It is not an answer, and is never shown as one.
    closest: Citation | None = None
