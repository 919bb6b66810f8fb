"""HTML pages: the main content as Markdown-like text, without navigation boilerplate.

Boilerplate is dropped by tag (script, nav, footer, ...), by ARIA role (navigation, banner, ...),
by class/id words (nav, menu, sidebar, cookie, ...) and as heading permalinks (an in-page link
whose text is only a symbol: "#", "¶"). When the page has a ``<main>`` (or a
single ``<article>``) only that is kept. Headings become ``## Heading`` lines and blocks
(paragraphs, list items, table rows) are separated by blank lines and ``<pre>`` blocks are fenced
code, so the heading-aware chunker treats HTML exactly like Markdown. The terms of a reference's
definition list (an option or a function described at length) are headings too. A ``<br>`` ends a
line within its block, as a hard wrap does in a text file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.ingest.loaders.base import (
    LoadOptions,
    LoadResult,
    decode_text,
    fail,
    make_document,
    read_bytes,
)

_DROP_TAGS = (
    "script, style, noscript, template, nav, aside, form, iframe, svg, canvas, button, "
    "select, dialog, object, embed"
)
_PAGE_CHROME = "header, footer"  # page header/footer; inside <main>/<article> a header is kept
_BOILERPLATE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog"}
)
_BOILERPLATE_WORDS = frozenset({"nav", "ad", "ads", "skip", "share", "social", "toc"})
_BOILERPLATE_PARTS = (
    "navbar",
    "navigation",
    "menu",
    "sidebar",
    "footer",
    "cookie",
    "breadcrumb",
    "consent",
    "banner",
    "advert",
    "newsletter",
)
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "blockquote", "ul", "ol", "dl",
        "dt", "dd", "table", "thead", "tbody", "tfoot", "figure", "figcaption", "address",
        "details", "summary", "hr", "body", "caption",
    }
)  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_ENTRY_MIN_CHARS = 150  # a reference entry's description: paragraphs, not a phrase
_MAX_TERM_CHARS = 200  # a term longer than this is prose, not a name
_LINE_BREAK = "\ue000"  # a <br> in the text being collected (private use: never in a page)


def load_html(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    from selectolax.lexbor import LexborHTMLParser

    data = read_bytes(path, options)
    text = _decode_html(path, data)
    tree = LexborHTMLParser(text)
    title = _title(tree)
    root = _content_root(tree)
    if root is None:
        raise fail(path, "no <body> content found in the HTML")
    _drop_boilerplate(root)
    body = render_blocks(root)
    if not body.strip():
        raise fail(path, "no text left after removing navigation, scripts and other boilerplate")
    lang = tree.css_first("html")
    metadata = {}
    if lang is not None and lang.attributes.get("lang"):
        metadata["lang"] = str(lang.attributes["lang"])
    yield make_document(path, body, options, title=title, mime="text/html", metadata=metadata)


def _decode_html(path: Path, data: bytes) -> str:
    """Decode with the page's declared ``<meta charset>`` when UTF-8 does not fit."""
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii")).replace("\r\n", "\n")
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_text(path, data, "HTML")[0]


def _title(tree: Any) -> str:
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        if node is not None and (text := _SPACES.sub(" ", node.text()).strip()):
            return str(text)
    return ""


def _content_root(tree: Any) -> Any:
    """``<main>``, else the only ``<article>``, else ``[role=main]``, else ``<body>``."""
    main = tree.css_first("main")
    if main is not None:
        return main
    articles = tree.css("article")
    if len(articles) == 1:
        return articles[0]
    role_main = tree.css_first('[role="main"]')
    return role_main if role_main is not None else tree.body


def _is_boilerplate(node: Any) -> bool:
    attrs = node.attributes
    if (attrs.get("role") or "").strip().lower() in _BOILERPLATE_ROLES:
        return True
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return True
    words = re.split(r"[\s_-]+", f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower())
    return any(
        w in _BOILERPLATE_WORDS or any(part in w for part in _BOILERPLATE_PARTS) for w in words if w
    )


