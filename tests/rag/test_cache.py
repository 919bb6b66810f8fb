"""The answer cache key: every setting that changes an answer is part of it."""

from __future__ import annotations


def test_every_decoding_setting_and_the_style_are_part_of_the_key() -> None:
    import dataclasses

    from veracity.rag.cache import AnswerCache
    from veracity.rag.engine import AskOptions
    from veracity.records import Decoding

    base = AskOptions()
    key = AnswerCache._context("m", base, "s")
    changed = {
        "top_k": 5, "top_p": 0.5, "max_tokens": 9, "seed": 3, "stop": ("x",),
        "repetition_penalty": 1.2, "min_p": 0.1, "typical_p": 0.5, "temperature": 0.7,
    }  # fmt: skip
    assert {f.name for f in dataclasses.fields(Decoding)} >= set(changed)
    for name, value in changed.items():
        opts = dataclasses.replace(base, decoding=dataclasses.replace(Decoding(), **{name: value}))
        assert AnswerCache._context("m", opts, "s") != key, name
    beams = dataclasses.replace(base, decoding=Decoding(num_beams=3, length_penalty=2.0))
    assert AnswerCache._context("m", beams, "s") != key
    assert AnswerCache._context("m", dataclasses.replace(base, style="generative"), "s") != key


def test_an_answer_from_unredacted_flagged_passages_has_its_own_key() -> None:
    import dataclasses

    from veracity.rag.cache import AnswerCache
    from veracity.rag.engine import AskOptions

    base = AskOptions()
    trusting = dataclasses.replace(base, allow_flagged=True)
    assert AnswerCache._context("m", trusting, "s") != AnswerCache._context("m", base, "s")
    # the keys of ordinary answers are unchanged (caches written before keep their hits)
    assert AnswerCache._context("m", base, "s").endswith('"s"]')
