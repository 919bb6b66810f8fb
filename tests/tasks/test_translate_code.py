"""Translate and code through the generator, with the scripted generator as the model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from veracity.cli.main import main
from veracity.errors import ConfigError, GenerationError
from veracity.generate.fake import ScriptedGenerator
from veracity.records import Message
from veracity.tasks.code import code, extract_code, syntax_check
from veracity.tasks.llm_text import clean_reply, cut_repeats, sentence_chunks
from veracity.tasks.translate import language_name, translate


def _run_of(messages: list[Message]) -> str:
    """The text a translation prompt asks for (after the blank line of the user message)."""
    return messages[-1].content.split("\n\n", 1)[1]


def _upper(messages: list[Message]) -> str:
    """A 'translator' whose translation is the input upper-cased, with a chatty preamble."""
    return "Sure! Here is the translation:\n" + _run_of(messages).upper()


def test_translation_keeps_order_and_paragraphs_across_chunks() -> None:
    text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(30))
    text += "\n\nA second paragraph ends the text."
    gen = ScriptedGenerator(_upper)
    result = translate(text, "fr", gen, chunk_tokens=30)
    assert len(gen.calls) == len(result.pieces) > 3  # chunked: several calls
    assert result.text == text.upper()  # order, spacing and the paragraph break kept
    assert result.target == "French"
    assert "French" in gen.calls[0].messages[0].content
    for p in result.pieces:
        assert text[p.start : p.end] == p.source
        assert gen.count_tokens(p.source) <= 30
        assert re.search(r"[.!?]$", p.source)  # runs end on a sentence boundary
        assert "\n\n" not in p.source  # and stay inside one paragraph


def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + "."
    spans = sentence_chunks(text, 10, ScriptedGenerator())
    assert len(spans) == 10
    assert " ".join(text[a:b] for a, b in spans) == text


def test_reply_cleanup() -> None:
    assert clean_reply("Translation: Bonjour le monde.") == "Bonjour le monde."
    assert clean_reply('"Bonjour."', source="Hello.") == "Bonjour."
    assert clean_reply('"Bonjour."', source='"Hello."') == '"Bonjour."'
    assert clean_reply("```\nHallo Welt\n```") == "Hallo Welt"
    assert clean_reply("Hola.\n\nNote: informal register.") == "Hola."
    assert clean_reply("Hello there. Bonjour.", echoed=("Hello there.",)) == "Bonjour."


def test_loops_and_runaway_replies_are_cut() -> None:
    looping = "La gare est ici. " + "de la ciudad de la que " * 6 + "fin."
    gen = ScriptedGenerator([looping + "\n\nNote: more text the run never asked for."])
    out = translate("The station is here.", "es", gen).text
    assert out == "La gare est ici. de la ciudad de la que"
    assert gen.calls[0].decoding.stop == ("\n\n",)  # a run holds no blank line: stop there
    assert cut_repeats("A cat sat. A dog ran. A cat sat. A dog ran.") == "A cat sat. A dog ran."
    assert cut_repeats("I said no no to it. Fine.") == "I said no no to it. Fine."


def test_translation_errors_are_clear() -> None:
    with pytest.raises(ConfigError, match="nothing to translate"):
        translate("   ", "fr", ScriptedGenerator())
    with pytest.raises(ConfigError, match="target language"):
        translate("Hi.", " ", ScriptedGenerator())
    with pytest.raises(GenerationError, match=r"returned nothing.*larger model"):
        translate("Hello there.", "de", ScriptedGenerator([""]))
    assert language_name("Klingon") == "Klingon" and language_name("DE") == "German"


def test_generate_takes_the_fenced_code_and_checks_python_syntax() -> None:
    reply = (
        "Here is the code:\n```python\ndef fact(n):\n"
        "    return 1 if n < 2 else n * fact(n - 1)\n```\nIt recurses."
    )
    gen = ScriptedGenerator([reply])
    result = code("generate", "factorial", gen, language="py")
    assert result.text.startswith("def fact(n):") and "It recurses" not in result.text
    assert result.language == "python" and result.syntax_ok is True
    namespace: dict[str, object] = {}
    exec(result.text, namespace)  # the extracted code is the code, runnable as is
    assert namespace["fact"](5) == 120  # type: ignore[operator]
    assert "python" in gen.calls[0].messages[0].content


def test_convert_and_explain() -> None:
    gen = ScriptedGenerator(["```js\nconsole.log(2 + 3);\n```"])
    out = code("convert", "print(2 + 3)", gen, language="python", target="js")
    assert out.text == "console.log(2 + 3);" and out.language == "javascript"
    assert out.syntax_ok is None
    prompt = gen.calls[0].messages[-1].content
    assert "print(2 + 3)" in prompt and "javascript" in prompt
    gen = ScriptedGenerator(["Explanation: it prints the sum of 2 and 3."])
    out = code("explain", "print(2 + 3)", gen)
    assert out.text == "it prints the sum of 2 and 3."


def test_code_errors_are_clear() -> None:
    gen = ScriptedGenerator(["x"], cycle=True)
    with pytest.raises(ConfigError, match="unknown code task"):
        code("refactor", "x = 1", gen)
    with pytest.raises(ConfigError, match="target language"):
        code("convert", "x = 1", gen)
    with pytest.raises(ConfigError, match="convert only"):
        code("explain", "x = 1", gen, target="go")
    with pytest.raises(ConfigError, match="nothing to do"):
        code("explain", "  ", gen)
    small = ScriptedGenerator(["x"], context_size=64)
    with pytest.raises(ConfigError, match="window is 64"):
        code("explain", "x = 1\n" * 100, small)
    assert syntax_check("def (:", "python") is False
    assert extract_code("Sure, here it is:\nprint(1)") == "print(1)"


def test_cli_translate_and_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.txt"
    src.write_text("Hello world.", encoding="utf-8")
    assert main(["translate", "--file", str(src), "--to", "fr", "--model", "fake"]) == 0
    assert "Translate this text into French" in capsys.readouterr().out  # the echo model
    assert main(["code", "explain", "print(1)", "--model", "fake", "--json"]) == 0
    assert '"task": "explain"' in capsys.readouterr().out
    assert main(["translate", "Hi", "--file", str(src), "--to", "fr", "--model", "fake"]) == 2
    assert "one of them" in capsys.readouterr().err
    assert main(["code", "generate", "x", "--model", "nope-model"]) == 2
    assert "unknown generator" in capsys.readouterr().err
