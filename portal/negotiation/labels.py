"""Words users see for negotiation codes, and the domain's error/warning codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TERMS = {
    "price": _l("Price"),
    "payment_terms": _l("Payment terms"),
    "delivery_date": _l("Delivery date"),
    "warranty": _l("Warranty / maintenance"),
    "scope": _l("Scope"),
    "other": _l("Other"),
}

TERM_UNITS = {
    "price": _l("currency"),
    "payment_terms": _l("days until paid"),
    "delivery_date": _l("days after signing"),
    "warranty": _l("years"),
    "scope": _l("your unit"),
    "other": _l("your unit"),
}

KINDS = {
    "discount_pct": _l("Discount (percentage points)"),
    "extra_training_days": _l("Extra training days"),
    "longer_warranty_years": _l("Longer warranty (years)"),
    "payment_terms_days": _l("Longer payment terms (days)"),
}

KIND_UNITS = {
    "discount_pct": "%",
    "extra_training_days": _l("days"),
    "longer_warranty_years": _l("years"),
    "payment_terms_days": _l("days"),
}

PARTS = {
    "solution": _l("Solution"),
    "services": _l("Implementation & training"),
    "maintenance": _l("Maintenance"),
}

TEAM_ROLES = {
    "lead": _l("Lead negotiator"),
    "technical": _l("Technical support"),
    "finance": _l("Finance"),
    "sponsor": _l("Executive sponsor (escalation)"),
}

BANDS = {
    "above_expected": _l("At or above expected"),
    "between_expected_and_walk_away": _l("Between expected and walk-away"),
    "below_walk_away": _l("Below walk-away"),
}

CHANGES = {
    "created": _l("Sheet started"),
    "sheet": _l("Sheet saved"),
    "goal_added": _l("Goal added"),
    "goal_removed": _l("Goal removed"),
    "goal_changed": _l("Goal changed"),
    "interest_added": _l("Interest added"),
    "interest_removed": _l("Interest removed"),
    "concession_added": _l("Concession added"),
    "concession_removed": _l("Concession removed"),
    "round_logged": _l("Round logged"),
    "round_removed": _l("Round removed"),
}

GOAL_ERRORS = {
    "walk_away_better_than_best": _l("The walk-away point cannot be better than the best outcome."),
    "expected_out_of_range": _l("The expected outcome must lie between walk-away and best."),
    "negative": _l("A price cannot be negative."),
}

CONCESSION_ERRORS = {
    "invalid_order": _l("Number concessions from 1."),
    "not_positive": _l("Enter an amount above zero."),
    "out_of_range": _l("Enter a discount between 0 and 100."),
    "wrong_part": _l("Training days go with implementation, warranty years with maintenance."),
}

ROLE_NAMES = {
    "presales": _l("Presales"),
    "rep": _l("Sales rep"),
    "leader": _l("Leader"),
    "admin": _l("Admin"),
}
