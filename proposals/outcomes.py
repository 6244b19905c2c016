"""Outcomes of bids: the results and the maintained list of reasons a bid was won or lost.

Pure values and rules (no Flask, no database). A result closes the opportunity: ``won`` and
``lost`` close it with that status; ``abandoned`` (we walked away) and ``no_decision`` (the
buyer cancelled or never awarded) both close it as abandoned, since the opportunity's status
model knows no "no decision"; the outcome keeps the difference.
"""

from __future__ import annotations

RESULT_CODES = ("won", "lost", "abandoned", "no_decision")

# The reasons a bid went the way it did. Kept short on purpose: analytics group by them,
# so "other" plus the free text carries anything the list does not name.
REASON_CODES = (
    "price",
    "technical_score",
    "relationship",
    "qualification",
    "scope_change",
    "budget_cut",
    "timing",
    "other",
)

#: The opportunity status each result closes the opportunity with.
STATUS_OF_RESULT = {
    "won": "won",
    "lost": "lost",
    "abandoned": "abandoned",
    "no_decision": "abandoned",
}


def status_for(result: str) -> str:
    """The opportunity status a recorded result leaves (KeyError on an unknown result)."""
    return STATUS_OF_RESULT[result]
