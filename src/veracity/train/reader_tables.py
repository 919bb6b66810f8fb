"""Training examples for reading tables: made-up Markdown tables, questions by row and column.

SQuAD is prose, and a reader trained on it alone reads a table badly even written as sentences
(``text.table_sentences``): asked for an adult day pass in peak season over "Category: Adult;
Peak: €62; Regular: €56.", it finds no answer it trusts, or takes the wrong column's price. What
a table asks of a reader is narrow and can be generated: find the row the question names (by its
label) and the column (by its name), and answer with the cell where they cross; and when the
question names a row or a column the table does not have, answer nothing.

``table_examples`` draws tables from small vocabularies of row labels, column names and typed
values (prices, lengths of time, counts, clock times, short phrases), in both orientations (items
as rows and attributes as columns, and the transposed "feature by plan" comparison), and asks
about one cell in one of several ways a user types (a full question, a search-style query, the
asker's situation first). A share of the questions are near misses: the same question with a row
label or a column name the table does not have, an unanswerable example. The passage the
example holds is the rewritten text the runtime reader sees (``table_sentences``), so what the
reader learns here is what it reads at run time. The vocabularies are generic on purpose:
nothing here is drawn from an evaluation document.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from veracity.text.table_sentences import table_sentences
from veracity.train.reader_data import Example

__all__ = ["table_examples"]

_ITEM_HEADERS = ("Plan", "Tier", "Option", "Category", "Type", "Item", "Service", "Package",
                 "Product", "Membership", "Ticket", "Room", "Class", "Level", "Band", "")  # fmt: skip
_QUALIFIERS = ("Standard", "Basic", "Premium", "Deluxe", "Family", "Junior", "Senior", "Student",
               "Adult", "Child", "Youth", "Group", "Single", "Double", "Twin", "Small", "Medium",
               "Large", "Extra large", "Starter", "Team", "Business", "Enterprise", "Pro", "Plus",
               "Lite", "Essential", "Classic", "Express", "Economy", "Flexible", "Weekend",
               "Evening", "Compact", "Half-day", "Full-day", "Concession", "Corporate", "Trial",
               "Unlimited", "Off-peak", "Seasonal", "Outdoor", "Indoor", "Private", "Shared",
               "Guest", "Founder", "Community", "Platinum", "Silver", "Gold", "Bronze")  # fmt: skip
_NOUNS = ("room", "plan", "pass", "ticket", "unit", "session", "course", "bike", "locker",
          "pitch", "box", "berth", "lesson", "class", "bundle", "membership", "van", "space",
          "desk", "court", "kit", "cabin", "slot", "licence", "card", "package", "hamper",
          "service", "repair", "tour", "studio", "hall", "bay", "tent", "car", "kayak")  # fmt: skip
_NUMBERED = ("Zone {}", "Level {}", "Band {}", "Size {}", "Stage {}", "Grade {}", "Area {}")


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    value: Callable[[random.Random], str]
    asks: tuple[str, ...]  # question openers fit for this kind of value


def _money(rng: random.Random) -> str:
    symbol = rng.choice(("£", "$", "€", "£", "$"))
    amount = rng.choice((rng.randint(2, 99), rng.randint(100, 2500)))
    cents = rng.choice(("", "", ".00", f".{rng.randint(1, 99):02d}", ".50", ".99"))
    text = f"{symbol}{amount:,}{cents}"
    return rng.choice((text, text, text, f"{text}/mo", f"from {text}", f"{text} per person"))


def _duration(rng: random.Random) -> str:
    n = rng.choice((1, 2, 3, 4, 5, 6, 7, 10, 12, 14, 15, 21, 24, 28, 30, 45, 48, 60, 90))
    unit = rng.choice(("minutes", "hours", "days", "weeks", "months", "years", "working days"))
    return f"{n} {unit}" if n != 1 else f"1 {unit.split()[-1].rstrip('s')}"


def _count(rng: random.Random) -> str:
    n = rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 25, 50, 100, 250, 500, 1000))
    return rng.choice((str(n), f"{n:,}", f"Up to {n}", f"{n} GB", f"{n} users", "Unlimited"))


def _clock(rng: random.Random) -> str:
    h, m = rng.randint(6, 22), rng.choice((0, 15, 30, 45))
    return rng.choice((f"{h:02d}:{m:02d}", f"{h % 12 or 12}.{m:02d}{'am' if h < 12 else 'pm'}",
                       f"{h:02d}:{m:02d}–{min(h + rng.randint(2, 9), 23):02d}:00"))  # fmt: skip


_PHRASES = ("Included", "Not available", "On request", "Free", "Yes", "No", "Email only",
            "Phone and email", "Weekdays only", "Members only", "Two free changes",
            "Full refund", "50% refund", "No refund", "Collection only", "Next business day",
            "Priority queue", "Shared with the group", "By appointment", "Any time")  # fmt: skip


def _phrase(rng: random.Random) -> str:
    return rng.choice(_PHRASES)


_PRICE_ASKS = ("How much is", "What is the price of", "What does it cost for", "price of")
_COLUMNS = (
    *(_Column(n, _money, _PRICE_ASKS) for n in (
        "Price", "Monthly", "Annual", "Per night", "Per hour", "Weekday", "Weekend", "Peak",
        "Off-peak", "Deposit", "Members", "Non-members", "Late fee", "Setup fee", "Per day",
        "Per week", "Online price", "At the door", "Monthly price", "Yearly price",
        "Replacement cost", "Cancellation fee", "Early bird", "Standard rate", "Overtime rate",
        "Extra hour", "Second item", "Excess")),
    *(_Column(n, _duration, ("How long is", "What is the")) for n in (
        "Duration", "Notice period", "Minimum term", "Retention", "Free cancellation",
        "Delivery time", "Warranty", "Session length", "Turnaround", "Trial period",
        "Grace period", "Refund window", "Validity")),
    *(_Column(n, _count, ("How many", "What is the")) for n in (
        "Max users", "Seats", "Devices", "Capacity", "Max guests", "Storage", "Projects",
        "Included hours", "Requests per minute", "Bags", "Sessions", "Visits per month")),
    *(_Column(n, _clock, ("What time is", "When is")) for n in (
        "Opens", "Closes", "Last entry", "Check-in", "Check-out", "Hours", "Collection",
        "Last booking")),
    *(_Column(n, _phrase, ("What about", "What is the")) for n in (
        "Support", "Refunds", "Availability", "Changes", "Delivery", "Cancellation")),
)  # fmt: skip


def _row_label(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(_NUMBERED).format(rng.choice("ABCDEF123456"))
    label = f"{rng.choice(_QUALIFIERS)} {rng.choice(_NOUNS)}"
    if rng.random() < 0.15:
        label += rng.choice((" (under 16)", " (over 65)", " (2 people)", " (per person)",
                             " (up to 4)", " (weekdays)"))  # fmt: skip
    return label


def _head(label: str) -> str:
    """A row label without its bracket ("Family room" of "Family room (2 people)")."""
    return label.split(" (")[0]


def _distinct(draw: Callable[[], str], n: int, avoid: set[str]) -> list[str]:
    out: list[str] = []
    for _ in range(n * 20):
        if len(out) == n:
            break
        x = draw()
        key = _head(x).lower()
        if key not in avoid and all(key != _head(o).lower() for o in out):
            out.append(x)
    return out


@dataclass(frozen=True, slots=True)
class _Table:
    header: str
    rows: list[str]  # row labels
    columns: list[str]  # column names
    cells: list[list[str]]
    asks: list[tuple[str, ...]]  # per column in items-as-rows tables; per row when transposed
    transposed: bool


def _draw_table(rng: random.Random) -> _Table:
    if rng.random() < 0.7:  # items as rows, attributes as columns
        items = _distinct(lambda: _row_label(rng), rng.randint(2, 6), set())
        attrs = _attributes(rng, rng.randint(1, 4))
        cells = [[c.value(rng) for c in attrs] for _ in items]
        return _Table(rng.choice(_ITEM_HEADERS), items, [c.name for c in attrs], cells,
                      [c.asks for c in attrs], transposed=False)  # fmt: skip
    # a comparison: attributes as rows, items (plans) as columns
    items = _distinct(lambda: _row_label(rng), rng.randint(2, 4), set())
    attrs = _attributes(rng, rng.randint(2, 6))
    cells = [[c.value(rng) for _ in items] for c in attrs]
    return _Table(rng.choice(("Feature", "", "What you get")), [c.name for c in attrs], items,
                  cells, [c.asks for c in attrs], transposed=True)  # fmt: skip


def _attributes(rng: random.Random, n: int, avoid: frozenset[str] = frozenset()) -> list[_Column]:
    """``n`` columns that share no word with each other or with ``avoid`` ("Monthly" and
    "Monthly price" name one thing)."""
    out: list[_Column] = []
    used = set(avoid)
    for c in rng.sample(_COLUMNS, k=len(_COLUMNS)):
        words = _words(c.name)
        if not words & used:
            out.append(c)
            used |= words
        if len(out) == n:
            break
    return out


def _words(name: str) -> set[str]:
    return set(name.lower().replace("-", " ").split())


def _markdown(t: _Table) -> tuple[str, list[list[int]]]:
    """The table in Markdown, and each cell's character offset in it."""
    lines = ["| " + " | ".join([t.header, *t.columns]) + " |",
             "|" + "---|" * (len(t.columns) + 1)]  # fmt: skip
    at = sum(len(line) + 1 for line in lines)
    offsets: list[list[int]] = []
    for label, row in zip(t.rows, t.cells, strict=True):
        line = f"| {label} |"
        mine = []
        for cell in row:
            mine.append(at + len(line) + 1)
            line += f" {cell} |"
        offsets.append(mine)
        lines.append(line)
        at += len(line) + 1
    return "\n".join(lines) + "\n", offsets


