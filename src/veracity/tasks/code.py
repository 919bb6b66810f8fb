"""Code tasks through any ``Generator``: write code from a description, explain code, convert
code between languages.

    from veracity.generate.base import get_generator
    from veracity.tasks.code import code
    gen = get_generator("smollm2")
    print(code("generate", "reverse a string", gen, language="python").text)
    print(code("explain", "print(sum(range(10)))", gen).text)
    print(code("convert", "print(sum(range(10)))", gen, language="python", target="javascript").text)

Replies are cleaned: for ``generate`` and ``convert`` the code is the first fenced block of the
reply (else the reply without its preamble); for ``explain`` the prose without preamble or echoed
code. Python output is parsed with ``ast`` and ``syntax_ok`` says whether it parses (None for
other languages): a cheap, honest signal, not a test of what the code does.

What the shipped model can do. SmolLM2-135M-Instruct converts trivial code (a two-line
Python ``add`` became correct JavaScript), writes short common snippets that parse but may be
wrong (asked for a factorial, its first block called an undefined ``factorial_n``; a correct
recursive version came second, and the first block is what is kept), and explains code in
fluent, confident and wrong terms (a list comprehension of squares of even numbers was "a list
of booleans"). Treat its code as a draft to read and its explanations as unreliable. A capable
code model is one option away: ``--model PATH.gguf`` (e.g. a Qwen2.5-Coder-Instruct GGUF) or
``--model openai:NAME --base-url URL``. Code longer than the model's window is refused with that advice, not silently cut.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Literal

from veracity.errors import ConfigError
from veracity.generate.base import Generator, context_size_of, count_tokens
from veracity.records import Decoding
from veracity.tasks.llm_text import (
    clean_reply,
    complete,
    fenced_blocks,
    strip_echo,
    strip_notes,
    strip_preamble,
)

CodeTask = Literal["generate", "explain", "convert"]
TASKS: tuple[str, ...] = ("generate", "explain", "convert")
DEFAULT_MAX_TOKENS = 400
_ALIASES = {"py": "python", "js": "javascript", "ts": "typescript", "rb": "ruby", "rs": "rust",
            "c++": "cpp", "golang": "go", "sh": "bash", "shell": "bash", "c#": "csharp"}  # fmt: skip
SYSTEM = {
    "generate": "You are an expert {language} programmer. Write correct, idiomatic {language} "
    "code for the user's request. Reply with one ```{language} code block and nothing else.",
    "explain": "You are an expert programmer. Explain what the user's code does, step by step, "
    "in plain English. Be accurate and brief.",
    "convert": "You are an expert programmer. Rewrite the user's {source} code in {language}, "
    "keeping its behaviour. Reply with one ```{language} code block and nothing else.",
}
USER = {
    "generate": "Write {language} code that does this: {text}",
    "explain": "Explain this {source} code:\n\n```{tag}\n{text}\n```",
    "convert": "Convert this {source} code to {language}:\n\n```{tag}\n{text}\n```",
}


@dataclass(frozen=True, slots=True)
class CodeResult:
    """``text``: the code (generate, convert) or the explanation (explain); ``raw`` the reply."""

    task: str
    text: str
    language: str | None
    model: str
    raw: str
    syntax_ok: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "language": self.language,
            "model": self.model,
            "text": self.text,
            "syntax_ok": self.syntax_ok,
            "raw": self.raw,
        }


def normalize_language(name: str | None) -> str | None:
    """``"py"`` -> ``"python"``; lower case; None stays None."""
    if name is None or not name.strip():
        return None
    value = name.strip().lower()
    return _ALIASES.get(value, value)


def code(
    task: CodeTask | str,
    text: str,
    generator: Generator,
    *,
    language: str | None = None,
    target: str | None = None,
    decoding: Decoding | None = None,
) -> CodeResult:
    """Run one code task. ``generate``: ``text`` describes the code, ``language`` is the language
    to write (default python). ``explain``: ``text`` is code, ``language`` its language
    (optional). ``convert``: ``text`` is code in ``language`` (optional), ``target`` the language
    to write."""
    if task not in TASKS:
        raise ConfigError(f"unknown code task {task!r}; use one of: {', '.join(TASKS)}")
    if not text.strip():
        what = "a description of the code to write" if task == "generate" else "the code"
        raise ConfigError(f"nothing to do: give {what}")
    lang = normalize_language(language)
    if task == "convert":
        to = normalize_language(target)
        if to is None:
            raise ConfigError("convert needs the target language, e.g. --to javascript")
        return _run(task, text, generator, to, lang, decoding)
    if target is not None:
        raise ConfigError(f"--to applies to convert only, not {task}")
    if task == "generate":
        return _run(task, text, generator, lang or "python", None, decoding)
    return _run(task, text, generator, None, lang, decoding)


def _run(
    task: str,
    text: str,
    generator: Generator,
    language: str | None,
    source: str | None,
    decoding: Decoding | None,
) -> CodeResult:
    fill = {"language": language or "", "source": source or "the", "tag": source or "",
            "text": text.strip("\n")}  # fmt: skip
    system = SYSTEM[task].format(**fill)
    user = USER[task].format(**fill)
    decoding = decoding or Decoding(max_tokens=DEFAULT_MAX_TOKENS, temperature=0.0)
    _check_fits(system + user, decoding.max_tokens, generator)
    reply = complete(generator, system, user, decoding, f"code {task}")
    if task == "explain":
        body = clean_reply(reply, echoed=(user, text.strip()))
        return CodeResult(task, body or reply.strip(), source, _name(generator), reply)
    body = extract_code(reply, echoed=(user,))
    return CodeResult(task, body, language, _name(generator), reply, syntax_check(body, language))


def extract_code(reply: str, echoed: tuple[str, ...] = ()) -> str:
    """The code in a reply: its first fenced block, else the reply without preamble and notes."""
    blocks = fenced_blocks(reply)
    if blocks:
        return blocks[0][1].strip("\n")
    return strip_notes(strip_preamble(strip_echo(reply, echoed))).strip("\n")


def syntax_check(source: str, language: str | None) -> bool | None:
    """Whether Python ``source`` parses; None for other languages (no parser at hand)."""
    if language != "python":
        return None
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _check_fits(prompt: str, max_tokens: int, generator: object) -> None:
    window = context_size_of(generator)
    need = count_tokens(generator, prompt) + max_tokens
    if need > window:
        raise ConfigError(
            f"the prompt and reply need about {need} tokens but the model's window is {window}: "
            "give a smaller piece of code, fewer --max-tokens, or a model with a larger window "
            "(--model PATH.gguf, or --model openai:NAME --base-url URL)"
        )


def _name(generator: object) -> str:
    return str(getattr(generator, "name", type(generator).__name__))
