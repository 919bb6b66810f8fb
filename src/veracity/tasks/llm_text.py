"""What the generator-backed tasks (translate, code) share: one call, chunking, reply clean-up.

Small instruction models wrap their answer in habits: a preamble ("Sure! Here is the
translation:"), the instruction or the input echoed back, Markdown fences, quotes, a closing
"Note: ...". ``clean_reply`` removes those, and only those: what is left is the model's answer as
it wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.errors import GenerationError
from veracity.generate.base import Generator, count_tokens
from veracity.records import Decoding, Message

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.S)
_PREAMBLE = re.compile(
    r"^\s*(?:(?:sure|certainly|of course|okay|ok)\b[^\n]*?[.!]\s+)?"
    r"(?:(?:sure|certainly|of course|okay|ok|here|below)\b[^\n]*?:|(?:the )?(?:translation|translated text|answer|output"
    r"|explanation|code|result)(?: in [^\n:]{1,30})?\s*:)[ \t]*\n?",
    re.I,
)
_NOTE = re.compile(
    r"\n\s*(?:\(?\s*(?:note|notes|explanation|translation notes)\s*:).*\Z", re.I | re.S
)
_QUOTES = (('"', '"'), ("“", "”"), ("«", "»"), ("'", "'"))


def complete(generator: Generator, system: str, user: str, decoding: Decoding, what: str) -> str:
    """The generator's whole reply to one system + user turn; an empty reply is a
    ``GenerationError`` naming ``what`` was asked and how to get a better answer."""
    messages = [Message("system", system), Message("user", user)]
    reply = "".join(generator.generate(messages, decoding))
    if not reply.strip():
        name = getattr(generator, "name", type(generator).__name__)
        raise GenerationError(
            f"the model {name!r} returned nothing for {what}; try again with a larger model "
            "(--model PATH.gguf, or --model openai:NAME --base-url URL) or more --max-tokens"
        )
    return reply


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """``(language tag, body)`` of every Markdown code fence in ``text`` (an unclosed last fence
    runs to the end: a reply cut at ``max_tokens``)."""
    return [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]


def strip_preamble(text: str) -> str:
    """``text`` without a leading "Sure! Here is ...:" or "Translation:" line."""
    return _PREAMBLE.sub("", text, count=1)


def strip_echo(text: str, echoed: Sequence[str]) -> str:
    """``text`` without a leading copy of any of ``echoed`` (the instruction or the input, which
    small models repeat before answering)."""
    out = text.lstrip()
    for e in echoed:
        e = e.strip()
        if e and out.startswith(e) and len(out) > len(e):
            out = out[len(e) :].lstrip()
    return out


def strip_notes(text: str) -> str:
    """``text`` without a trailing "Note: ..." paragraph."""
    return _NOTE.sub("", text)


def unquote(text: str, source: str) -> str:
    """``text`` without quotes around all of it, unless ``source`` was quoted the same way."""
    t = text.strip()
    for left, right in _QUOTES:
        s = source.strip()
        wrapped = len(t) > 1 and t.startswith(left) and t.endswith(right)
        if wrapped and not (s.startswith(left) and s.endswith(right)):
            return t[1:-1].strip()
    return t


def clean_reply(reply: str, *, echoed: Sequence[str] = (), source: str = "") -> str:
    """A prose reply without preamble, echo, fences, trailing notes or wrapping quotes."""
    text = strip_echo(reply, echoed)
    text = strip_preamble(text)
    text = _FENCE.sub(lambda m: m.group(2), text)  # a fenced prose answer: keep its body
    text = cut_repeats(strip_notes(text))
    return unquote(text, source)


def cut_repeats(text: str) -> str:
    """``text`` up to the first sentence it already said: small greedy models fall into loops
    ("A. B. A. B. A...") and the loop is never part of the answer."""
    from veracity.text.sentences import split_sentences

    text = _cut_phrase_loop(text)
    seen: set[str] = set()
    for s, e in split_sentences(text):
        key = " ".join(text[s:e].lower().split())
        if key in seen:
            return text[:s].rstrip()
        seen.add(key)
    return text


def _cut_phrase_loop(text: str, times: int = 3) -> str:
    """``text`` cut after the first copy of a run of 2-12 words said ``times`` times in a row
    ("de la ciudad de la ciudad de la ciudad" -> "de la ciudad")."""
    words = [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"\S+", text)]
    w = [x[2] for x in words]
    for i in range(len(w)):
        for n in range(2, 13):
            if i + times * n > len(w):
                break
            if all(w[i + k * n : i + (k + 1) * n] == w[i : i + n] for k in range(1, times)):
                return text[: words[i + n - 1][1]]
    return text


def sentence_chunks(text: str, budget: int, generator: object) -> list[tuple[int, int]]:
    """Spans of ``text`` made of whole consecutive sentences of one paragraph, each at most
    ``budget`` tokens of ``generator`` (a longer sentence is cut at spaces), in order, covering
    every sentence. A span never crosses a blank line, so a reply may stop at one."""
    from veracity.text.sentences import split_sentences

    spans: list[tuple[int, int]] = []
    for s, e in split_sentences(text):
        for a, b in _fit(text, s, e, budget, generator):
            same_paragraph = bool(spans) and "\n\n" not in text[spans[-1][1] : a]
            if same_paragraph and count_tokens(generator, text[spans[-1][0] : b]) <= budget:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
    return spans


def _fit(text: str, s: int, e: int, budget: int, generator: object) -> list[tuple[int, int]]:
    """``[s, e)`` cut at spaces into pieces of at most ``budget`` tokens (one word may exceed)."""
    if count_tokens(generator, text[s:e]) <= budget:
        return [(s, e)]
    out: list[tuple[int, int]] = []
    start = end = s
    for m in re.finditer(r"\S+", text[s:e]):
        a, b = s + m.start(), s + m.end()
        if end > start and count_tokens(generator, text[start:b]) > budget:
            out.append((start, end))
            start = a
        end = b
    out.append((start, end))
    return out
