"""Reading task inputs from .txt, .csv, .tsv and .jsonl, with errors that name the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.errors import ConfigError
from veracity.tasks import Example
from veracity.tasks.inputs import read_examples, read_texts


def test_txt_is_one_text_per_non_empty_line(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("first\n\n  second  \nthird\u0085part\n", encoding="utf-8")
    assert read_texts(f) == ["first", "second", "third\u0085part"]
    with pytest.raises(ConfigError, match="drop --column"):
        read_texts(f, "text")


def test_csv_tsv_and_jsonl_columns(tmp_path: Path) -> None:
    csv_file = tmp_path / "a.csv"
    csv_file.write_text('id,review\n1,"good, really"\n2,bad\n', encoding="utf-8")
    assert read_texts(csv_file, "review") == ["good, really", "bad"]
    with pytest.raises(ConfigError, match=r"no column 'text'; its columns are \['id', 'review'\]"):
        read_texts(csv_file)
    single = tmp_path / "b.csv"
    single.write_text("comment\nhello\n", encoding="utf-8")
    assert read_texts(single) == ["hello"]  # the only column
    tsv = tmp_path / "c.tsv"
    tsv.write_text("text\tx\nsome, text\t1\n", encoding="utf-8")
    assert read_texts(tsv) == ["some, text"]
    jl = tmp_path / "d.jsonl"
    jl.write_text(json.dumps({"text": "one"}) + "\n" + json.dumps("two") + "\n", encoding="utf-8")
    assert read_texts(jl) == ["one", "two"]


def test_bad_inputs_say_what_is_allowed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        read_texts(tmp_path / "missing.txt")
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(ConfigError, match=r"supported inputs are \.txt, \.csv"):
        read_texts(pdf)
    jl = tmp_path / "bad.jsonl"
    jl.write_text('{"text": "ok"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:2: not valid JSON"):
        read_texts(jl)


def test_examples_need_text_and_label_columns(tmp_path: Path) -> None:
    f = tmp_path / "ex.csv"
    f.write_text("text,label\ncharged twice,billing\n,billing\nlate parcel,shipping\n")
    assert read_examples(f) == [
        Example("charged twice", "billing"),
        Example("late parcel", "shipping"),
    ]
    g = tmp_path / "ex2.jsonl"
    g.write_text(json.dumps({"body": "hi", "tag": "greeting"}) + "\n")
    with pytest.raises(ConfigError, match="--text-column"):
        read_examples(g)
    assert read_examples(g, "body", "tag") == [Example("hi", "greeting")]
    txt = tmp_path / "ex.txt"
    txt.write_text("charged twice\n")
    with pytest.raises(ConfigError, match="need a text and a label"):
        read_examples(txt)
