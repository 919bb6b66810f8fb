"""AgentDojo's injection attacks planted where its environments plant them: a source never trained on.

``agentdojo==0.1.35`` (MIT, Debenedetti et al., NeurIPS 2024 Datasets and Benchmarks) ships four
simulated environments (a workspace with e-mail, calendar and cloud drive; Slack; travel bookings;
banking) whose documents carry *injection vectors*: a slot in an e-mail body, a hotel review, a
bill, a web page, where a third party could write. It also ships the attacker goals ("send the
Facebook security code to ...") and the attack templates its paper measures (``direct``,
``ignore_previous``, ``system_message``, InjecAgent's, ``important_instructions``) and the
denial-of-service strings. Here each (template, goal) pair is planted in one vector of one
document, the other vectors keep their benign defaults, and the document text is what ingest
would store. The same documents with every vector at its default are the benign twins.

Everything is read from the fetched wheel (``_attack_sources.fetch``) with ``ast`` and PyYAML:
nothing is imported or installed, nothing is copied into the repository. ``tool_knowledge`` is
left out: it spells out the tool calls of AgentDojo's own agent, which ingest never meets.

This source was added after the detector, its patterns and its training were last changed, and
is measured, never trained or tuned on.
"""

from __future__ import annotations

import ast
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks._attack_sources import CACHE, fetch
from benchmarks._guard_data import Example

SUITES = ("workspace", "slack", "travel", "banking")
USER, MODEL = "Emma Johnson", "GPT-4"  # the names AgentDojo's important_instructions attack uses
_FIXED = {  # attack name -> the FixedJailbreakAttack class that holds its template
    "direct": "DirectAttack",
    "ignore_previous": "IgnorePreviousAttack",
    "system_message": "SystemMessageAttack",
    "injecagent": "InjecAgentAttack",
}
MIN_BENIGN = 40  # shorter fields are names, dates, addresses: not text a detector reads
_VECTOR = re.compile(r"\{([a-z_0-9]+)\}")


@dataclass(frozen=True, slots=True)
class Planted:
    """One document of the source: its text, the attack it carries (``""`` for a benign twin),
    the attack template's name, and the environment document it came from."""

    text: str
    attack: str
    template: str
    document: str


def _eval(node: ast.AST, names: dict[str, Any]) -> Any:
    """A literal or f-string expression, its names looked up in ``names``; nothing is executed."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return names[node.attr]  # self._X / cls._X
    if isinstance(node, ast.JoinedStr):
        return "".join(str(_eval(v, names)) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _eval(node.value, names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _eval(node.left, names) + _eval(node.right, names)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, names) for e in node.elts]
    raise ValueError(f"not a literal: {ast.dump(node)[:60]}")


def _assignments(body: list[ast.stmt], names: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stmt in body:
        target, value = None, None
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            target, value = stmt.target.id, stmt.value
        if target is None or value is None:
            continue
        try:
            out[target] = _eval(value, {**names, **out})
        except (KeyError, ValueError, TypeError):
            continue
    return out


def _classes(source: str) -> dict[str, dict[str, Any]]:
    tree = ast.parse(source)
    module = _assignments(tree.body, {})
    return {
        node.name: _assignments(node.body, module)
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def _template(source: str, cls: str) -> str:
    """The template string a FixedJailbreakAttack subclass passes to ``super().__init__``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "__init__"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    return str(call.args[0].value)
    raise ValueError(f"no template in {cls}")


def templates(wheel: Path) -> dict[str, str]:
    """Attack name -> template with a ``{goal}`` slot (or a fixed DoS string)."""
    with zipfile.ZipFile(wheel) as zf:
        base = zf.read("agentdojo/attacks/baseline_attacks.py").decode()
        important = zf.read("agentdojo/attacks/important_instructions_attacks.py").decode()
        dos = zf.read("agentdojo/attacks/dos_attacks.py").decode()
    out = {name: _template(base, cls) for name, cls in _FIXED.items()}
    jb = _classes(important)["ImportantInstructionsAttack"]["_JB_STRING"]
    out["important_instructions"] = jb.replace("{user}", USER).replace("{model}", MODEL)
    for cls, attrs in _classes(dos).items():
        if "_DOS_STRING" in attrs:
            text = attrs["_DOS_STRING"].replace("{user}", USER).replace("{model}", MODEL)
            out[f"dos:{cls}"] = text
    return out


