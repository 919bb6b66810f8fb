"""The question inside a message, and the engine reading it beside the message."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from veracity.rag.answer_extractive import find_answers
from veracity.rag.constraints import constraint_problem
from veracity.rag.focus import main_clause, pointed_scene, question_focus, scene_and_ask
from veracity.rag.reader.base import Reading
from veracity.records import Chunk, Hit


@pytest.mark.parametrize(
    ("message", "focus"),
    [
        ("Hi! Sorry if this is obvious, but who signed the treaty?", "who signed the treaty?"),
        ("Who signed the treaty? Thanks in advance.", "Who signed the treaty?"),
        ("I'm new here. When does the office open?", "When does the office open?"),
        ("One more thing: how many desks are there?", "how many desks are there?"),
        ("Quick one - where is the Tallinn office?", "where is the Tallinn office?"),
        ("Mr. Smith went to Washington. Why did he go?", "Why did he go?"),
        # unchanged: already bare, no clear question, too short alone, or a constraint in front
        ("Who signed the treaty?", "Who signed the treaty?"),
        ("who signed the treaty", "who signed the treaty"),
        ("Tell me about the treaty.", "Tell me about the treaty."),
        ("I read the whole thing. Why?", "I read the whole thing. Why?"),
        ("What is 3.5 times 2?", "What is 3.5 times 2?"),
        ("In the LGPL 2.1, how short must an inline function be?",
         "In the LGPL 2.1, how short must an inline function be?"),
        ("", ""),
    ],
)  # fmt: skip
def test_the_focus_is_the_asking_part_and_a_substring(message: str, focus: str) -> None:
    got = question_focus(message)
    assert got == focus
    assert got in message


class BareQuestionReader:
    """Like a reader trained on bare questions only: confident when the question opens with its
    question word, unsure when anything comes before it."""

    threshold = 0.5

    def __init__(self) -> None:
        self.asked: list[str] = []

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        self.asked.append(question)
        p = 0.9 if question.lower().startswith("when") else 0.2
        out = []
        for i, text in enumerate(passages):
            at = text.find("nine")
            out.append(Reading(i, at, at + 4, "nine", p, 1.0) if at >= 0 else
                       Reading(i, 0, 0, "", 0.01, -1.0))  # fmt: skip
        return out


def _hit(text: str) -> Hit:
    return Hit(Chunk("c1", "d1", 0, text, 0, len(text)), 0.9, "mem://a")


def test_a_greeting_around_the_question_does_not_lose_the_answer() -> None:
    reader = BareQuestionReader()
    hits = [_hit("The Lisbon office opens at nine every weekday.")]
    finding = find_answers(reader, "Hello! Sorry to bother you, but when does it open?", hits, 4)
    found, reason = finding.found, finding.reason
    assert found and found[0].reading.text == "nine", reason
    assert reader.asked == ["Hello! Sorry to bother you, but when does it open?",
                            "when does it open?"]  # fmt: skip
    # a bare question is read once
    reader.asked.clear()
    found = find_answers(reader, "When does it open?", hits, 4).found
    assert found and reader.asked == ["When does it open?"]
    # the answer-type check reads the question, not the greeting: "how many" wants a quantity
    finding = find_answers(reader, "Hi there. How many does it open with? When?", hits, 4)
    assert not finding.found
    # refused by the type check, the reading is still the closest one (shown, not as an answer)
    assert finding.closest is not None and finding.closest.reading.text == "nine"


def test_the_answer_type_is_checked_on_the_question_inside_the_message() -> None:
    class Names(BareQuestionReader):
        def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
            at = passages[0].find("Lisbon")
            return [Reading(0, at, at + 6, "Lisbon", 0.9, 1.0)]

    hits = [_hit("The Lisbon office has many desks.")]
    finding = find_answers(Names(), "Quick one - how many desks are there?", hits, 4)
    assert not finding.found and "quantity" in finding.reason


@pytest.mark.parametrize(
    ("message", "scene", "ask"),
    [
        ("I run Valgrind in CI. Which option sets the exit code?",
         "I run Valgrind in CI.", "Which option sets the exit code?"),
        ("I'm on macOS. I use Click 8. Where is the config?",
         "I'm on macOS. I use Click 8.", "Where is the config?"),
        ("Which option? I use Linux.", "", "Which option? I use Linux."),  # asks first
        # a discourse marker before the question word cuts the asking sentence too
        ("I'm starting in Leeds on Monday - where do I pick up my laptop?",
         "I'm starting in Leeds on Monday -", "where do I pick up my laptop?"),
        ("In the LGPL 2.1, how short must it be?", "", "In the LGPL 2.1, how short must it be?"),
        ("What is X?", "", "What is X?"),
        ("Tell me the directory.", "", "Tell me the directory."),  # nothing asks
    ],
)  # fmt: skip
def test_scene_and_ask_cut_where_the_asking_sentence_begins(
    message: str, scene: str, ask: str
) -> None:
    assert scene_and_ask(message) == (scene, ask)


def test_what_the_scene_names_may_be_named_elsewhere_in_the_document() -> None:
    page = "Valgrind manual. Use it in CI pipelines too. The exit code option is --error-exitcode."
    passage = "The exit code option is --error-exitcode."
    hit = Hit(Chunk("c1", "d1", 0, passage, page.index(passage), len(page)), 0.9, "mem://m")
    question = "I run Valgrind in my CI pipeline. Which option sets the exit code?"
    assert "'ci'" in constraint_problem(question, hit)  # the passage alone lacks it
    assert constraint_problem(question, hit, {"d1": page}.get) == ""
    # what the asking sentence names, the passage itself must name
    asked_there = "Which option sets the Valgrind exit code?"
    assert "'valgrind'" in constraint_problem(asked_there, hit, {"d1": page}.get)
    # and a scene the document never mentions is still a mismatch
    assert "'jenkins'" in constraint_problem(
        "I run it in Jenkins. Which option sets the exit code?", hit, {"d1": page}.get
    )


def test_the_documents_path_holds_what_every_page_of_a_folder_is_about() -> None:
    passage = "The exit code option is --error-exitcode."
    bare = Hit(Chunk("c1", "d1", 0, passage, 0, len(passage)), 0.9, "file:///docs/tool.html")
    named = Hit(Chunk("c1", "d1", 0, passage, 0, len(passage)), 0.9, "/doc/valgrind/core.html")
    question = "Which Valgrind option sets the exit code?"
    assert constraint_problem(question, bare) != ""
    assert constraint_problem(question, named) == ""


def test_an_advisory_named_in_the_scene_must_be_in_the_passage() -> None:
    page = "Release 2.2.8. Fixes CVE-2019-15903.\n\nRelease 2.2.0. Fixes CVE-2016-0718."
    passage = "Release 2.2.0. Fixes CVE-2016-0718."
    hit = Hit(Chunk("c1", "d1", 0, passage, page.index(passage), len(page)), 0.9, "mem://news")
    question = "A scanner flags CVE-2019-15903 in our build. Which release fixes it?"
    assert "'CVE-2019-15903'" in constraint_problem(question, hit, {"d1": page}.get)
    right = Hit(Chunk("c0", "d1", 0, page[:36], 0, 36), 0.9, "mem://news")
    assert constraint_problem(question, right, {"d1": page}.get) == ""
    # a standard's name with a number is the user's setting, as any scene word
    setting = "Release 2.2.0 notes. We build with SHA-256 and UTF-8. Fixes CVE-2016-0718."
    hit_0 = Hit(Chunk("c2", "d2", 0, passage, setting.index("Fixes"), len(setting)), 0.9, "m")
    asked = "We build with SHA-256 and UTF-8. Which release fixes CVE-2016-0718?"
    assert constraint_problem(asked, hit_0, {"d2": setting}.get) == ""


def test_a_code_a_device_shows_in_the_scene_must_be_in_the_passage() -> None:
    low = "F1: low pressure. Keep it between 1.0 and 1.5 bar, never above 3 bar."
    page = low + "\n\nF3: fan fault. Switch off for 30 seconds."
    hit = Hit(Chunk("c1", "d1", 0, low, 0, len(page)), 0.9, "mem://manual")
    asked = "My boiler shows F3 and the gauge reads 1.3 bar - what should I do?"
    assert "'F3'" in constraint_problem(asked, hit, {"d1": page}.get)
    at = len(low) + 2
    fan = Hit(Chunk("c2", "d1", 0, page[at:], at, len(page)), 0.9, "mem://manual")
    assert constraint_problem(asked, fan, {"d1": page}.get) == ""


def test_the_answer_comes_from_the_paragraph_of_the_code_the_scene_names() -> None:
    from veracity.rag.constraints import identifier_block_problem

    codes = (
        "F1  Low water pressure\n    Top up the pressure to 1.2 bar.\n\n"
        "F3  Fan fault\n    Switch the boiler off at the fused spur for 30 seconds.\n"
    )
    asked = "My boiler shows F3 - what should I do?"
    got = identifier_block_problem(asked, codes, codes.index("Top up"))
    assert got == "the question names 'F3', and the answer's paragraph does not"
    assert identifier_block_problem(asked, codes, codes.index("Switch")) == ""
    # a passage that does not write the code is judged by the passage check
    assert identifier_block_problem(asked, codes[:50], codes.index("Top up")) == ""


def test_the_sentences_before_the_question_link_the_answer_to_it() -> None:
    class Start(BareQuestionReader):
        def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
            at = passages[0].find("10:15")
            return [Reading(0, at, at + 5, "10:15", 0.9, 1.0)]

    hits = [_hit("Race day is Sunday.\n\nThe half marathon starts at 10:15 on Mill Street.")]
    # "that race" is the half marathon the scene names, and the answer's sentence names it
    finding = find_answers(
        Start(), "My sister's doing the half. When does that race begin?", hits, 4
    )
    assert finding.found and finding.found[0].reading.text == "10:15", finding.reason
    # without it, nothing links them
    finding = find_answers(Start(), "Hello! When does the race begin?", hits, 4)
    assert not finding.found and "shares no word" in finding.reason


@pytest.mark.parametrize(
    ("message", "scene"),
    [
        ("My sister's doing the half. When does that race begin?", "My sister's doing the half. "),
        ("He was sick last night. When can he go back?", "He was sick last night. "),
        # the pronoun's noun is in the question itself, or nothing before it names one
        ("My wife is in for two weeks. Is there a weekly ticket, and how much is it?", ""),
        ("Hello! Sorry to bother you, but when does it open?", ""),
        # "IT" is information technology, "there" points nowhere, a bare question has no scene
        ("I'm going to Singapore. How much notice does IT need?", ""),
        ("I'm visiting my dad. Is there a time I should avoid?", ""),
        ("When does that race begin?", ""),
        # "one" for a thing named before; not a count
        ("I need a courtesy car. Can I have one?", "I need a courtesy car. "),
        ("We're a family of four. How much is one adult ticket?", ""),
    ],
)  # fmt: skip
def test_the_scene_a_question_points_back_to(message: str, scene: str) -> None:
    assert pointed_scene(message) == scene


def test_an_answer_must_name_something_of_the_scene_a_question_points_back_to() -> None:
    from veracity.rag.links import scene_problem

    text = (
        "Live-in vehicle passes cost £85 and must be booked by 31 July.\n\n"
        "Name changes cost £12.50 until 10 August."
    )
    asked = "I want my ticket in my brother's name on 3 August. What will that cost?"
    assert "points back to" in scene_problem(asked, text, text.index("£85"), quote=False)
    assert scene_problem(asked, text, text.index("£12.50"), quote=False) == ""
    # a question that names what it asks about is judged by the link check alone
    assert scene_problem("What do name changes cost?", text, text.index("£85"), quote=False) == ""


def test_main_clause_stops_where_the_askers_case_begins() -> None:
    asked = "Is single sign-on available if we're on the Teams plan?"
    assert main_clause(asked) == "Is single sign-on available"
    assert main_clause("When does the pool open?") == "When does the pool open?"
    assert main_clause("What do I pay, when the car comes back late?") == "What do I pay"


def test_a_yes_no_quote_must_speak_of_what_is_asked() -> None:
    from veracity.rag.links import subject_problem

    text = (
        "SSO is available on Business and Enterprise. On the Teams plan, offline vault access "
        "is fixed at the default."
    )
    asked = "Is single sign-on available if we're on the Teams plan?"
    got = subject_problem(asked, text, text.index("On the"))
    assert (
        got
        == "the quote names nothing of what the question asks about ('Is single sign-on available')"
    )
    assert subject_problem(asked, text, 0) == ""  # "available"
    assert subject_problem("Is SSO available on Teams?", text, text.index("On the")) == ""


@pytest.mark.parametrize(
    ("message", "scene"),
    [
        (
            "I need to cancel a meeting room booking 36 hours before it starts. "
            "What will I be charged?",
            "I need to cancel a meeting room booking 36 hours before it starts.",
        ),
        ("I'm over 65 and on the Glow plan. Do I get the £3 a month off?",
         "I'm over 65 and on the Glow plan."),
        # the ask names what it is about on its own, or nothing but a greeting comes before
        ("I'm 23 and moving flat next month. Can I book one of the car club's vans?", ""),
        ("Hi there, thanks! Is there a charge?", ""),
        ("Is there a charge?", ""),
    ],
)  # fmt: skip
def test_the_scene_of_a_bare_ask(message: str, scene: str) -> None:
    from veracity.rag.links import bare_scene

    assert bare_scene(message) == scene


def test_a_bare_ask_is_answered_only_by_a_sentence_about_its_scene() -> None:
    from veracity.rag.links import scene_problem

    text = (
        "UPS shipping is charged at cost plus a $3.00 handling fee.\n\n"
        "Cancelling a meeting room booking 24 to 48 hours before it starts: 50% of the room fee."
    )
    asked = (
        "I need to cancel a meeting room booking 36 hours before it starts. What will I be charged?"
    )
    problem = scene_problem(asked, text, text.index("UPS"), quote=False)
    assert "before its question" in problem
    assert scene_problem(asked, text, text.index("50%"), quote=False) == ""
    # asked alone, the question is about any charge: the link check alone judges it
    assert scene_problem("What will I be charged?", text, text.index("UPS"), quote=False) == ""


def test_a_yes_no_quote_that_only_names_the_documents_subject_says_nothing() -> None:
    from veracity.rag.links import named_only_problem

    title = ("Halyard DB: plans and quotas",)
    text = "Halyard DB is a managed database service. Annual billing saves 15%."
    asked = "Is there a discount for paying annually for Halyard?"
    assert "only the names" in named_only_problem(asked, text, 0, title)
    assert named_only_problem(asked, text, text.index("Annual"), title) == ""
    # a name the document is not about is what the question asks: "NHS"
    dental = "Harbourside is a fully private practice and does not offer NHS treatment."
    asked = "Does Harbourside Dental take NHS patients?"
    assert named_only_problem(asked, dental, 0, ("Harbourside Dental fees",)) == ""
    # a sentence that points back is read with the one before it
    plans = "Payroll is an add-on at £5 a month. It is not available on the Starter plan."
    at = plans.index("It is")
    assert named_only_problem("Can I get payroll on Starter?", plans, at, ("Starter",)) == ""
