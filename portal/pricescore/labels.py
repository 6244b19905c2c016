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
    "explain": _l("asked to explain (score unchanged, shown as a risk)"),
}

AL_COMPARES = {
    "all": _l("all valid bids"),
    "others": _l("the other bidders only (the bid itself left out)"),
}

SOURCES = {
    "bids": _l("the valid bids, by the method above"),
    "fixed": _l("a fixed published benchmark price"),
    "control": _l("control price × (1 − 下浮率 K)"),
    "blend": _l("A × control price × K1 + B × average of valid bids"),
    "lowest_normal": _l("the lowest valid bid that is not abnormally low"),
}

ROUNDINGS = {
    "none": _l("not rounded"),
    "up": _l("up to the next whole percent (不足1%按1%计)"),
    "nearest": _l("to the nearest whole percent"),
    "decimals": _l("to the decimals below"),
}

LINEAR_ANCHORS = {
    "highest": _l("the highest valid bid (zero points)"),
    "budget": _l("the budget: control price or ceiling (zero points)"),
}

TIE_ORDERS = {
    "price": _l("lower price first (财政部令第87号)"),
    "tech": _l("higher technical score first"),
    "shared": _l("share the rank"),
}

PRICE_MODELS = {
    "triangular": _l("Triangular: low / likely / high"),
    "normal": _l("Normal: 90 % between low and high"),
    "lognormal": _l("Lognormal: 90 % between low and high"),
    "empirical": _l("Past bids ÷ our cost"),
    "history": _l("From its recorded bids (÷ control price)"),
}
