"""``veracity entities``: text or file in, spans out (plain or JSON), errors as messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.cli.main import main

TEXT = "Angela Merkel met officials of the European Commission in Brussels."


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_spans_point_into_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "entities", TEXT, "--json")
    assert code == 0
    entities = json.loads(out)["entities"]
    assert {e["label"] for e in entities} == {"PER", "ORG", "LOC"}
    assert all(TEXT[e["start"] : e["end"]] == e["text"] for e in entities)


def test_file_and_types(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text(TEXT, encoding="utf-8")
    code, out, _ = run(capsys, "entities", "--file", str(path), "--types", "PER,LOC")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["PER", "LOC"]
    assert lines[0].endswith("Angela Merkel")


def test_generator_option(capsys: pytest.CaptureFixture[str]) -> None:
    # the fake generator echoes the text, which has no "TYPE | text" lines: nothing is made up
    code, out, err = run(capsys, "entities", TEXT, "--generator", "fake", "--types", "PRODUCT")
    assert code == 0 and out == "" and "no entities" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "one of them"),
        ((TEXT, "--file", "x.txt"), "one of them"),
        (("--file", "/nonexistent/x.txt"), "no such file"),
        ((TEXT, "--types", "PRODUCT"), "unknown entity types"),
        ((TEXT, "--generator", "fake"), "--types"),
    ],
)
def test_errors(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    code, _, err = run(capsys, "entities", *argv)
    assert code == 2 and message in err
