"""MyST Markdown (Sphinx documentation written in Markdown), read as what its built pages show.

MyST extends Markdown with directives in fences (```` ```{note} ````, ``:::{warning}``) and roles
(``{func}`attrs.define```). Read as plain Markdown, a note's fence looks like code, so its prose
is never quoted, and roles leave their markup in an answer. ``myst_to_markdown`` renders them as
``rst`` renders their reStructuredText twins: admonitions as "Note: ..." paragraphs, version
notes as "New in version 20.1.0.", code directives as plain fences, ``{eval-rst}`` blocks as
the reStructuredText they hold, ``toctree``, ``include`` and images dropped, roles as their text;
``(label)=`` targets and ``%`` comment lines are dropped. Text that uses none of MyST's syntax
is returned unchanged, so plain Markdown (where a line may start with "%") is never touched.
"""

from __future__ import annotations

import re

from veracity.ingest.loaders.rst import (
    ADMONITIONS,
    CODE,
    MAX_NESTING,
    OPTION_LINE,
    SILENT,
    TITLED,
    VERSIONS,
    inline,
    labelled,
    roles,
    rst_to_markdown,
)

_OPEN = re.compile(r"^( {0,3})(`{3,}|:{3,})\{([\w:-]+)\}[ \t]*(.*)$")
_ROLE = re.compile(r"(?<![\w$`/.])\{[\w:-]+\}`[^`\s,;)][^`\n]*`")
_TARGET = re.compile(r"^\([\w.:-]+\)=[ \t]*$")
_PLAIN_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def is_myst(markdown: str) -> bool:
    """Whether ``markdown`` uses MyST's directives, or its roles outside code fences (then
    ``myst_to_markdown`` applies)."""
    fence = ""
    for line in markdown.splitlines():
        if _OPEN.match(line) and not fence:
            return True
        if m := _PLAIN_FENCE.match(line):
            fence = "" if fence and line.strip().startswith(fence) else fence or m.group(1)
        elif not fence and _ROLE.search(line):
            return True
    return False


def myst_to_markdown(markdown: str) -> str:
    """``markdown`` with its MyST directives and roles rendered (see the module docstring)."""
    if not is_myst(markdown):
        return markdown
    return _render(markdown.split("\n"))


def _render(lines: list[str], depth: int = 0) -> str:
    """The lines rendered; ``depth``: how many directives they are nested in (past
    ``MAX_NESTING`` a directive's content is kept as it is written)."""
    out: list[str] = []
    i = 0
    fence = ""  # the opening of a plain code fence we are inside
    while i < len(lines):
        line = lines[i]
        if fence:
            out.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            i += 1
            continue
        if m := _OPEN.match(line):
            marker = m.group(2)
            end = i + 1
            while end < len(lines) and not _closes(lines[end], marker):
                end += 1
            out += _directive(m.group(3).lower(), m.group(4).strip(), lines[i + 1 : end], depth)
            i = end + 1
            continue
        if m := _PLAIN_FENCE.match(line):
            fence = m.group(1)
            out.append(line)
            i += 1
            continue
        if not (_TARGET.match(line) or line.startswith("%")):
            out.append(roles(line) if "`" in line else line)
        i += 1
    return "\n".join(out)


def _closes(line: str, marker: str) -> bool:
    bare = line.strip()
    return bare.startswith(marker) and not bare.strip(marker[0])


def _directive(name: str, arg: str, body: list[str], depth: int) -> list[str]:
    """The lines a MyST directive renders as: ``body`` is its content (Markdown)."""
    while body and (OPTION_LINE.match(body[0].strip()) or not body[0].strip()):
        body = body[1:]
    content = "\n".join(body).strip("\n")
    name = name.split(":")[-1]
    if name in SILENT or name.endswith("include"):
        return []
    if depth >= MAX_NESTING:  # hostile nesting: the content as written, not read
        return ["", content, ""]
    if name == "eval-rst":
        return ["", rst_to_markdown(content, depth=depth + 1).rstrip("\n"), ""]
    if name in CODE:
        lang = "pycon" if name == "doctest" else (arg.split()[0] if arg else "")
        ticks = "````" if "```" in content else "```"
        return ["", f"{ticks}{lang}", content, ticks, ""]
    inner = _render(content.split("\n"), depth + 1).strip("\n") if content else ""
    if name in VERSIONS:
        version, _, rest = arg.partition(" ")
        said = " ".join(p for p in (inline(rest.strip()), " ".join(inner.split())) if p)
        note = VERSIONS[name].format(version)
        return ["", f"{note}: {said}" if said else f"{note}.", ""]
    label = ADMONITIONS.get(name) or (inline(arg) if name == "admonition" else "")
    if label and name != "admonition" and arg:  # text on the opening line starts the content
        inner = f"{arg}\n{inner}" if inner else arg
    if label:
        return ["", *labelled(label, inner.split("\n") if inner else []), ""]
    head = [f"**{inline(arg)}**"] if arg and name in TITLED else []
    return ["", *head, inner, ""]
