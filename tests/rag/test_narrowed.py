"""``narrowed_problem``: a question that narrows one of the passage's nouns by a word the passage
never uses is not answered from it."""

from __future__ import annotations

from veracity.rag.narrowed import narrowed_pairs, narrowed_problem

STUDIO = "Studio hire is £45 per hour, with a minimum booking of two hours. Props are included."


def test_a_modifier_the_passage_never_uses_refuses() -> None:
    got = narrowed_problem("How much is an evening hire?", STUDIO)
    assert got == "the question asks about 'evening hire', and the passage never says 'evening'"
    assert narrowed_problem("How much is studio hire?", STUDIO) == ""


def test_headings_and_title_count_as_the_passage() -> None:
    assert narrowed_problem("What is the evening hire rate?", STUDIO, ("Evening bookings",)) == ""


def test_stems_and_parts_of_a_hyphenated_word_count() -> None:
    engines = "Low pressure engines were cheaper to build. They used condensers."
    assert narrowed_pairs("Who built the low-pressure engines?", engines) == []
    assert narrowed_pairs("Who built the condensing engines?", engines) == []  # "condensers"


def test_numbers_ordinals_superlatives_and_verbs_are_left_to_other_checks() -> None:
    text = "The network bought the rights in 2006. The museums merged later."
    assert narrowed_pairs("What network acquired the rights?", text) == []
    assert narrowed_pairs("When did the two museums merge?", text) == []
    assert narrowed_pairs("When did the second museums merge?", text) == []
    assert narrowed_pairs("Which network bought the biggest rights?", text) == []
    assert narrowed_pairs("What network assumed the rights?", text) == []  # a verb after


def test_the_modifier_must_open_a_noun_phrase() -> None:
    # "hire" follows a noun, not a determiner: "studio" is the passage's own word anyway, and a
    # word after a verb ("book evening hire") is not read as a modifier
    assert narrowed_pairs("Can I book evening hire?", STUDIO) == []
    assert narrowed_pairs("Can I book an evening hire?", STUDIO) == [("evening", "hire")]


def test_a_subject_after_an_auxiliary_is_no_modifier() -> None:
    # "does the author grant": "grant" is the verb of "the author"
    assert narrowed_pairs("What does the author grant?", "The affirmer grants a licence.") == []
    assert narrowed_pairs("Is it an evening hire?", STUDIO) == [("evening", "hire")]


def test_words_that_describe_rather_than_pick_out_are_left_alone() -> None:
    offsets = "ffi_get_struct_offsets computes the offset of each element for an ABI."
    assert narrowed_pairs("Which function computes offsets for a given ABI?", offsets) == []
    assert narrowed_pairs("How do I add support for a new shell?", "Add a shell class.") == []


def test_the_askers_case_is_not_read_for_modifiers() -> None:
    pension = "Members who opt out keep life cover of 1 times basic salary."
    asked = "What life cover do I get if I've opted out of the workplace pension?"
    assert narrowed_pairs(asked, pension) == []


def test_a_word_of_the_whole_document_is_no_narrowing() -> None:
    waiver = "Damage waiver: £4 per day for any package. It covers accidental damage."
    prices = f"| Package | Adult | Child |\n|---|---|---|\n| Blue | £90 | £60 |\n\n{waiver}"
    asked = "damage waiver cost per day for a child package"
    assert narrowed_problem(asked, waiver) != ""
    assert narrowed_problem(asked, waiver, (), lambda: prices) == ""
