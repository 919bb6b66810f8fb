"""The displayed form of quoted text: Markdown syntax out, words in, nothing added."""

from __future__ import annotations

import pytest

from veracity.text.markup import display_text, short_display


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("process.nextTick(() => ac.abort());\n```", "process.nextTick(() => ac.abort());"),
        ("```js\nconst x = 1;", "const x = 1;"),
        ("Returns: {Object\\[]}", "Returns: {Object[]}"),
        (
            "See [`events.defaultMaxListeners`][] for **more**.",
            "See events.defaultMaxListeners for more.",
        ),
        ('Read [the guide](https://example.org/g "Guide") first.', "Read the guide first."),
        ("An ![diagram](a.png) of it.", "An diagram of it."),
        ("## Installing   the tool ##", "Installing the tool"),
        ("# Net\n\nThe server closes.", "Net — The server closes."),  # not "Net The server"
        ("C# and F# stay", "C# and F# stay"),
        ("* `recursive` {boolean} **Default:** `false`", "recursive {boolean} Default: false"),
        ("1. First __step__", "First step"),
        ("<!-- YAML\nadded: v0.1 --> Opens a file.", "Opens a file."),
        ("added: v0.1\n--> Opens a file.", "added: v0.1 Opens a file."),  # a chunk cut a comment
        ("Employees get 25 vacation days per year.", "Employees get 25 vacation days per year."),
        ("a * b and a_b_c stay", "a * b and a_b_c stay"),
        ("It will *not* make *attrs* drop it", "It will not make attrs drop it"),
        ("2*3*4 and `a*b*c` stay", "2*3*4 and a*b*c stay"),
        (
            "Define `__init__` and `m[0][1]`; call f(**kwargs)",
            "Define __init__ and m[0][1]; call f(**kwargs)",
        ),
        ("Use `\\d+\\.` as **the** pattern", "Use \\d+\\. as the pattern"),  # no escapes in code
        ("C:\\\\Users\\Temp", "C:\\\\Users\\Temp"),  # a backslash pair is not an escape
        ("matrix[i][j] and arr[0](x)", "matrix[i][j] and arr[0](x)"),
        # a table row reads as a sentence, its first cell labelling the others
        ("| Maximum water pressure | 0.8 MPa |", "Maximum water pressure: 0.8 MPa."),
        (
            "| Model | Power | Weight |\n|---|:--:|---|\n| AH300 | 2,000 W | 14.5 kg |",
            "Model: Power; Weight. AH300: 2,000 W; 14.5 kg.",
        ),
        ("x | y and a || b", "x | y and a || b"),  # pipes in prose stay
    ],
)
def test_display_drops_markdown_syntax(raw: str, shown: str) -> None:
    assert display_text(raw) == shown


def test_display_only_drops_never_adds_words() -> None:
    raw = "The `server.close()` method **stops** the [server][] from ```accepting``` new ones."
    shown = display_text(raw)
    assert shown == "The server.close() method stops the server from accepting new ones."
    assert all(word in raw for word in shown.split())


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        ("await import('node:crypto", "await import node:crypto"),  # no "import'node" glued
        ("f(x) (born 1961", "f(x) born 1961"),  # only the lone bracket goes, not every "("
        ("Paris).", "Paris"),
        ("'node:crypto'", "'node:crypto'"),
        ("the Unions' law", "the Unions' law"),
        ("don't stop", "don't stop"),
        ('"quoted', "quoted"),
        ("1957 (EEC)", "1957 (EEC)"),
        ("x [1, 2]", "x [1, 2]"),
        ("`false`", "false"),
        ("25,", "25"),
        ("attrs*", "attrs"),  # emphasis the span cut in half
        ("*twice", "twice"),
        ("on_setattr* hooks", "on_setattr hooks"),
        ("2 * 3", "2 * 3"),
    ],
)
def test_short_answer_cuts_lone_brackets_and_quotes(span: str, shown: str) -> None:
    assert short_display(span) == shown
