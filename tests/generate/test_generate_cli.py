"""``veracity generate`` and ``generate_text`` on the tiny random Llama (HF folder and GGUF)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from veracity.cli.main import main
from veracity.errors import ConfigError
from veracity.generate.run import generate_text
from veracity.records import Decoding, Message

PROMPT = "Where is the Eiffel Tower?"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_beam_search_from_the_cli_matches_the_loop(
    tiny_model: tuple[Path, Path], tiny_hf: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "generate", PROMPT, "--model", f"hf:{tiny_model[0]}",
                       "--strategy", "beam", "--beams", "3", "--length-penalty", "0.5",
                       "--early-stopping", "true", "--max-tokens", "12", "--json")  # fmt: skip
    assert code == 0
    result = json.loads(out)
    d = Decoding(max_tokens=12, num_beams=3, length_penalty=0.5, early_stopping=True)
    assert result["strategy"] == "beam" and result["decoding"]["num_beams"] == 3
    assert result["text"] and result["text"] == "".join(
        tiny_hf.generate([Message("user", PROMPT)], d)
    )


def test_show_distribution_prints_each_step(
    tiny_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", PROMPT, "--model", f"hf:{tiny_model[0]}", "--strategy", "sample",
            "--top-k", "4", "--seed", "3", "--max-tokens", "6", "--show-distribution", "3"]  # fmt: skip
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    steps = json.loads(out)["steps"]
    assert len(steps) == 6
    for step in steps:
        probs = [p for _, p in step["candidates"]]
        assert len(probs) == 3 and probs == sorted(probs, reverse=True)
        assert sum(probs) <= 1 + 1e-6 and 0 < step["probability"] <= probs[0]
    # top-k 4 renormalises over four tokens: the three shown hold most but not all of the mass.
    assert all(sum(p for _, p in s["candidates"]) < 1 for s in steps)
    code, text, _ = run(capsys, *argv)
    rows = [line for line in text.splitlines() if " | " in line]
    assert [row.split()[1] for row in rows] == [repr(s["text"]).split()[0] for s in steps]
    assert run(capsys, *argv)[1] == text  # same seed, same steps


def test_api_steps_match_the_generated_text(tiny_model: tuple[Path, Path]) -> None:
    d = Decoding(temperature=0.8, top_p=0.9, seed=5, max_tokens=10)
    shown = generate_text(PROMPT, model=f"hf:{tiny_model[0]}", decoding=d, top_n=4)
    plain = generate_text(PROMPT, model=f"hf:{tiny_model[0]}", decoding=d)
    assert shown.text == plain.text and len(shown.steps) >= 1
    assert all(0 < s.probability <= 1 for s in shown.steps)


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--strategy", "greedy", "--temperature", "0.7"], "is deterministic"),
        (["--strategy", "sample", "--temperature", "0"], "needs --temperature > 0"),
        (["--strategy", "beam", "--beams", "1"], "needs --beams >= 2"),
        (["--beams", "0"], "--beams must be >= 1"),
        (["--top-p", "1.5"], "top_p must be in (0, 1]"),
        (["--temperature", "-1"], "temperature must be >= 0"),
    ],
)
def test_bad_flags_exit_2_with_the_rule(
    capsys: pytest.CaptureFixture[str], flags: list[str], says: str
) -> None:
    code, _, err = run(capsys, "generate", PROMPT, "--model", "fake", *flags)
    assert code == 2 and says in err


def test_backends_say_what_they_cannot_do(
    tiny_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("xllamacpp")
    code, _, err = run(capsys, "generate", PROMPT, "--model", str(tiny_model[1]), "--beams", "2")
    assert code == 2 and "llama.cpp has no beam search" in err
    code, _, err = run(capsys, "generate", PROMPT, "--model", str(tiny_model[1]),
                       "--show-distribution")  # fmt: skip
    assert code == 2 and "use an 'hf:<folder>' model" in err
    with pytest.raises(ConfigError, match="no single distribution"):
        generate_text(PROMPT, model=f"hf:{tiny_model[0]}", decoding=Decoding(num_beams=2), top_n=3)
