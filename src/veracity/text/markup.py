"""Text as shown to a reader: Markdown syntax taken out of a quoted sentence or a short answer.

Documents are stored as written (the heading-aware chunker needs the Markdown), and citations
point at exact characters of that text. What an answer *displays* is the prose: a quote of a
Markdown file should not carry a closing code fence, ``\\[`` escapes, ``[text][ref]`` link syntax
or ``**`` emphasis into the answer. The citation keeps the exact characters; only the display is
cleaned, so these functions never add words, they only drop syntax.

``display_text`` cleans a quoted sentence; ``short_display`` a short answer span, which also loses
trailing punctuation and the brackets or quotes its span cut in half (a span ends where the
reader's end token was, not at a clause).
"""

from __future__ import annotations

import re

# A code fence line with its info string ("```js"); then any fence marker left mid-line.
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[^\n`]*$", re.MULTILINE)
_FENCE = re.compile(r"`{3,}|~{3,}")
_COMMENT = re.compile(r"<!--.*?-->|<!--|-->", re.DOTALL)
# Link and image syntax, not preceded by a word or a bracket ("a[i](x)", "m[0][1]" are code).
_IMAGE = re.compile(r"(?<![\w\]])!\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_LINK = re.compile(r"(?<![\w\]])\[([^\]]+)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_REF_LINK = re.compile(r"(?<![\w\]])\[([^\]]+)\]\[[^\]]*\]")
# A backslash escape of Markdown punctuation (a backslash before a backslash is left alone).
_ESCAPE = re.compile(r"\\([!-/:-@\[\]^_`{-~])")
# A heading line: its text is kept, set off from what follows by a dash ("Net — The server ...").
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t]+(.+?)[ \t#]*(?:(\n\s*)(?=\S)|$)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
# A Markdown table: its separator row ("|---|:--:|") and its rows ("| Weight | 14.5 kg |").
TABLE_RULE = re.compile(r"^[ \t]*\|(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*$", re.MULTILINE)
TABLE_ROW = re.compile(r"^[ \t]*\|(.*)\|[ \t]*$", re.MULTILINE)
# Strong emphasis around text: "**x**" or "__x__" with no word character outside.
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)")
# Emphasis with one star: "*not*", not "2*3*4" or "a * b".
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
# A star left from emphasis the span cut in half: against a word on one side only ("attrs*").
_HALF_EMPHASIS = re.compile(r"(?<=\w)\*(?!\w)|(?<!\w)\*(?=\w)")
_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_PAIRS = {")": "(", "]": "[", "}": "{", "”": "“"}
_OPENERS = frozenset(_PAIRS.values())


def display_text(text: str) -> str:
    """``text`` with whitespace collapsed and Markdown syntax dropped: code fences, HTML
    comments, link and image syntax (their text kept), backslash escapes, headings' ``#``s (a
    heading line is set off from the text after it by a dash), a list bullet at the start,
    ``**``/``__``/``*`` emphasis and inline-code backticks; a table's separator row goes, and each row
    reads as a sentence, its first cell labelling the others ("Weight: 14.5 kg.")."""
    out = _HEADING_LINE.sub(_heading, _FENCE_LINE.sub(" ", _COMMENT.sub(" ", text)))
    out = TABLE_ROW.sub(_row, TABLE_RULE.sub(" ", out))
    out = " ".join(out.split())
    out = _FENCE.sub(" ", out)
    out = _REF_LINK.sub(r"\1", _LINK.sub(r"\1", _IMAGE.sub(r"\1", out)))
    # Inline code is shown as written, without its backticks; only the prose around it loses
    # emphasis and escapes ("`__init__`" stays "__init__", "**bold**" becomes "bold").
    parts = _CODE.split(out)  # prose, code, prose, code, ..., prose
    out = "".join(p if i % 2 else _prose(p) for i, p in enumerate(parts))
    out = " ".join(out.split())
    out = _HEADING.sub("", out)
    return _BULLET.sub("", out)


def _prose(text: str) -> str:
    text = _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
    text = _EMPHASIS.sub(r"\1", text)
    return _ESCAPE.sub(r"\1", text)


def _row(match: re.Match[str]) -> str:
    """A table row as a sentence: "| Weight | 14.5 kg |" -> "Weight: 14.5 kg." (the first cell
    labels the rest, as a field does)."""
    cells = [c.strip() for c in match.group(1).split("|")]
    cells = [c for c in cells if c]
    if not cells:
        return " "
    row = f"{cells[0]}: {'; '.join(cells[1:])}" if len(cells) > 1 else cells[0]
    return row if row[-1] in ".!?" else row + "."


def _heading(match: re.Match[str]) -> str:
    return match.group(1) + (" — " if match.group(2) else " ")


def short_display(span: str) -> str:
    """A short answer as shown: ``display_text``, then trailing punctuation, a star left from
    emphasis the span cut in half ("attrs*"), and the brackets or quotes left without their
    partner dropped (each one alone, not every bracket of its kind:
    ``f(x) (born 1961`` shows as ``f(x) born 1961``)."""
    out = display_text(span).strip(" ,;:.")
    out = _HALF_EMPHASIS.sub("", out) if "*" in out else out
    drop = _unmatched(out)
    if drop:
        out = " ".join("".join(" " if i in drop else c for i, c in enumerate(out)).split())
    return out.strip(" ,;:.")


def _unmatched(text: str) -> set[int]:
    """Positions of brackets without their partner, the last of an odd number of double quotes
    or backticks, and single quotes that open a word but are never closed."""
    stack: list[int] = []
    lone: set[int] = set()
    for i, c in enumerate(text):
        if c in _OPENERS:
            stack.append(i)
        elif c in _PAIRS:
            if stack and text[stack[-1]] == _PAIRS[c]:
                stack.pop()
            else:
                lone.add(i)
    lone.update(stack)
    for q in ('"', "`"):
        at = [i for i, c in enumerate(text) if c == q]
        if len(at) % 2:
            lone.add(at[-1])
    # A single quote opening a word ('node:crypto) and never closed is cut; an apostrophe after a
    # word ("the Unions' law", "don't") is left alone.
    n = len(text)
    opens = [
        i for i, c in enumerate(text)
        if c == "'" and (i == 0 or not text[i - 1].isalnum()) and i + 1 < n and text[i + 1].isalnum()
    ]  # fmt: skip
    closes = sum(
        1 for i, c in enumerate(text)
        if c == "'" and i > 0 and text[i - 1].isalnum() and (i + 1 == n or not text[i + 1].isalnum())
    )  # fmt: skip
    lone.update(opens[closes:])
    return lone
