"""reStructuredText (Sphinx documentation), read as what its built pages show, in Markdown.

Read as plain text, a ``.rst`` page keeps its markup, and an answer would quote it:
``.. autofunction:: attrs.define``, ``:func:`~attrs.define```, title underlines,
``.. versionadded:: 20.1.0``. ``rst_to_markdown`` renders the page the way Sphinx shows it, in
the Markdown that the heading-aware chunker reads:

- section titles (underlined, or over- and underlined, with any punctuation character) become
  ``#`` headings, their levels in the order the styles first appear, as docutils assigns them;
- a Sphinx object directive (``.. function:: mutable(same_as_define)``, ``.. autoclass:: C``)
  becomes a heading one level under its section, naming the object; its content is that
  heading's section, so a chunk about ``frozen`` says it is about ``frozen``;
- ``versionadded``, ``versionchanged`` and ``deprecated`` read as Sphinx renders them ("New in
  version 20.1.0."), admonitions as "Note: ..." / "Warning: ..." paragraphs;
- code (a paragraph ending in ``::`` and the indented block after it, ``code-block``,
  ``doctest``, ``>>>`` blocks, and a project's own directive whose content reads as code, such
  as Click's ``click:example``) is fenced, which the answer step never quotes as prose;
- comments, link targets, substitution definitions, directive options, ``toctree``, images and
  other directives that show no text are dropped; another directive keeps its content as text,
  and its argument only when it is a title (``rubric``, ``topic``, ``tab``);
- inline markup keeps its text: ``:func:`~attrs.define``` is ```define()```, ``:ref:`the
  glossary <glossary>``` is "the glossary", ```text <url>`_`` is "text", ````x```` is ```x```.

- a definition list item reads as one sentence, "term: definition", not a term on a line of its
  own that reads as a heading.

It is not a docutils parser (no new dependency for a text loader): tables are kept as written,
and nested body elements keep their words but not their structure. MyST Markdown
(``loaders.myst``) renders its ``{directive}`` fences and roles with the same tables and roles.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from veracity.ingest.loaders.base import (
    LoadOptions,
    LoadResult,
    decode_text,
    make_document,
    read_bytes,
)
from veracity.records import Document

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}[ \t]*$")
_DIRECTIVE = re.compile(r"^\.\.[ \t]+(?:[\w-]+:)?([\w-]+)::(?:[ \t]+(.*))?$")
_EXPLICIT = re.compile(r"^\.\.(?:[ \t]|$)")  # a comment, a target, a footnote, a substitution
OPTION_LINE = re.compile(r"^:[\w-]+:(?:[ \t]|$)")  # a directive option: ":caption: x"
_BULLET = re.compile(r"^(?:[-*+•]|\d+[.)]|#\.|\(?[a-zA-Z0-9]\))[ \t]+")

OBJECTS = frozenset({
    "function", "method", "class", "attribute", "data", "exception", "decorator", "property",
    "classmethod", "staticmethod", "decoratormethod", "type", "envvar", "option",
    "autofunction", "automethod", "autoclass", "autoattribute", "autodata", "autoexception",
    "autodecorator", "autoproperty",
})  # fmt: skip
# Directives and definitions nested deeper than this keep their content as written: a page of
# thousands of nested notes would otherwise cost the square of its depth and overflow the stack.
MAX_NESTING = 32
CODE = frozenset({
    "code-block", "code", "sourcecode", "doctest", "testcode", "testoutput", "ipython",
    "jupyter-execute", "parsed-literal", "productionlist",
})  # fmt: skip
VERSIONS = {
    "versionadded": "New in version {}",
    "versionchanged": "Changed in version {}",
    "deprecated": "Deprecated since version {}",
    "versionremoved": "Removed in version {}",
}
ADMONITIONS = {
    "note": "Note", "warning": "Warning", "tip": "Tip", "important": "Important",
    "caution": "Caution", "danger": "Danger", "attention": "Attention", "hint": "Hint",
    "error": "Error", "seealso": "See also",
}  # fmt: skip
# Directives whose argument is a title shown above their content.
TITLED = frozenset({"rubric", "topic", "sidebar", "tab", "tab-item", "dropdown", "card"})
SILENT = frozenset({
    "toctree", "image", "figure", "module", "currentmodule", "automodule", "include",
    "literalinclude", "contents", "index", "highlight", "raw", "meta", "sectionauthor",
    "moduleauthor", "codeauthor", "tabularcolumns", "testsetup", "testcleanup", "autosummary",
    "default-role", "role", "default-domain", "py:currentmodule", "todo", "spelling:word-list",
})  # fmt: skip


def load_rst(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield rst_document(path, read_bytes(path, options), options, path.stem)


def rst_document(path: Path, data: bytes, options: LoadOptions, name: str) -> Document:
    """The document of reStructuredText ``data`` read from ``path``, as Markdown (see the module
    docstring); titled by its first section title, else ``name``."""
    text, encoding = decode_text(path, data, "reStructuredText")
    return rst_text_document(path, text, encoding, options, name)


def rst_text_document(
    path: Path, text: str, encoding: str, options: LoadOptions, name: str
) -> Document:
    """The document of decoded reStructuredText ``text`` (see ``rst_document``)."""
    body = rst_to_markdown(text)
    title = next((ln[2:] for ln in body.splitlines() if ln.startswith("# ")), "") or name
    return make_document(
        path, body, options, title=title, mime="text/markdown", metadata={"encoding": encoding}
    )


_DIRECTIVE_LINE = re.compile(r"^[ \t]*\.\.[ \t]+[\w:-]+::", re.MULTILINE)
_ROLE_USE = re.compile(r"(?<![\w`]):[\w:-]+:`[^`\n]+`")


def looks_like_rst(text: str) -> bool:
    """Whether plain text is reStructuredText: two or more directives or roles. Django's docs
    are ``.txt`` files of it; of 934 plain-text files under ``/usr/share/doc`` none has two."""
    found = 0
    for pattern in (_DIRECTIVE_LINE, _ROLE_USE):
        for _ in pattern.finditer(text):
            found += 1
            if found >= 2:
                return True
    return False


def rst_to_markdown(text: str, level: int = 0, depth: int = 0) -> str:
    """``text`` (reStructuredText) rendered as Markdown; ``level`` is the heading level the text
    sits under (the content of a directive inside a section), ``depth`` how many directives it
    is nested in (past ``MAX_NESTING`` a directive's content is kept as it is written)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(8).split("\n")
    out = _Renderer(level, depth).render(lines)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n") + "\n"


class _Renderer:
    """One pass over the lines of a page (or a directive's content)."""

    def __init__(self, level: int, depth: int = 0) -> None:
        self.depth = depth  # directives this content is nested in
        self.base = level
        self.level = level  # the level of the last heading emitted
        self.styles: list[tuple[str, bool]] = []  # title adornment styles, outermost first
        self.out: list[str] = []

    def render(self, lines: list[str]) -> list[str]:
        i = 0
        while i < len(lines):
            i = self._block(lines, i)
        return self.out

    def _block(self, lines: list[str], i: int) -> int:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            self.out.append("")
            return i + 1
        if (title := _title_at(lines, i)) is not None:
            text, style, end = title
            if style not in self.styles:
                self.styles.append(style)
            self.level = min(6, self.base + self.styles.index(style) + 1)
            self.out += ["", "#" * self.level + " " + inline(text), ""]
            return end
        indent = len(line) - len(line.lstrip())
        if m := _DIRECTIVE.match(stripped):
            end = _indented_end(lines, i + 1, indent)
            self._directive(m.group(1).lower(), (m.group(2) or "").strip(), lines[i + 1 : end])
            return end
        if _EXPLICIT.match(stripped):
            return _indented_end(lines, i + 1, indent)
        if stripped.startswith(">>>"):
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            self._fence(textwrap.dedent("\n".join(lines[i:end])), "pycon")
            return end
        return self._paragraph(lines, i, indent)

    def _paragraph(self, lines: list[str], i: int, indent: int) -> int:
        """A paragraph (or a list item, or a definition term) up to a blank line or a line that
        starts another block; a trailing ``::`` opens the literal block after it."""
        end = i + 1
        item = _BULLET.match(lines[i].strip()) is not None
        while end < len(lines) and lines[end].strip():
            nxt, deeper = lines[end], _indent_of(lines[end]) > indent
            if _EXPLICIT.match(nxt.strip()) or not (_indent_of(nxt) == indent or (item and deeper)):
                break  # a directive or a target, or a definition's body under its term
            if _BULLET.match(nxt.strip()) and (not item or not deeper):
                break  # the next item, or a list right under a paragraph
            end += 1
        para = [ln.strip() for ln in lines[i:end]]
        literal = para[-1].endswith("::")
        if literal:
            last = para[-1][:-2].rstrip()
            para[-1] = last if (not last or last.endswith(" ")) else last + ":"
            if para[-1].endswith(" :"):
                para[-1] = para[-1][:-2]
            para = [p for p in para if p]
        body_end = _indented_end(lines, end, indent) if end < len(lines) else end
        if len(para) == 1 and not literal and not item and body_end > end and lines[end].strip():
            return self._definition(para[0], lines[end:body_end], body_end)
        if para:
            self.out += inline("\n".join(para)).split("\n")  # a role may span lines
        if end < len(lines) and lines[end].strip():
            self.out.append("")  # a nested block follows: keep it apart
        if literal:
            start = end
            while start < len(lines) and not lines[start].strip():
                start += 1
            stop = _indented_end(lines, start, indent) if start < len(lines) else start
            if stop > start and _indent_of(lines[start]) > indent:
                self._fence(textwrap.dedent("\n".join(lines[start:stop])).strip("\n"), "")
                return stop
        return end

    def _definition(self, term: str, body: list[str], end: int) -> int:
        """A definition list item, read as one sentence: "(b)ackup: Rename the file ..." (a
        term on a line of its own reads as a heading, cut off from what it names)."""
        dedented = textwrap.dedent("\n".join(body)).split("\n")
        if self.depth >= MAX_NESTING:  # hostile nesting: the body as written, not read
            inner = dedented
        else:
            inner = _Renderer(self.level, self.depth + 1).render(dedented)
        first = next((k for k, ln in enumerate(inner) if ln.strip()), None)
        label = inline(term).rstrip(":")
        if first is not None and not inner[first].startswith(("#", "```", "- ", "* ")):
            inner[first] = f"{label}: {inner[first]}"
        else:
            inner = [label, "", *inner]
        self.out += ["", *inner, ""]
        return end

    def _directive(self, name: str, arg: str, body: list[str]) -> None:
        content = _without_options(body)
        if name in SILENT or name.endswith("include"):
            return
        if self.depth >= MAX_NESTING:  # hostile nesting: the content as written, not read
            self.out += ["", *content.split("\n"), ""]
            return
        if name in CODE:
            lang = arg.split()[0] if arg and name in ("code-block", "code", "sourcecode") else ""
            self._fence(content.strip("\n"), "pycon" if name == "doctest" else lang)
            return
        if name in OBJECTS:
            level = min(6, self.level + 1)
            self.out += ["", "#" * level + " " + f"`{arg}`" if arg else "", ""]
            self.out += _Renderer(level, self.depth + 1).render(content.split("\n"))
            return
        if name in VERSIONS:
            version, _, rest = arg.partition(" ")
            said = " ".join(
                p for p in (inline(rest.strip()), _flat(content, self.level, self.depth + 1)) if p
            )
            head = VERSIONS[name].format(version)
            self.out += ["", f"{head}: {said}" if said else f"{head}.", ""]
            return
        if name in ADMONITIONS or name == "admonition":
            label = ADMONITIONS.get(name) or inline(arg)
            if name != "admonition" and arg:  # ".. note:: Text" starts its content on that line
                content = f"{arg}\n{content}"
            inner = _Renderer(self.level, self.depth + 1).render(content.split("\n"))
            self.out += ["", *labelled(label, inner), ""]
            return
        if name in TITLED and arg:
            self.out += ["", f"**{inline(arg)}**"]
        if looks_like_code(content):  # a project's own code directive (".. click:example::")
            self._fence(content, "")
            return
        # any other directive: its content as text; its argument is an option, a path or a
        # name that only the directive's own code knows what to do with ("pip-command-usage")
        self.out += ["", *_Renderer(self.level, self.depth + 1).render(content.split("\n")), ""]

    def _fence(self, code: str, lang: str) -> None:
        ticks = "````" if "```" in code else "```"
        self.out += ["", f"{ticks}{lang}", *code.split("\n"), ticks, ""]


_CODE_LINE = re.compile(
    r"^\s*(?:@\w|def |class |import |from \S+ import |(?:return|pass|break|continue|yield)\b"
    r"|raise |\"\"\"|'''|(?:if|for|while|with|elif"
    r"|else|try|except|finally)\b.*:$|\$ |>>> |\.\.\. |[#}{\])]|\w[\w.]*\s*[-+*/]?=[^=]"
    r"|[\w.]+\(.*\)[:;]?$)"
)


def looks_like_code(content: str) -> bool:
    """Whether a directive's content is code: its first line and at least 60% of its lines read
    as code (a decorator, a definition, an import, an assignment, a call, a prompt), so prose
    with an example in it stays prose."""
    lines = [ln for ln in content.split("\n") if ln.strip()]
    code = sum(1 for ln in lines if _CODE_LINE.match(ln))
    return bool(lines) and _CODE_LINE.match(lines[0]) is not None and code >= 0.6 * len(lines)


def labelled(label: str, lines: list[str]) -> list[str]:
    """An admonition's rendered ``lines`` under its ``label``: "Note: " opens its first line of
    prose, or stands on a line of its own before a heading, a code fence or a list."""
    out = list(lines)
    first = next((k for k, ln in enumerate(out) if ln.strip()), None)
    if first is not None and not out[first].startswith(("#", "```", "- ", "* ")):
        out[first] = f"{label}: {out[first]}"
    elif label:
        out[:0] = [f"{label}:", ""]
    return out


def _title_at(lines: list[str], i: int) -> tuple[str, tuple[str, bool], int] | None:
    """(title, (adornment character, overlined), index after it) if a section title starts at
    line ``i``; titles sit at the left margin."""
    line = lines[i]
    if line[:1].isspace():
        return None
    over = _ADORNMENT.match(line)
    if over and i + 2 < len(lines):
        text, under = lines[i + 1], _ADORNMENT.match(lines[i + 2])
        if text.strip() and under and under.group(1) == over.group(1):
            return text.strip(), (over.group(1), True), i + 3
    if over or i + 1 >= len(lines):
        return None
    under = _ADORNMENT.match(lines[i + 1])
    if under and len(lines[i + 1].rstrip()) >= min(len(line.rstrip()), 4):
        above_blank = i == 0 or not lines[i - 1].strip()
        if above_blank and not _BULLET.match(line) and not _EXPLICIT.match(line):
            return line.strip(), (under.group(1), False), i + 2
    return None


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def _indented_end(lines: list[str], i: int, indent: int) -> int:
    """The index after the block of lines indented deeper than ``indent`` (blank lines inside
    it included) that starts at ``i``."""
    end = last = i
    while end < len(lines):
        if lines[end].strip():
            if _indent_of(lines[end]) <= indent:
                break
            last = end + 1
        end += 1
    return last


def _without_options(body: list[str]) -> str:
    """A directive's content, dedented, without its leading ``:option: value`` lines."""
    kept = textwrap.dedent("\n".join(body)).split("\n")
    while kept and OPTION_LINE.match(kept[0]):
        kept.pop(0)
    return "\n".join(kept).strip("\n")


def _flat(content: str, level: int, depth: int) -> str:
    """A short directive body as one line of prose."""
    if not content.strip():
        return ""
    rendered = rst_to_markdown(content, level, depth)
    return " ".join(ln.strip() for ln in rendered.split("\n") if ln.strip())


_ROLE = re.compile(r"(?::(?:[\w-]+:)?([\w-]+):|\{([\w:-]+)\})`((?:[^`\\]|\\.)+)`")
_CODE_ROLES = frozenset({
    "func", "meth", "class", "attr", "exc", "data", "obj", "mod", "const", "type",
    "py", "any", "code", "samp", "file", "envvar", "option", "program", "command",
})  # fmt: skip
_LINK = re.compile(r"`([^`<]+?)\s*<[^`>]*>`__?")
_NAMED_REF = re.compile(r"`([^`]+)`__?(?![\w`])")
_TITLED = re.compile(r"(?<!`)`([^`<]+?)\s+<[^`<>]+>`(?!`)")  # the default role with a title
_LITERAL = re.compile(r"``(.+?)``")
_FOOTNOTE_REF = re.compile(r"\s?\[(?:#[\w-]*|\*|\d+)\]_")


def inline(text: str) -> str:
    """Inline markup rendered as its text (see the module docstring)."""
    text = _ROLE.sub(_role, text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _NAMED_REF.sub(lambda m: m.group(1), text)
    text = _TITLED.sub(lambda m: m.group(1), text)
    text = _FOOTNOTE_REF.sub("", text)
    return _LITERAL.sub(lambda m: f"`{m.group(1)}`", text)


def roles(text: str) -> str:
    """Only the roles of ``text`` rendered (``{func}`x``` in MyST Markdown, where the rest of
    the inline markup is Markdown's)."""
    return _ROLE.sub(_role, text)


def _role(m: re.Match[str]) -> str:
    name = (m.group(1) or m.group(2) or "").split(":")[-1].lower()
    body = m.group(3).replace("\\`", "`")
    titled = re.fullmatch(r"(.*?)\s*<([^<>]+)>", body, re.DOTALL)
    shown = titled.group(1) if titled and titled.group(1) else body
    if name == "pep":
        return f"PEP {shown}"
    if name in ("issue", "pr"):  # sphinx-issues: "#538", as the built page shows it
        return f"#{shown}"
    if name == "rfc":
        return f"RFC {shown}"
    if name not in _CODE_ROLES:
        # a page or a label named without a title: its last part ("vcs-support", not
        # "../topics/vcs-support"); Sphinx would show the page's title, which only it knows
        return shown if titled else shown.rsplit("/", 1)[-1]
    if not titled:
        shown = shown.lstrip("!")
        if shown.startswith("~"):
            shown = shown[1:].rsplit(".", 1)[-1]
        if name in ("func", "meth") and not shown.endswith(")"):
            shown += "()"
    return f"`{shown}`"
