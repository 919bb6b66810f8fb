"""Translate a ``Filter`` into a SQL condition over the ``documents`` table.

The condition is used as a pre-filter: indexes search only the chunks it lets through, so a
filtered search still returns ``k`` hits whenever ``k`` matching chunks exist.
"""

from __future__ import annotations

import re

from veracity.errors import ConfigError
from veracity.records import Filter, MetaValue

_KEY = re.compile(r"^[A-Za-z0-9_.\- ]{1,128}$")


def _sql_value(value: MetaValue) -> object:
    # json_extract returns JSON true/false as 1/0.
    if isinstance(value, bool):
        return int(value)
    return value


def filter_sql(where: Filter, alias: str = "d") -> tuple[str, list[object]]:
    """``(clause, params)`` selecting the documents ``where`` lets through (``1`` for no filter)."""
    clauses: list[str] = []
    params: list[object] = []
    for key, value in where.where.items():
        if not _KEY.match(key):
            raise ConfigError(
                f"invalid metadata key {key!r} in filter: use letters, digits, '_', '.', '-' or spaces"
            )
        path = f'$."{key}"'
        if isinstance(value, tuple | list):
            if not value:
                clauses.append("0")
                continue
            marks = ",".join("?" * len(value))
            clauses.append(f"json_extract({alias}.metadata, ?) IN ({marks})")
            params.append(path)
            params.extend(_sql_value(v) for v in value)
        elif value is None:
            clauses.append(f"json_extract({alias}.metadata, ?) IS NULL")
            params.append(path)
        else:
            clauses.append(f"json_extract({alias}.metadata, ?) = ?")
            params.extend([path, _sql_value(value)])
    if where.labels is not None:
        labels = sorted(where.labels)
        if labels:
            marks = ",".join("?" * len(labels))
            clauses.append(
                f"({alias}.labels = '[]' OR EXISTS (SELECT 1 FROM document_labels l"
                f" WHERE l.document_id = {alias}.id AND l.label IN ({marks})))"
            )
            params.extend(labels)
        else:
            clauses.append(f"{alias}.labels = '[]'")
    if where.document_ids is not None:
        ids = sorted(where.document_ids)
        marks = ",".join("?" * len(ids))
        clauses.append(f"{alias}.id IN ({marks})" if ids else "0")
        params.extend(ids)
    return (" AND ".join(clauses) or "1"), params


def parse_where(items: list[str]) -> Filter:
    """Parse ``KEY=VALUE`` strings (CLI ``--where``); repeated keys mean "any of"."""
    values: dict[str, list[MetaValue]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"invalid filter {item!r}: write KEY=VALUE, for example --where year=2021"
            )
        values.setdefault(key.strip(), []).append(coerce_value(raw.strip()))
    return Filter(where={k: (v[0] if len(v) == 1 else tuple(v)) for k, v in values.items()})


def coerce_value(raw: str) -> MetaValue:
    """Read a command-line value: integers, floats, true/false and null become typed values."""
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw
