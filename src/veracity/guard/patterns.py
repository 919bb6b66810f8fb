"""Named regular expressions for well-known prompt-injection moves.

Each pattern runs on ``normalize.canonical`` text (lowercase, look-alikes and leetspeak folded),
so one spelling covers the obfuscated ones. Patterns are precise rather than broad: the classifier
covers the long tail, patterns give a named reason and catch the classics even when they hide in
a long benign text. Every pattern was checked for false positives on SQuAD questions and
paragraph sentences (see ``benchmarks/injection.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INSTR = (
    r"(?:instructions?|prompts?|rules?|directives?|guidelines?|commands?|orders?|"
    r"context|programming|constraints?|restrictions?)"
)
_PRIOR = r"(?:previous|prior|above|earlier|preceding|initial|original|old|system|all|your)"
# not "override": "override any rule of national law" is ordinary legal prose
_VERB_IGNORE = r"(?:ignore|disregard|forget|skip|bypass|neglect|abandon|discard)"
_VERB_SHOW = (
    r"(?:reveal|repeat|print|show|output|display|tell me|give me|write( down| out)?|list|"
    r"summari[sz]e|disclose|leak|spell|format|convert|translate|recite|dump|echo|paraphrase)"
)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named injection move and the expression that finds it."""

    name: str
    regex: re.Pattern[str]


def _p(name: str, expr: str) -> Pattern:
    return Pattern(name, re.compile(expr, re.M | re.S))


PATTERNS: tuple[Pattern, ...] = (
    _p(
        "ignore_previous_instructions",
        rf"\b{_VERB_IGNORE}\b[^.\n]{{0,40}}\b{_PRIOR}\b[^.\n]{{0,30}}\b{_INSTR}\b"
        rf"|\b{_VERB_IGNORE} (?:everything|all) (?:above|before|said)\b",
    ),
    _p(
        "new_instructions",
        r"\bnew (?:instructions|directives|system prompt)\b|\byour new (?:rules|role|task)\b"
        r"|\b(?:updated|revised|real|true) (?:instructions|system prompt)\b"
        r"|\binstructions? (?:have|has) (?:changed|been updated)\b",
    ),
    _p(
        "role_reassignment",
        # not bare "you are now": manuals say "you are now ready to print"
        r"\byou are now (?:a|an|my|called|named|free|unrestricted|jailbroken|dan|no longer|in "
        r"(?:developer|god|unrestricted) mode)\b|\bfrom now on,? (?:you are|you will (?:only )?(?:respond|reply|answer|act|"
        r"say)|you must|respond|reply|only|always)\b"
        r"|\bpretend (?:to be|you are|that you)\b|\byou (?:will|must) (?:now )?act as\b"
        r"|\bact as (?:an? )?(?:unrestricted|unfiltered|jailbroken|evil|different)\b",
    ),
    _p(
        "system_prompt_extraction",
        rf"\b{_VERB_SHOW}\b[^.\n]{{0,50}}\b(?:system prompt|pre-?prompt|"
        rf"(?:your|the|all|these|those|{_PRIOR}|hidden|secret) {_INSTR}|"
        rf"(?:the|your) (?:password|access code|secret|passcode))\b"
        r"|\bwhat (?:is|are|were) (?:your|you|the) (?:system prompt|instructions|initial prompt)\b"
        r"|\b(?:explain|rephrase|rewrite|describe|repeat|output|print)\b[^.\n]{0,30}\byour "
        r"(?:instructions|prompt|rules|ruleset|directives|previous message|last prompt)\b"
        r"|\b(?:repeat|explain|output|print)\b[^.\n]{0,20}\bthe (?:above|previous) (?:words|text)\b",
    ),
    _p(
        "roleplay_jailbreak",
        r"\bdo anything now\b|\bdeveloper mode\b|\bjailbr(?:eak|oken)\b|\bdan mode\b"
        r"|\byou (?:now )?(?:have|are under|operate with) no (?:ethical |moral )?"
        r"(?:restrictions|limitations|filters|guidelines)\b"
        r"|\bwithout (?:any )?(?:restrictions|limitations|filters|censorship)\b"
        r"|\bstay in character\b|\bevil (?:confidant|assistant|ai)\b",
    ),
    _p(
        "access_granted_payload",
        r"\baccess grant(?:ed)?\b|\bgrant(?:ed)? access\b"
        r"|\b(?:correct|right) (?:password|passcode|access code)\b|\bpassword (?:is )?correct\b",
    ),
    _p(
        "delimiter_injection",
        r"<\|?\s*(?:im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id)\s*\|?>"
        r"|\[/?inst\]|<</?sys>>|^\s*#{2,}\s*(?:instruction|system|response|new instruction)s?\b"
        r"|^\s*(?:system|assistant)\s*:"
        r"|\b(?:end|begin|start) (?:of )?(?:the )?(?:untrusted |user |system )"
        r"(?:input|prompt|instructions|message)\b",
    ),
    _p(
        "padding_flood",  # Tensor Trust's "ö ö ö ..." and "{ [ ( { [ ( ..." floods; not "-----" rules
        r"([^\s\-=_*.~#+])(?:\s?\1){40,}|([^\s\-=_*.~#+]\s?\S\s?\S\s?)\2{25,}",
    ),
)


def match_patterns(canonical_text: str) -> list[str]:
    """Names of the patterns that match ``canonical_text`` (see ``normalize.canonical``)."""
    return [p.name for p in PATTERNS if p.regex.search(canonical_text)]
