"""Words users see for the price-score codes (lazy, so they follow the reader's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

METHODS = {
    "lowest": _l("Lowest valid bid (low price first)"),
    "average": _l("Average of valid bids, optional K"),
    "trimmed": _l("Trimmed average"),
    "composite": _l("Composite: α × lowest + (1 − α) × average"),
    "linear": _l("Linear between lowest and highest bid"),
}

SHORT_METHODS = {
    "lowest": _l("Lowest bid"),
    "average": _l("Average"),
    "trimmed": _l("Trimmed average"),
    "composite": _l("Composite"),
    "linear": _l("Linear"),
}

AL_REFERENCES = {
    "average": _l("average of bids under the ceiling"),
    "benchmark": _l("benchmark price"),
}

AL_ACTIONS = {
    "zero": _l("scored zero (still ranked)"),
    "reject": _l("rejected"),
}
