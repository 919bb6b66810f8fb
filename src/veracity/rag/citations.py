"""From generated text to sentences, the source numbers each cites, and ``Citation`` records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from veracity.rag.prompt import Source
from veracity.records import Citation
from veracity.text.sentences import split_sentences

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    text: str  # with its [n] markers
    cited: tuple[int, ...]  # source numbers, as written

    @property
    def plain(self) -> str:
        """The sentence without its citation markers (what support is checked on), and without
        the space before each ("per year [1]." reads "per year.")."""
        return " ".join(re.sub(rf"\s*{_MARKER.pattern}", "", self.text).split())


def split_answer(text: str) -> list[AnswerSentence]:
    """Split an answer into sentences, each with the source numbers it cites.

    A marker that starts a sentence (``Paris is in France. [2] It ...`` splits as ``[2] It``) is
    moved to the sentence before, where models mean it.
    """
    pieces = [text[s:e] for s, e in split_sentences(text)]
    out: list[AnswerSentence] = []
    for piece in pieces:
        lead = re.match(r"^(\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]\s*)+", piece)
        if lead and out:
            prev = out[-1]
            out[-1] = AnswerSentence(
                f"{prev.text} {lead.group(0).strip()}", prev.cited + _nums(lead.group(0))
            )
            piece = piece[lead.end() :]
        if piece.strip() and re.search(r"\w", _MARKER.sub("", piece)):
            out.append(AnswerSentence(piece.strip(), _nums(piece)))
    return out


def _nums(text: str) -> tuple[int, ...]:
    found: list[int] = []
    for group in _MARKER.findall(text):
        for n in re.split(r"\s*[,;]\s*", group):
            if int(n) not in found:
                found.append(int(n))
    return tuple(found)


def citation_for(source: Source, page: int | None = None) -> Citation:
    c = source.hit.chunk
    return Citation(
        n=source.n, document_id=c.document_id, uri=source.hit.uri, start=c.start, end=c.end,
        text=c.text, page=c.page if page is None else page, chunk_id=c.id,
    )  # fmt: skip


def citations_used(sources: Sequence[Source], numbers: Sequence[int]) -> tuple[Citation, ...]:
    """Citation records for the source numbers used, in number order; unknown numbers dropped."""
    by_n = {s.n: s for s in sources}
    return tuple(citation_for(by_n[n]) for n in sorted(set(numbers)) if n in by_n)