def _drop_boilerplate(root: Any) -> None:
    keep_headers = root.tag in ("main", "article") or root.attributes.get("role") == "main"
    doomed = list(root.css(f"{_DROP_TAGS}, {'footer' if keep_headers else _PAGE_CHROME}"))
    doomed += [
        node
        for node in root.css("[class], [id], [role], [hidden], [aria-hidden]")
        if _is_boilerplate(node)
    ]
    doomed += [node for node in root.css('a[href^="#"]') if _is_permalink(node)]
    # Never drop an element holding the main content (a "menu-wrapper" div around <main>, an
    # ASP.NET <form> around the whole page).
    doomed = [node for node in doomed if not _holds_content(node)]
    ids = {node.mem_id for node in doomed}
    # Decompose only the top-most doomed nodes, once each: their descendants go with them.
    top = {node.mem_id: node for node in doomed if not _has_ancestor_in(node, ids, root)}
    for node in top.values():
        node.decompose()


def _is_permalink(node: Any) -> bool:
    """A link to a place in the page whose text is only a symbol: the "#", "¶" or "§" that
    documentation generators (Sphinx, MkDocs, Docusaurus, Node's docs) put after each heading.
    Left in, it glues itself to the heading ("Readable streams#") and the breadcrumbs."""
    return not any(ch.isalnum() for ch in node.text(deep=True) or "")


def _holds_content(node: Any) -> bool:
    if node.tag in ("main", "article", "body"):
        return True
    selector = "main, article, h1" if node.tag == "form" else "main, article"
    return node.css_first(selector) is not None


def _has_ancestor_in(node: Any, ids: set[int], root: Any) -> bool:
    parent = node.parent
    while parent is not None and parent.mem_id != root.mem_id:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


# a table cell longer than this holds prose: the table lays out a page (DocBook's FAQ)
_MAX_CELL_CHARS = 300


def render_blocks(root: Any) -> str:
    """Markdown-like text of ``root``: heading lines, blocks separated by blank lines.

    Walks the tree with an explicit stack (deeply nested pages would overflow recursion).
    """
    blocks: list[str] = []
    line: list[str] = []
    prefix = [""]  # the prefix of the block whose text is being collected ("## ", "- ", "")
    level = [0]  # the level of the last heading
    entries = _entry_lists(root)

    def flush() -> None:
        parts = "".join(line).split(_LINE_BREAK)
        joiner = " " if prefix[0].startswith("#") else "\n"  # a heading stays on one line
        text = joiner.join(t for part in parts if (t := _SPACES.sub(" ", part).strip()))
        line.clear()
        if text:
            blocks.append(prefix[0] + text)
        prefix[0] = ""

    # Stack items: (node, closing). A closing item ends the block its element opened.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            flush()
            continue
        tag = node.tag
        if tag == "-text":
            line.append(node.text_content or "")
            continue
        if tag == "br":
            # A line break inside a block: the next line goes on the same block, as a hard
            # wrap does in a text file (DocBook's literal layouts, addresses); a second break
            # in a row, an empty line, ends the block.
            if _SPACES.sub("", "".join(line).rsplit(_LINE_BREAK, 1)[-1]):
                line.append(_LINE_BREAK)
            else:
                flush()
            continue
        if tag == "hr":
            flush()
            continue
        if tag == "table" and (table := _data_table(node)) is not None:
            flush()
            blocks.append(table)
            continue
        if tag == "pre":
            flush()
            if code := (node.text(deep=True) or "").strip("\n"):
                blocks.append(_fenced(code))
            continue
        block_prefix = _block_prefix(tag)
        if tag in _HEADINGS:
            level[0] = _HEADINGS[tag]
        elif tag == "dt" and node.parent is not None and node.parent.mem_id in entries:
            block_prefix = "#" * min(level[0] + 1, 6) + " "
        if block_prefix is not None:
            flush()
            prefix[0] = block_prefix
            stack.append((node, True))
        elif tag in ("td", "th") and _has_cell_before(node) and not _layout_cell(node, line):
            line.append(" | ")
        children = list(node.iter(include_text=True))
        stack.extend((child, False) for child in reversed(children))
    flush()
    return "\n\n".join(blocks) + "\n"


