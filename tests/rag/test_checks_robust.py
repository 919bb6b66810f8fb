"""Every check of a reading holds on any span of any passage: a refusal or nothing, never an
exception (a span in a table's separator row once raised StopIteration out of ``ask``)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.rag.answer_extractive import find_answers
from veracity.rag.reader.base import Reading
from veracity.records import Chunk, Hit

PASSAGES = (
    "## Fares\n\n| Ticket | Single | Day return |\n|---|---|---|\n| Adult | £7.40 | £11.80 |\n"
    "| Car with trailer | £52.50 | £84.00 |\n\nVehicle fares cover the driver only.",
    "| Car up to 5 m | £38.00 | £61.00 |\n|---|---|---|\n| Kayak | £6.00 | £9.50 |\n",
    "7. GETTING HELP - THE SERVICE DESK\n----------------------------------\n\nSupport hours:\n"
    "  * Monday to Friday: 08:00 to 18:00\n  * Saturday: 09:00 to 13:00 (phone only)\n",
    "# Release 2.1.0 (2024-05-01)\n\n- Added `--jobs` (default: 4). #538\n- Fixed a crash.\n",
    "RETURN VALUE\n       On success, zero is returned.  On error, -1 is returned, and errno is "
    "set.\n\nERRORS\n       EINVAL flags is invalid.\n",
    "Lite\nMonthly price: £8\nData: 5GB\n\nEveryday\nMonthly price: £15\nData: 30GB\n",
    "The café is open 07:30 to 19:00 on weekdays and 09:00 to 17:00 at weekends.",
    "4.2 Hotels\nThe maximum nightly rate is:\n   London (inside the M25) ........ £160\n"
    "   Other UK cities (Leeds,\n   Manchester) ........ £120\n",
    "- 7 years if the boiler is registered\n  within 30 days, unless it is not serviced.\n\n"
    "F3  Fan fault\n    Switch off for 30 seconds. Solid red: call an engineer.\n",
    "| Age group | First year | Later years |\n|---|---|---|\n"
    "| Under-10s to Under-16s | Petrol | £95 |\n\nThe flag was removed (deprecated in 4.0.0).",
)
QUESTIONS = (
    "What does a day return cost for a car towing a trailer?",
    "Is the service desk open on Saturdays?",
    "Which release added --jobs?",
    "What does it return on error? Which errno?",
    "How much data comes with Lite?",
    "I'm in Leeds on Monday - what time does the cafe shut?",
    "What is the default value of jobs?",
    "I'm going to Manchester for two nights. What's the hotel limit per night?",
    "We never registered the boiler and it shows F3 - what now?",
    "Fee for an Under-14 in their first year, diesel? In which version was the flag removed?",
)


class AnySpan:
    threshold = 0.0

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        out = []
        for i, text in enumerate(passages):
            a = min(self.start, len(text))
            b = min(max(a, self.end), len(text))
            out.append(Reading(i, a, b, text[a:b], 0.9, 1.0))
        return out


@settings(max_examples=300, deadline=None)
@given(
    passage=st.sampled_from(PASSAGES),
    question=st.sampled_from(QUESTIONS),
    start=st.integers(0, 200),
    length=st.integers(0, 40),
)
def test_no_check_raises_on_any_span(passage: str, question: str, start: int, length: int) -> None:
    document = "Intro.\n\n| Ticket | Single | Day return |\n|---|---|---|\n" + passage
    at = document.index(passage)
    hit = Hit(Chunk("c1", "d1", 0, passage, at, at + len(passage)), 0.9, "doc.md")
    finding = find_answers(
        AnySpan(start, start + length), question, [hit], 4, documents={"d1": document}.get
    )
    for found in finding.found:
        chunk, r = found.hit.chunk, found.reading
        assert document[chunk.start + r.start : chunk.start + r.end] == r.text
