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


# Legal-form endings that published names carry and rival records often leave out.
_LEGAL_ENDINGS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团",
    "公司",
    "co., ltd.",
    "co.,ltd.",
    "co. ltd.",
    "co., ltd",
    "co.,ltd",
    "company limited",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corporation",
    "corp.",
    "gmbh",
)


def core_name(name: str) -> str:
    """A company name without case, spaces, brackets and legal-form endings:
    "华信科技股份有限公司" → "华信科技", "Acme Systems Co., Ltd." → "acmesystems"."""
    text = " ".join(name.lower().replace("（", "(").replace("）", ")").split())
    changed = True
    while changed:
        changed = False
        for ending in _LEGAL_ENDINGS:
            if text.endswith(ending) and len(text) > len(ending):
                text = text[: -len(ending)].rstrip(" ,.")
                changed = True
    return "".join(ch for ch in text if ch.isalnum())


def best_match(published: str, records: dict[int, str]) -> int | None:
    """The rival record (id → name) a published bidder name most likely is: the same core
    name, else the one record whose core name contains or is contained in it (the longest
    such); None when nothing matches or the name is too short to tell."""
    core = core_name(published)
    if len(core) < 2:
        return None
    cores = {rid: core_name(name) for rid, name in records.items()}
    exact = [rid for rid, c in cores.items() if c == core]
    if exact:
        return exact[0]
    partial = [
        (len(c), rid) for rid, c in cores.items() if len(c) >= 2 and (c in core or core in c)
    ]
    if not partial:
        return None
    return max(partial)[1]
