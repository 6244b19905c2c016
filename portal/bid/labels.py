"""Words for the bid's disagreements (proposals.onebid.Code), in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext

from proposals.onebid import Code, Disagreement
from proposals.pricing import display_pct


def money(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return "—"
    text = f"{amount:,.2f}"
    return f"{text} {currency}".strip()


def _goal_names(codes) -> str:
    names = {"best": _("best case"), "expected": _("expected"), "walk_away": _("walk-away")}
    return ", ".join(names[c] for c in codes)


def describe(d: Disagreement, currency: str) -> str:
    """One sentence naming the figures that disagree."""
    p = d.params
    if d.code == Code.NO_OFFICIAL:
        return _("No official price-score scenario: mark the one that holds the published rules.")
    if d.code == Code.NO_BID_PRICE:
        return _(
            'The official scenario "%(name)s" has no chosen price yet: the bid has no price.',
            name=p["scenario"],
        )
    if d.code == Code.SCENARIO_INCOMPLETE:
        n = len(p["missing"])
        return ngettext(
            'The official scenario "%(name)s" lacks %(num)d input (our cost, technical scores '
            "or rivals' prices): it has no P(win) until it is entered.",
            'The official scenario "%(name)s" lacks %(num)d inputs (our cost, technical scores '
            "or rivals' prices): it has no P(win) until they are entered.",
            n,
            name=p["scenario"],
        )
    if d.code == Code.NOT_LINKED:
        return _(
            "No quote option carries the bid price %(price)s: link one on the official "
            "scenario (Use this price).",
            price=money(p["price"], currency),
        )
    if d.code == Code.CURRENCY:
        return _(
            "The bid's quote is in %(quote)s but the opportunity is in %(opportunity)s.",
            quote=p["quote"],
            opportunity=p["opportunity"],
        )
    if d.code == Code.PRICE_VS_QUOTE:
        figures = {
            "option": p["option"],
            "quote": money(p["quote"], currency),
            "diff": display_pct(abs(p["difference_pct"])),
            "price": money(p["price"], currency),
            "tolerance": display_pct(p["tolerance_pct"]),
        }
        if p["difference_pct"] < 0:
            text = _(
                'Quote option "%(option)s" comes to %(quote)s, %(diff)s%% below the bid price '
                "%(price)s (tolerance %(tolerance)s%%).",
                **figures,
            )
        else:
            text = _(
                'Quote option "%(option)s" comes to %(quote)s, %(diff)s%% above the bid price '
                "%(price)s (tolerance %(tolerance)s%%).",
                **figures,
            )
        if p.get("overridden"):
            text += " " + _("A leader allowed submitting it anyway.")
        return text
    if d.code == Code.SCENARIO_OLDER_THAN_QUOTE:
        return _(
            'The quote option "%(option)s" changed after the official scenario "%(name)s" was '
            "last saved: check the scenario's cost and price.",
            option=p["option"],
            name=p["scenario"],
        )
    if d.code == Code.RIVALS_MISSING:
        return _(
            "Rivals in the competition matrix missing from the official scenario: %(names)s.",
            names=", ".join(p["names"]),
        )
    if d.code == Code.GOALS_OUTSIDE_ZOPA:
        return _(
            "Negotiation goals above the most the buyer will pay (%(max)s): %(goals)s.",
            max=money(p["buyer_max"], currency),
            goals=_goal_names(p["goals"]),
        )
    if d.code == Code.BID_BELOW_WALK_AWAY:
        return _(
            "The bid price %(price)s is below the negotiation walk-away %(walk)s.",
            price=money(p["price"], currency),
            walk=money(p["walk_away"], currency),
        )
    if d.code == Code.WALK_AWAY_BELOW_BATNA:
        return _(
            "The walk-away %(walk)s is below the value of our BATNA %(batna)s: without a deal "
            "we would do better.",
            walk=money(p["walk_away"], currency),
            batna=money(p["batna"], currency),
        )
    if d.code == Code.STALE_APPROVAL:
        return _("The latest approval was given or asked for another quote than the current one.")
    return str(d.code)


def short(d: Disagreement) -> str:
    """A few words for the desk column."""
    return {
        Code.NO_OFFICIAL: _("no official scenario"),
        Code.NO_BID_PRICE: _("no bid price"),
        Code.NOT_LINKED: _("no quote linked"),
        Code.SCENARIO_INCOMPLETE: _("scenario inputs missing"),
        Code.CURRENCY: _("quote currency"),
        Code.PRICE_VS_QUOTE: _("quote ≠ bid price"),
        Code.SCENARIO_OLDER_THAN_QUOTE: _("scenario older than quote"),
        Code.RIVALS_MISSING: _("rivals missing"),
        Code.GOALS_OUTSIDE_ZOPA: _("goals outside the zone"),
        Code.BID_BELOW_WALK_AWAY: _("bid below walk-away"),
        Code.WALK_AWAY_BELOW_BATNA: _("walk-away below BATNA"),
        Code.STALE_APPROVAL: _("stale approval"),
    }[d.code]
