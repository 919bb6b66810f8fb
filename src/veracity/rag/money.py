"""Whether "how much" asks for money or for an amount of something else.

"How much storage does the Basic plan include?" asks for an amount of storage, which no price
measures; "How much funding did the project get?" and "How much potential economic growth ...?"
ask for money. The words of the asked thing decide: money when any of them is a word for money
(or for what is counted in it).
"""

from __future__ import annotations

import re

__all__ = ["amount_of_a_thing"]

# "how much" and the words of the thing up to a verb: "how much storage", "how much potential
# economic growth" ("how much is ..." names no thing)
_HOW_MUCH_THING = re.compile(
    r"\bhow\s+much\s+([a-z]{3,})(?:\s+(?!(?:is|are|was|were|does|do|did|will|would|can|could|"
    r"should|has|have|had)\b)[a-z]+){0,2}",
    re.IGNORECASE,
)
# words for money and what is counted in it; and words after "much" that name no thing (a verb,
# a comparison, a time)
_NOT_A_THING = frozenset({
    "money", "cash", "funding", "funds", "fund", "budget", "revenue", "revenues", "income",
    "salary", "salaries", "wage", "wages", "pay", "rent", "tax", "taxes", "tariff", "tariffs",
    "duty", "debt", "debts", "profit", "profits", "loss", "losses", "capital", "investment",
    "investments", "aid", "compensation", "fine", "fines", "damages", "credit", "interest",
    "spending", "savings", "deposit", "deposits", "price", "cost", "costs", "fee", "fees",
    "charge", "charges", "fare", "fares", "premium", "premiums", "subsidy", "subsidies", "grant",
    "grants", "donation", "donations", "ransom", "bail", "tuition", "allowance", "pension",
    "bonus", "bonuses", "dividend", "dividends", "value", "worth", "gold", "silver", "growth",
    "economic", "financial", "monetary", "gdp", "output", "sales", "trade", "exports", "imports",
    "wealth", "assets", "damage", "contract", "deal", "award", "prize", "reward", "is", "are",
    "was", "were", "does", "do", "did", "will", "would", "can", "could", "should", "has", "have",
    "had", "more", "less", "longer", "later", "earlier", "time", "extra", "additional", "for",
    "per",
})  # fmt: skip


def amount_of_a_thing(question: str) -> str:
    """The thing ``question`` asks an amount of when that is not money ("storage" of "How much
    storage does the Basic plan include?"); "" for money ("how much funding") and for "how
    much" without a thing ("How much is a ticket?")."""
    m = _HOW_MUCH_THING.search(question)
    if m is None or _NOT_A_THING & set(m.group(0).lower().split()[2:]):
        return ""
    return m.group(1)