def goals(wheel: Path, suite: str) -> list[str]:
    """The attacker goals of ``suite``'s injection tasks, every benchmark version, deduplicated."""
    found: dict[str, None] = {}
    with zipfile.ZipFile(wheel) as zf:
        for member in sorted(zf.namelist()):
            if member.startswith("agentdojo/default_suites/") and member.endswith(
                f"/{suite}/injection_tasks.py"
            ):
                for attrs in _classes(zf.read(member).decode()).values():
                    if isinstance(attrs.get("GOAL"), str):
                        found.setdefault(" ".join(attrs["GOAL"].split()), None)
    return list(found)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that reads ``!include file`` as a marker to resolve afterwards."""


_Loader.add_constructor(
    "!include", lambda loader, node: ("!include", loader.construct_scalar(node))
)  # type: ignore[no-untyped-call]


def _strings(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{where}[{i}]")]
    return []


def documents(wheel: Path, suite: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``suite``'s environment text fields (an e-mail body, a file, a review, a web page) and
    each injection vector's benign default."""
    prefix = f"agentdojo/data/suites/{suite}/"
    docs: list[tuple[str, str]] = []
    with zipfile.ZipFile(wheel) as zf:
        defaults = yaml.load(zf.read(prefix + "injection_vectors.yaml"), Loader=_Loader)
        for member in sorted(zf.namelist()):
            if member.startswith(prefix) and member.endswith(".yaml"):
                if member.endswith("injection_vectors.yaml"):
                    continue
                data = yaml.load(zf.read(member), Loader=_Loader)
                docs += [(f"{suite}:{member[len(prefix) :]}{w}", s) for w, s in _strings(data, "")]
    return docs, {k: str(v.get("default", "")) for k, v in defaults.items()}


def _fill(text: str, values: dict[str, str]) -> str:
    return _VECTOR.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def planted(cache: Path = CACHE) -> list[Planted]:
    """Every (template, goal) pair planted in one vector (vectors taken in turn), and every
    text field of at least ``MIN_BENIGN`` characters with the vectors at their defaults (the
    benign twins). DoS strings carry no goal: each is planted once per suite."""
    wheel = fetch("agentdojo", cache)
    tpl = templates(wheel)
    out: list[Planted] = []
    for suite in SUITES:
        docs, defaults = documents(wheel, suite)
        slots = [(name, text, v) for name, text in docs for v in _VECTOR.findall(text)]
        benign = [Planted(_fill(text, defaults), "", "", name) for name, text in docs]
        out += [b for b in benign if len(b.text.strip()) >= MIN_BENIGN]
        attacks = [
            (t, tpl[t].replace("{goal}", g))
            for g in goals(wheel, suite)
            for t in tpl
            if not t.startswith("dos:")
        ] + [(t, s) for t, s in tpl.items() if t.startswith("dos:")]
        for i, (template, attack) in enumerate(attacks):
            name, text, vector = slots[i % len(slots)]
            doc = _fill(text, {**defaults, vector: attack})
            out.append(Planted(doc, attack, template, name))
    return out


def as_examples(rows: list[Planted]) -> tuple[list[Example], list[Example]]:
    """(planted attacks, benign twins) as benchmark examples, grouped by environment document."""
    attacks = [Example(r.text, 1, f"agentdojo:{r.document}", "agentdojo") for r in rows if r.attack]
    benign = [
        Example(r.text, 0, f"agentdojo:{r.document}", "agentdojo") for r in rows if not r.attack
    ]
    return attacks, benign