_INTROS = ("Prices below include VAT.", "All rates are per person unless stated.",
           "The table below shows what each option includes.", "Current rates from 1 April.",
           "Please check the small print before booking.", "")  # fmt: skip
_OUTROS = ("Prices may change with 30 days' notice.", "Ask at reception for anything not listed.",
           "Discounts cannot be combined.", "")  # fmt: skip


def _question(rng: random.Random, row: str, column: str, asks: Sequence[str]) -> str:
    r, c = _head(row), column
    lower = rng.random() < 0.3
    ask = rng.choice(asks)
    forms = (
        f"What is the {c.lower()} for the {r}?",
        f"{ask} {r.lower()} {c.lower()}?" if ask[0].isupper() else f"{c.lower()} {r.lower()}",
        f"{r} {c.lower()}",
        f"What's the {c.lower()} on {r}?",
        f"I'm looking at the {r}. What is the {c.lower()}?",
        f"{c} for {r}?",
        f"{ask} the {r} ({c.lower()})?",
    )
    q = rng.choice(forms)
    return q.lower().rstrip("?") if lower else q


def table_examples(n: int, seed: int) -> list[Example]:
    """``n`` examples over generated tables: about half answerable (the cell where the named row
    and column cross), the rest near misses naming a row or a column the table does not have."""
    rng = random.Random(f"tables:{seed}")
    out: list[Example] = []
    while len(out) < n:
        t = _draw_table(rng)
        if not t.rows or not t.columns:
            continue
        markdown, offsets = _markdown(t)
        before, after = rng.choice(_INTROS), rng.choice(_OUTROS)
        text = (f"{before}\n\n" if before else "") + markdown + (f"\n{after}\n" if after else "")
        shift = len(before) + 2 if before else 0
        rewritten = table_sentences(text)
        i, j = rng.randrange(len(t.rows)), rng.randrange(len(t.columns))
        asks = t.asks[i] if t.transposed else t.asks[j]
        # the question names the item and the attribute, whichever way round the table has them
        item, attr = (t.columns[j], t.rows[i]) if t.transposed else (t.rows[i], t.columns[j])
        roll = rng.random()
        ex_id = f"table:{seed}:{len(out)}"
        if roll < 0.5:
            cell = shift + offsets[i][j]
            start = rewritten.source.index(cell)
            end = start + len(t.cells[i][j])
            q = _question(rng, item, attr, asks)
            out.append(Example(ex_id, q, rewritten.text, start, end, "table",
                               (t.cells[i][j],)))  # fmt: skip
            continue
        names = [*t.rows, *t.columns]
        avoid = {_head(x).lower() for x in names}
        if roll < 0.78:  # an item the table does not list
            other = _distinct(lambda: _row_label(rng), 1, avoid)
            if other:
                q = _question(rng, other[0], attr, asks)
                out.append(Example(ex_id, q, rewritten.text, -1, -1, "table-row"))
        else:  # an attribute the table does not give
            used = frozenset(w for name in names for w in _words(name))
            for c in _attributes(rng, 1, used):
                q = _question(rng, item, c.name, c.asks)
                out.append(Example(ex_id, q, rewritten.text, -1, -1, "table-column"))
    return out
