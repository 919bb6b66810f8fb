"""Generator entities: only mentions that occur in the text, of the asked types, become spans."""

from __future__ import annotations

import pytest

from veracity.errors import ConfigError
from veracity.generate.fake import ScriptedGenerator
from veracity.tasks.entities import extract_with_generator
from veracity.tasks.entities.generative import locate_mentions, parse_mentions

TEXT = "The Model X drone ships with Aspirin 500. Buy the Model X Pro in New York or York."


def test_only_real_mentions_of_asked_types_are_kept() -> None:
    reply = (
        "PRODUCT | Model X Pro\n"
        '- PRODUCT: "Model X"\n'
        "DRUG | Aspirin 500\n"
        "DRUG | Ibuprofen\n"  # not in the text: dropped
        "CITY | New York\n"  # not an asked type: dropped
        "product | odel\n"  # not a whole word: dropped
        "Here you go!\n"
    )
    gen = ScriptedGenerator([reply])
    entities = extract_with_generator(TEXT, ["product", "DRUG"], gen)
    assert [(e.text, e.label) for e in entities] == [
        ("Model X", "PRODUCT"),
        ("Aspirin 500", "DRUG"),
        ("Model X Pro", "PRODUCT"),  # the longer overlapping span wins
    ]
    assert all(TEXT[e.start : e.end] == e.text for e in entities)
    system = gen.calls[0].messages[0].content
    assert "PRODUCT, DRUG" in system and gen.calls[0].messages[1].content == TEXT


def test_long_text_goes_in_windows_with_offsets_into_the_whole() -> None:
    text = " ".join(f"Sentence {i} names Orion." for i in range(30))
    gen = ScriptedGenerator(["SHIP | Orion"], cycle=True)
    entities = extract_with_generator(text, ["SHIP"], gen, window_chars=100)
    assert len(gen.calls) > 1
    assert all(len(c.messages[1].content) <= 100 for c in gen.calls)
    assert len(entities) == 30 and all(text[e.start : e.end] == "Orion" for e in entities)


def test_parse_and_locate() -> None:
    assert parse_mentions("NONE") == []
    assert parse_mentions("1. work of art | Mona Lisa") == [("WORK_OF_ART", "Mona Lisa")]
    assert [e.text for e in locate_mentions("York, New York", [("C", "York"), ("C", "New York")])] \
        == ["York", "New York"]  # fmt: skip


def test_bad_types_are_refused() -> None:
    with pytest.raises(ConfigError, match="PRODUCT"):
        extract_with_generator(TEXT, [], ScriptedGenerator(["x"]))
    with pytest.raises(ConfigError):
        extract_with_generator(TEXT, ["a$b"], ScriptedGenerator(["x"]))
