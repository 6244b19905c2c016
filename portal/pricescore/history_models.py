"""Rival price models taken from the rival's recorded bids (the "history" price model).

A row with the history model stores a snapshot of the rival's past bids as ratios to the
control price (refreshed on every save of the scenario), so a saved scenario always
simulates the same field; the engine scales them to this tender's control price (the
scenario's ceiling, else the rules' control price). Offered only for rivals with at least
MIN_PAST_BIDS usable bids; typed ranges remain for everyone else.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.outcomes.history import past_ratios
from proposals.rival_history import MIN_PAST_BIDS, scenario_control_price

HISTORY = "history"


def _plain(x: float) -> str:
    return format(x, ".4f").rstrip("0").rstrip(".")


def history_counts(comp_forms) -> dict[int, int]:
    """Usable past bids per competitor id of the scenario's rows (one query)."""
    ratios = past_ratios(c.competitor_id for c, _cf in comp_forms)
    return {cid: len(r) for cid, r in ratios.items()}


def offer(comp_forms, counts: dict[int, int]) -> None:
    """Leave the history model among a row's choices only where the rival has enough
    recorded bids (or the row already uses it, so its problem can be shown)."""
    for c, cf in comp_forms:
        if counts.get(c.competitor_id, 0) >= MIN_PAST_BIDS or cf.price_model.data == HISTORY:
            continue
        cf.price_model.choices = [(v, label) for v, label in cf.price_model.choices if v != HISTORY]


def fill(comp_forms, ceiling, rules_control_price) -> bool:
    """For each row using the history model, put the rival's current past ratios in its
    past-bids box; a message at the field (and False) when the rival has too few bids or
    the scenario has no control price to scale them to."""
    rows = [(c, cf) for c, cf in comp_forms if cf.price_model.data == HISTORY]
    if not rows:
        return True
    ok = True
    control = scenario_control_price(ceiling, rules_control_price)
    ratios = past_ratios(c.competitor_id for c, _cf in rows)
    for c, cf in rows:
        found = ratios.get(c.competitor_id, ())
        if len(found) < MIN_PAST_BIDS:
            cf.price_model.errors = [
                *cf.price_model.errors,
                _(
                    "%(name)s has %(n)d recorded bids with a control price; the history model "
                    "needs at least %(min)d. Use a typed range.",
                    name=c.name,
                    n=len(found),
                    min=MIN_PAST_BIDS,
                ),
            ]
            ok = False
            continue
        if control is None:
            cf.price_model.errors = [
                *cf.price_model.errors,
                _("Enter the ceiling (the buyer's control price): past bids are scaled to it."),
            ]
            ok = False
            continue
        cf.past_ratios.data = ", ".join(_plain(r) for r in found)
    return ok
