"""Codes stored in the database and the words users see for them.

Codes are stable identifiers (never shown); labels are lazy gettext strings so the
page speaks the reader's language. Order matters: forms list choices in this order.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLES = {
    "presales": _l("Presales"),
    "rep": _l("Sales rep"),
    "leader": _l("Leader"),
    "admin": _l("Admin"),
}

PROCUREMENT_FORMS = {
    "public_tender": _l("Public tender"),
    "competitive_negotiation": _l("Competitive negotiation"),
    "single_source": _l("Single-source negotiation"),
    "inquiry": _l("Inquiry (lowest price)"),
}

OPPORTUNITY_STATUSES = {
    "open": _l("Open"),
    "won": _l("Won"),
    "lost": _l("Lost"),
    "abandoned": _l("Abandoned"),
}

MAP_ROLES = {
    "money": _l("Money (approves the budget)"),
    "authority": _l("Authority (procurement, functions)"),
    "product": _l("Product (users, implementers)"),
}

BUYING_ROLES = {
    "economic": _l("Economic buyer (EB)"),
    "user": _l("User buyer (UB)"),
    "technical": _l("Technical buyer (TB)"),
    "coach": _l("Coach (insider)"),
}

DECISION_TYPES = {
    "final": _l("Final decision maker"),
    "user": _l("User decision maker"),
    "technical": _l("Technical decision maker"),
    "financial": _l("Financial decision maker"),
}

ATTITUDES = {
    "supporter": _l("Supporter"),
    "neutral": _l("Neutral"),
    "opponent": _l("Opponent"),
}

DECISION_MODES = {
    "centralized": _l("Centralized"),
    "distributed": _l("Distributed"),
    "hybrid": _l("Hybrid"),
}

ACCOUNT_GRADES = {
    "A": _l("A: all in, closing soon"),
    "B": _l("B: controlled timing"),
    "C": _l("C: watch"),
    "D": _l("D: last priority"),
}

TEAM_ROLES = {
    "account": _l("Account (AR)"),
    "solution": _l("Solution (SR)"),
    "fulfilment": _l("Fulfilment (FR)"),
}

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "SGD", "JPY", "GBP")


def choices(labels: dict, blank: str | None = None) -> list[tuple[str, object]]:
    """(code, label) pairs for a select; `blank` adds an empty first choice."""
    pairs: list[tuple[str, object]] = [(code, label) for code, label in labels.items()]
    return ([("", blank)] if blank is not None else []) + pairs
