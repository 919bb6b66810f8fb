"""Which value a passage gives under the condition a question names (``rag.conditions``)."""

from __future__ import annotations

import pytest

from veracity.rag.conditions import (
    asked_condition,
    cases,
    condition_problem,
    conditional_value,
    matching_case,
    outcome_problem,
)

RETURNS = (
    "Returns: ASN1_SUCCESS if the file has a correct syntax and every identifier is known,\n"
    "ASN1_FILE_NOT_FOUND if an\nerror occurred while opening file , ASN1_SYNTAX_ERROR if the "
    "syntax is not correct,\nASN1_IDENTIFIER_NOT_FOUND if in the file there is an identifier "
    "that is not defined,\nASN1_NAME_TOO_LONG if in the file there is an identifier with more "
    "than MAX_NAME characters."
)
IF_FIRST = (
    "If this function is called after parsing has begun, it returns CANT_CHANGE_FEATURE and "
    "ignores useDTD. If called when Expat has been compiled without DTD support, it returns "
    "FEATURE_REQUIRES_DTD."
)


def _value(text: str, question: str, strong: bool = False) -> str | None:
    case = matching_case(question, text, strong=strong)
    return None if case is None else text[case.start : case.end]


def test_a_list_of_cases_is_read_value_by_value() -> None:
    found = [(RETURNS[c.start : c.end], " ".join(c.condition.split())) for c in cases(RETURNS)]
    assert found == [
        ("ASN1_SUCCESS", "the file has a correct syntax and every identifier is known"),
        ("ASN1_FILE_NOT_FOUND", "an error occurred while opening file"),
        ("ASN1_SYNTAX_ERROR", "the syntax is not correct"),
        ("ASN1_IDENTIFIER_NOT_FOUND", "in the file there is an identifier that is not defined"),
        ("ASN1_NAME_TOO_LONG",
         "in the file there is an identifier with more than MAX_NAME characters"),
    ]  # fmt: skip


def test_a_condition_before_its_value_is_read_too() -> None:
    found = [IF_FIRST[c.start : c.end] for c in cases(IF_FIRST)]
    assert found == ["CANT_CHANGE_FEATURE", "FEATURE_REQUIRES_DTD"]
    text = "If nargs is 0, NULL is returned. Otherwise it returns FFI_OK on success."
    assert [text[c.start : c.end] for c in cases(text)] == ["NULL", "FFI_OK"]


@pytest.mark.parametrize(
    ("question", "condition"),
    [
        ("What does XML_UseForeignDTD return if it is called after parsing has begun?",
         "it is called after parsing has begun"),
        ("Which error code does parse() give when the file is missing?", "the file is missing"),
        ("What does close() return on failure?", "failure"),
        ("When does parse() return NULL?", ""),  # asks for the condition, not the value
        ("What does parse() do when the file is missing?", ""),  # asks for no value
        ("What error code does it return?", ""),  # no condition
    ],
)  # fmt: skip
def test_the_condition_a_question_names(question: str, condition: str) -> None:
    assert asked_condition(question) == condition


def test_the_value_under_the_question_s_condition_is_the_answer() -> None:
    asked = (
        "What error code does the parser return when the file has an identifier longer than "
        "MAX_NAME characters?"
    )
    assert _value(RETURNS, asked) == "ASN1_NAME_TOO_LONG"
    assert _value(RETURNS, "What does it return when the syntax is not correct?") == (
        "ASN1_SYNTAX_ERROR"
    )
    assert _value(IF_FIRST, "What does it return if called after parsing has begun?") == (
        "CANT_CHANGE_FEATURE"
    )


def test_no_value_when_two_conditions_match_alike_or_none_does() -> None:
    # "file" and "identifier" are in two conditions alike: no single case answers
    assert _value(RETURNS, "What does it return when the file has an unknown identifier?") is None
    assert _value(RETURNS, "What does it return when the disk is full?") is None


def test_a_strong_match_needs_most_of_the_question_s_condition() -> None:
    text = (
        "Returns: OK if done, MEM_ERROR if the value vector isn't big enough to store the result."
    )
    asked = "What does it return when the value buffer is not big enough to store the result?"
    assert _value(text, asked, strong=True) == "MEM_ERROR"  # 5 of its 6 words
    near = "What does it return when the buffer is not large enough to store it?"
    assert _value(text, near) == "MEM_ERROR"  # the one case that shares a word ...
    assert _value(text, near, strong=True) is None  # ... but too few to stand on its own


def test_the_span_moves_to_the_value_in_its_own_paragraph_only() -> None:
    text = "Other notes: FOO if the syntax is not correct.\n\n" + RETURNS
    asked = "What does it return when the syntax is not correct?"
    at = text.index("opening file")
    start, end = conditional_value(asked, text, at, at + 12) or (0, 0)
    assert text[start:end] == "ASN1_SYNTAX_ERROR"
    value = text.index("ASN1_SYNTAX_ERROR")
    assert conditional_value(asked, text, value, value + 17) is None  # already the value


def test_the_value_given_on_success_does_not_answer_a_question_about_a_failure() -> None:
    text = "Upon successful completion, 0 is returned.  Otherwise, EOF is returned."
    zero = text.index("0 is")
    failing = "fclose() can fail when the disk is full. What does it return then?"
    assert outcome_problem(failing, text, zero, zero + 1) == (
        "'0' is what is returned on success, and the question asks about a failure"
    )
    assert outcome_problem("What does fclose() return on success?", text, zero, zero + 1) == ""
    joined = "On success, it returns 0; on error, it returns an error number."
    at = joined.index("0;")
    assert outcome_problem("What error number does it return?", joined, at, at + 1) != ""
    assert outcome_problem("What does it return?", joined, at, at + 1) == ""  # asks no outcome


def test_a_sentence_that_names_one_outcome_gives_its_value_for_that_outcome() -> None:
    # no case is read here ("X returns Y" with the outcome before it): the sentence says success
    text = "On success, mmap() returns a pointer to the mapped area. On error, see below."
    at = text.index("mapped area")
    failing = "What does mmap() return when it fails?"
    assert "on success" in outcome_problem(failing, text, at, at + 11)
    assert outcome_problem("What does mmap() return on success?", text, at, at + 11) == ""
    # a question about how something went asks for no returned value
    story = "The invasion failed both militarily and politically."
    assert outcome_problem("How successful was the invasion?", story, 4, 12) == ""


def test_the_words_of_a_condition_are_no_value() -> None:
    text = "Upon successful completion, 0 is returned.  Otherwise, EOF is returned."
    words = "Upon successful completion"
    asked = "What value does fclose() return when the disk is full?"
    assert condition_problem(asked, text, 0, len(words)) == (
        "'Upon successful completion' is the condition 0 is returned under, not a value"
    )
    zero = text.index("0 is")
    assert condition_problem(asked, text, zero, zero + 1) == ""  # the value itself
    # a question that asks for the condition, or for no value, may be answered with it
    assert condition_problem("When does fclose() return 0?", text, 0, len(words)) == ""
    assert condition_problem("How does fclose() end?", text, 0, len(words)) == ""
    listed = RETURNS.index("opening file")
    assert condition_problem(asked, RETURNS, listed, listed + 12) != ""
