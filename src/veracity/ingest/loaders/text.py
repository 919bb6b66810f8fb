"""Plain text and Markdown files.

Text is kept as in the file (line endings normalized to ``\\n``, a BOM dropped), so the
heading-aware chunker sees the Markdown as written. Markdown YAML front matter (``---`` ... ``---``
at the very top) is parsed into metadata and removed from ``Document.text``: it describes the
document rather than being its prose, and citations point into ``Document.text``, not into the
file's bytes. HTML comments outside fenced code (``<!-- ... -->``) are removed too: a rendered
page does not show them, so an answer must not quote them (Node.js's API pages keep each
function's version history in one: "added: v12.12.0" answered "Which year was the fs module
removed?"). MyST directives and roles (Sphinx documentation in Markdown) are rendered as their
built pages show them (``loaders.myst``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from veracity.ingest.loaders.base import (
    LoadOptions,
    LoadResult,
    decode_text,
    make_document,
    read_bytes,
)
from veracity.ingest.loaders.myst import myst_to_markdown
from veracity.ingest.loaders.rst import looks_like_rst, rst_text_document
from veracity.records import Document, MetaValue
from veracity.text.columns import aligned_tables

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_KEY_VALUE = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:[ \t]*(.*)$")
_LIST_ITEM = re.compile(r"^[ \t]+-[ \t]+(.*)$")
_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def load_txt(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield text_document(path, read_bytes(path, options), options, path.stem)


def load_markdown(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield markdown_document(path, read_bytes(path, options), options, path.stem)


def text_document(path: Path, data: bytes, options: LoadOptions, name: str) -> Document:
    """The document of plain-text ``data`` read from ``path`` (titled ``name``); text that is
    reStructuredText by its directives and roles is read as ``.rst`` is. Words a typesetter
    hyphenated across lines are joined (``joined_hyphenation``), and tables laid out in aligned
    columns under a rule line are read as Markdown tables (``text.columns``)."""
    text, encoding = decode_text(path, data, "text")
    if looks_like_rst(text):
        return rst_text_document(path, text, encoding, options, name)
    text = aligned_tables(joined_hyphenation(text))
    return make_document(
        path, text, options, title=name, mime="text/plain", metadata={"encoding": encoding}
    )


def markdown_document(path: Path, data: bytes, options: LoadOptions, name: str) -> Document:
    """The document of Markdown ``data`` read from ``path``: front matter becomes metadata, the
    title is the front matter's, else the first level-1 heading, else ``name``."""
    text, encoding = decode_text(path, data, "Markdown")
    metadata, body = split_front_matter(text)
    body = myst_to_markdown(drop_comments(body))
    title = metadata.pop("title", None)
    metadata["encoding"] = encoding
    return make_document(
        path,
        body,
        options,
        title=str(title) if title else first_h1(body) or name,
        mime="text/markdown",
        metadata=metadata,
    )


# A word a typesetter broke across lines: groff (a man page saved as text) ends the line with the
# hyphen U+2010, which it prints for nothing else at a line's end (a word's own hyphen is "-"),
# and a soft hyphen U+00AD marks a break point by definition. "descrip\u2010\n       tor".
_TYPESET_BREAK = re.compile(r"(?<=\w)[\u2010\u00ad]\n[ \t]*(?=\w)")


def joined_hyphenation(text: str) -> str:
    """``text`` with every word a typesetter hyphenated across two lines joined again
    ("descrip\u2010" / "tor" -> "descriptor"), so that search, the reader and quotes see the
    word. An ASCII hyphen at a line's end is left alone: it may be the word's own."""
    return _TYPESET_BREAK.sub("", text)


def split_front_matter(text: str) -> tuple[dict[str, MetaValue], str]:
    """(metadata, body): simple ``key: value`` YAML front matter, and the text after it.

    Only flat keys are read; ``- item`` lines under a key become a JSON list string. Values are
    unquoted, and ``true``/``false``/integers/decimals become bools and numbers. Anything else
    stays text: this is deliberately not a YAML parser (no new dependency for a metadata block).
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    metadata: dict[str, MetaValue] = {}
    lists: dict[str, list[str]] = {}
    key = ""
    for line in (match.group(1) or "").splitlines():
        if item := _LIST_ITEM.match(line):
            if key:
                lists.setdefault(key, []).append(_unquote(item.group(1)))
        elif kv := _KEY_VALUE.match(line):
            key, value = kv.group(1), kv.group(2).strip()
            metadata[key] = _coerce(_unquote(value)) if value else None
    for key, items in lists.items():
        metadata[key] = json.dumps(items, ensure_ascii=False)
    return metadata, text[match.end() :]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _coerce(value: str) -> MetaValue:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if re.fullmatch(r"-?(0|[1-9]\d*)", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def drop_comments(markdown: str) -> str:
    """``markdown`` without its HTML comments, except inside fenced code (an HTML example)."""
    if "<!--" not in markdown:
        return markdown
    out: list[str] = []
    prose: list[str] = []
    in_fence = False
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line):
            if not in_fence:
                out.append(_COMMENT.sub("", "".join(prose)))
                prose.clear()
            in_fence = not in_fence
            out.append(line)
        elif in_fence:
            out.append(line)
        else:
            prose.append(line)
    out.append(_COMMENT.sub("", "".join(prose)))
    return "".join(out)


def first_h1(markdown: str) -> str:
    """The text of the first ``# `` heading outside code fences, or ''."""
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (m := _ATX_H1.match(line)):
            return m.group(1).strip()
    return ""
