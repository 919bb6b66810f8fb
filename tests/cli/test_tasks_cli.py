"""``veracity classify`` and ``veracity sentiment`` in-process, with the hash embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_classify_zero_shot_text_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "classify", "my invoice shows a double payment", "--embedder", "hash",
        "--labels", "billing=invoice payment refund,shipping=parcel courier delivery", "--json",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["mode"] == "zero-shot" and doc["calibration"] is None
    assert doc["labels"] == ["billing", "shipping"]
    assert doc["results"][0]["label"] == "billing"


def test_classify_file_with_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ex = tmp_path / "examples.csv"
    rows = ["text,label"]
    rows += [f"invoice payment problem {i},billing" for i in range(3)]
    rows += [f"parcel courier delay {i},shipping" for i in range(3)]
    ex.write_text("\n".join(rows) + "\n")
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"body": "the courier lost my parcel"}\n{"body": "wrong invoice"}\n')
    code, out, err = run(
        capsys, "classify", "--file", str(inputs), "--column", "body", "--examples", str(ex),
        "--embedder", "hash",
    )  # fmt: skip
    assert code == 0
    assert "few-shot" in err and "calibrated" in err
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [line[0] for line in lines] == ["shipping", "billing"]
    assert 0.5 < float(lines[0][1]) <= 1.0


def test_sentiment_and_rank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "reviews.txt"
    f.write_text("lovely\nTHE APP IS DOWN, fix it ASAP!!\n")
    code, out, _ = run(capsys, "sentiment", "--file", str(f), "--embedder", "hash", "--json")
    assert code == 0
    items = json.loads(out)
    assert [i["text"] for i in items] == ["lovely", "THE APP IS DOWN, fix it ASAP!!"]
    assert all(i["label"] in ("negative", "neutral", "positive") for i in items)
    code, out, _ = run(capsys, "sentiment", "--file", str(f), "--embedder", "hash", "--rank")
    assert code == 0
    first = out.splitlines()[0].split("\t")
    assert "explicit" in first[3] and first[4].startswith("THE APP IS DOWN")
    code, out, _ = run(
        capsys, "sentiment", "--file", str(f), "--embedder", "hash", "--rank", "--top", "1",
        "--json",
    )  # fmt: skip
    assert [i["index"] for i in json.loads(out)] == [1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sentiment"], "either a TEXT argument or --file"),
        (["sentiment", "hi", "--file", "x.txt"], "either a TEXT argument or --file"),
        (["sentiment", "hi", "--top", "3"], "--top N needs --rank"),
        (["sentiment", "--file", "missing.csv"], "no such file"),
        (["sentiment", "hi", "--embedder", "hash-xl"], "unknown embedder"),
        (["classify", "hi"], "give --labels"),
        (["classify", "hi", "--labels", "one"], "at least 2 labels"),
    ],
)
def test_errors_exit_2_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv, *([] if "--embedder" in argv else ["--embedder", "hash"]))
    assert code == 2
    assert message in err
