"""Read the texts (and labelled examples) a task runs on from .txt, .csv, .tsv or .jsonl files.

- ``.txt``: one text per non-empty line.
- ``.csv`` / ``.tsv``: a header row; the text column is ``column`` (default ``text``, or the only
  column when there is one).
- ``.jsonl``: one JSON object per line; the text field is ``column`` (default ``text``); a line may
  also be a bare JSON string.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.tasks.classify import Example

FORMATS = (".txt", ".csv", ".tsv", ".jsonl")


def _rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """``(field names, rows)`` of a table file (.csv, .tsv, .jsonl)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".csv", ".tsv"):
        reader = csv.DictReader(text.splitlines(), delimiter="\t" if path.suffix == ".tsv" else ",")
        rows = list(reader)
        return list(reader.fieldnames or []), rows
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if isinstance(obj, str):
            obj = {"text": obj}
        if not isinstance(obj, dict):
            raise ConfigError(f"{path}:{number}: expected a JSON object or string per line")
        rows.append(obj)
    fields = list(dict.fromkeys(k for row in rows for k in row))
    return fields, rows


def _check_path(path: Path) -> None:
    if not path.is_file():
        raise ConfigError(f"no such file: {path}")
    if path.suffix.lower() not in FORMATS:
        raise ConfigError(f"cannot read {path.name}: supported inputs are {', '.join(FORMATS)}")


def _field(path: Path, fields: list[str], wanted: str | None, default: str, option: str) -> str:
    """The column to read: ``wanted``, else ``default``, else the only column there is."""
    if wanted is None and default not in fields and len(fields) == 1:
        return fields[0]
    name = wanted or default
    if name not in fields:
        raise ConfigError(
            f"{path} has no column {name!r}; its columns are {fields}. Name one with {option}"
        )
    return name


def _value(path: Path, row: dict[str, Any], name: str, number: int) -> str:
    value = row.get(name)
    if value is None or isinstance(value, dict | list):
        raise ConfigError(f"{path}: row {number} has no text in column {name!r}")
    return str(value)


def read_texts(path: Path, column: str | None = None) -> list[str]:
    """The texts in ``path``; ``column`` names the text column of a table file."""
    _check_path(path)
    if path.suffix.lower() == ".txt":
        if column:
            raise ConfigError(f"{path.name} is plain text (one text per line): drop --column")
        lines = path.read_text(encoding="utf-8-sig").split("\n")
        return [line.strip() for line in lines if line.strip()]
    fields, rows = _rows(path)
    if not rows:
        return []
    name = _field(path, fields, column, "text", "--column")
    return [_value(path, row, name, i) for i, row in enumerate(rows, start=1)]


def read_examples(
    path: Path, text_column: str = "text", label_column: str = "label"
) -> list[Example]:
    """Labelled examples from a .csv, .tsv or .jsonl file with a text and a label column."""
    _check_path(path)
    if path.suffix.lower() == ".txt":
        raise ConfigError(
            f"examples need a text and a label per item: give a .csv/.tsv with columns "
            f'{text_column},{label_column} or a .jsonl of {{"{text_column}": ..., '
            f'"{label_column}": ...}}, not {path.name}'
        )
    fields, rows = _rows(path)
    text = _field(path, fields, text_column, text_column, "--text-column")
    label = _field(path, fields, label_column, label_column, "--label-column")
    out = []
    for i, row in enumerate(rows, start=1):
        t, lab = _value(path, row, text, i), _value(path, row, label, i).strip()
        if t.strip() and lab:
            out.append(Example(t, lab))
    if not out:
        raise ConfigError(f"{path} holds no labelled examples")
    return out
