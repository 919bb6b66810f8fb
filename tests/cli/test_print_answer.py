"""How ``veracity ask`` prints an answer: sources and the closest passage as prose."""

from __future__ import annotations

import pytest

from veracity.cli.ask_cmds import print_answer
from veracity.records import Answer, Citation

RAW = "The `server.close()` method **stops** new connections, see \\[[net][]\\]."


def test_sources_and_the_closest_passage_are_shown_without_markdown_syntax(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cite = Citation(1, "d1", "/docs/net.md", 10, 10 + len(RAW), RAW)
    print_answer(Answer("I don't know: the documents don't say.", True, citations=(cite,),
                        closest=cite))  # fmt: skip
    out = capsys.readouterr().out
    shown = "The server.close() method stops new connections, see [net]."
    assert f"\u201c{shown}\u201d" in out  # the closest passage
    assert f"      {shown}\n" in out  # the source's snippet
    assert "**" not in out and "[net][]" not in out


def test_the_answers_warnings_are_printed_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    kept_out = (
        "1 retrieved passage(s) were left out because they look like prompt-injection attempts"
    )
    print_answer(Answer("I don't know: the documents don't say.", True, warnings=(kept_out,)))
    out = capsys.readouterr().out
    assert out.startswith("I don't know") and out.rstrip().endswith(f"Note: {kept_out}")