def _data_table(node: Any) -> str | None:
    """A table of data as a Markdown table: one ``| a | b |`` line per row, a ``|---|`` line under
    the first, its caption as a line above; so a price table in a web page is read, chunked and
    answered from as the same table in a Markdown file is (the row and the column a question
    names, ``rag.tables``). None for a table that lays out a page: one with a nested table, a
    list, a definition list or a code block in a cell, a cell of more than
    ``_MAX_CELL_CHARS``, paragraphs in a cell after empty ones (``_layout_cell``), fewer than
    two rows or two columns."""
    if any(t.mem_id != node.mem_id for t in node.css("table")):  # css() holds the node itself
        return None
    rows: list[list[str]] = []
    for tr in node.css("tr"):
        cells = [c for c in tr.iter() if c.tag in ("td", "th")]
        if any(c.css_first("ul, ol, dl, pre") is not None for c in cells):
            return None
        texts = [_SPACES.sub(" ", c.text(deep=True) or "").strip().replace("|", "/") for c in cells]
        if any(len(t) > _MAX_CELL_CHARS for t in texts):
            return None
        # DocBook's FAQ: an answer's paragraphs in a cell beside an empty anchor cell
        if any(
            c.css_first("p, div") is not None and not "".join(texts[:i]).strip()
            for i, c in enumerate(cells)
            if i
        ):
            return None
        if any(texts):
            rows.append(texts)
    if len(rows) < 2 or len(rows[0]) < 2:
        return None
    lines = ["| " + " | ".join(cells) + " |" for cells in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    caption = node.css_first("caption")
    title = _SPACES.sub(" ", caption.text(deep=True) or "").strip() if caption is not None else ""
    return "\n".join(([title, ""] if title else []) + lines)


def _fenced(code: str) -> str:
    """A ``<pre>`` block as fenced code, as Markdown marks it, so the chunker reads a
    ``# comment`` line in it as code, not as a heading. The fence is longer than any run of
    backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{code}\n{fence}"


def _block_prefix(tag: str) -> str | None:
    """The prefix a block element's text gets, or None for inline elements."""
    if tag in _HEADINGS:
        return "#" * _HEADINGS[tag] + " "
    if tag == "li":
        return "- "
    if tag in _BLOCKS or tag == "tr":
        return ""
    return None


def _entry_lists(root: Any) -> set[int]:
    """The ``<dl>`` lists whose terms are entries of a reference: each term is code (an option,
    a function: "--conflict-cache-size=N [default: 1000000]", Sphinx's signatures) and the
    descriptions run to paragraphs. Each term is rendered as a heading one level under the last
    one, so the chunker keeps an entry's paragraphs under its name, as it does for a
    reStructuredText ``.. option::``. A glossary of words or a list of links is no such list.

    Text sizes come from one pass over the tree (``_text_sizes``), so lists nested in lists
    cost linear time, not the square of their depth."""
    sizes = _text_sizes(root)
    out = set()
    for dl in root.css("dl"):
        terms = [n for n in dl.iter() if n.tag == "dt"]
        described = [n for n in dl.iter() if n.tag == "dd"]
        if not terms or not described:
            continue
        length = sum(sizes.get(d.mem_id, 0) for d in described)
        if length / len(described) >= _ENTRY_MIN_CHARS and all(
            0 < sizes.get(t.mem_id, 0) <= _MAX_TERM_CHARS * 4 and _code_term(t) for t in terms
        ):
            out.add(dl.mem_id)
    return out


def _text_sizes(root: Any) -> dict[int, int]:
    """Each element's text length under ``root`` (its whole subtree; runs of white space count
    as one), by one walk in post-order with an explicit stack."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            sizes[node.mem_id] = sum(
                sizes.get(c.mem_id, 0)
                if c.tag != "-text"
                else len(_SPACES.sub(" ", c.text_content or "").strip())
                for c in node.iter(include_text=True)
            )
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in node.iter() if c.tag != "-text")
    return sizes


def _code_term(node: Any) -> bool:
    text = _SPACES.sub(" ", node.text(deep=True) or "").strip()
    if not text or len(text) > _MAX_TERM_CHARS:
        return False
    if text.startswith("-") or "sig" in (node.attributes.get("class") or "").split():
        return True
    code = sum(len((c.text(deep=True) or "").strip()) for c in node.css("code, tt, kbd, samp"))
    return code * 2 >= len(text)


def _layout_cell(node: Any, line: list[str]) -> bool:
    """A table cell that lays out the page rather than holding data: it holds paragraphs or
    other blocks, and the cells before it in its row left no text. DocBook's FAQ puts each
    answer in such a cell beside an empty anchor cell; a separator there would stand alone."""
    if "".join(line).strip():
        return False
    return node.css_first("p, div, ul, ol, dl, pre, table") is not None


def _has_cell_before(node: Any) -> bool:
    prev = node.prev
    while prev is not None:
        if prev.tag in ("td", "th"):
            return True
        prev = prev.prev
    return False
