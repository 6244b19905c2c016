"""One bid: the leader's override of the price check and the price tolerance; the bid
check and the disagreement texts that templates ask for.

Who may do what (tested in tests/portal/test_access.py):
- override a price mismatch so a proposal can be submitted: leaders and admins;
- set the price tolerance: admins.
(Renaming a rival is a matrix action: portal.workspace.views.rename_rival.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.bid import labels as bid_labels
from portal.bid import truth
from portal.bid.models import BidOverride, PortalSetting
from portal.drafts.queries import get_proposal_or_404
from portal.extensions import db
from portal.forms import EmptyForm, control_characters
from portal.security import allowed
from proposals import onebid
from proposals.pricing import parse_decimal

bp = Blueprint("bid", __name__)

OVERRIDE_ROLES = ("leader", "admin")
REASON_MAX = 2000


@dataclass(frozen=True)
class ProposalBid:
    """This proposal's quote against the bid price (for the quote panel and status card)."""

    scenario_name: str
    option_name: str
    bid_price: Decimal
    contract_value: Decimal | None  # None while the option has no lines
    tolerance_pct: Decimal
    override: BidOverride | None

    @property
    def matches(self) -> bool:
        return self.contract_value is not None and onebid.price_matches(
            self.bid_price, self.contract_value, self.tolerance_pct
        )

    @property
    def difference_pct(self) -> Decimal | None:
        if self.contract_value is None:
            return None
        return onebid.difference_pct(self.bid_price, self.contract_value)


def proposal_bid(proposal, state=None) -> ProposalBid | None:
    """The bid check of a proposal that carries the bid's quote option (None otherwise).
    With `state` (the proposal's QuoteState) the option's figures come from its totals."""
    row = db.session.execute(
        select(truth.PriceScenario.name, truth.PriceScenario.chosen_price, truth.ProposalOption)
        .join(truth.ProposalOption, truth.ProposalOption.id == truth.PriceScenario.linked_option_id)
        .where(
            truth.PriceScenario.opportunity_id == proposal.opportunity_id,
            truth.PriceScenario.official.is_(True),
            truth.ProposalOption.proposal_id == proposal.id,
        )
    ).first()
    if row is None or row[1] is None:
        return None
    name, price, option = row
    value = None
    if state is not None:
        value = next(
            (t.contract_value for t in state.totals.options if t.option_name == option.name), None
        )
    else:
        from proposals.pricing import option_totals

        value = option_totals(option.as_domain()).contract_value if option.lines else None
    check = ProposalBid(name, option.name, price, value, truth.tolerance_pct(), None)
    if check.matches or value is None:
        return check
    override = db.session.scalars(
        select(BidOverride)
        .where(BidOverride.proposal_id == proposal.id)
        .order_by(BidOverride.id.desc())
        .limit(1)
    ).first()
    if override is not None and (override.bid_price != price or override.contract_value != value):
        override = None  # it was given for other figures
    return ProposalBid(name, option.name, price, value, check.tolerance_pct, override)


@bp.app_template_global("proposal_bid")
def proposal_bid_global(proposal, state=None) -> ProposalBid | None:
    return proposal_bid(proposal, state)


@bp.app_template_global("is_the_bid_price")
def is_the_bid_price(bid_price, contract_value) -> bool:
    """The quote's contract value matches the price within the admin's tolerance."""
    return onebid.price_matches(bid_price, contract_value, truth.tolerance_pct())


@bp.app_template_global("bid_state_of")
def bid_state_of(opportunity) -> truth.BidState:
    return truth.bid_state(opportunity)


@bp.app_template_global("bid_text")
def bid_text(disagreement, currency: str) -> str:
    return bid_labels.describe(disagreement, currency)


@bp.app_template_global("bid_short")
def bid_short(disagreement) -> str:
    return bid_labels.short(disagreement)


@bp.post("/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>/bid-override")
@allowed(*OVERRIDE_ROLES)
def override(opportunity_id: int, proposal_id: int):
    """A leader lets this proposal be submitted although its quote is not the bid price."""
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    back = url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
    if not EmptyForm(request.form).validate():
        abort(400)
    reason = (request.form.get("reason") or "").strip()
    check = proposal_bid(proposal)
    if check is None or check.contract_value is None:
        flash(
            _("This proposal does not carry the bid price: there is nothing to override."), "error"
        )
        return redirect(back)
    if check.matches:
        flash(_("The quote matches the bid price: no override is needed."), "error")
        return redirect(back)
    if not reason or len(reason) > REASON_MAX or control_characters(reason):
        flash(
            _("Give the reason for the override (at most %(max)d characters).", max=REASON_MAX),
            "error",
        )
        return redirect(back)
    db.session.add(
        BidOverride(
            opportunity_id=opportunity.id,
            proposal_id=proposal.id,
            bid_price=check.bid_price,
            contract_value=check.contract_value,
            reason=reason,
            decided_by_id=current_user.id,
        )
    )
    db.session.commit()
    flash(
        _(
            "Override recorded: this quote may be submitted at %(value)s although the bid "
            "price is %(price)s.",
            value=bid_labels.money(check.contract_value, proposal.currency),
            price=bid_labels.money(check.bid_price, proposal.currency),
        ),
        "success",
    )
    return redirect(back)


def _settings_page(value: str, version: int, error: str | None = None, status: int = 200):
    return render_template(
        "bid/settings.html", value=value, version=version, error=error, form=EmptyForm()
    ), status


@bp.route("/admin/bid-settings", methods=["GET", "POST"])
@allowed("admin")
def settings():
    row = db.session.scalars(
        select(PortalSetting).where(PortalSetting.key == truth.TOLERANCE_KEY)
    ).first()
    saved_version = row.version if row else 0
    if request.method == "GET":
        return _settings_page(str(truth.tolerance_pct()), saved_version)
    if not EmptyForm(request.form).validate():
        abort(400)
    raw = (request.form.get("tolerance") or "").strip()[:40]
    typed_version = request.form.get("version", type=int) or 0
    number, problem = parse_decimal(raw, max_decimals=2, max_integer_digits=2)
    if problem is not None or number is None or not Decimal(0) <= number <= Decimal(10):
        return _settings_page(
            raw, typed_version, _("Enter a percentage from 0 to 10, e.g. 0.5."), 422
        )
    if saved_version != typed_version:
        flash(
            _("Someone else changed this setting meanwhile; the current value is shown."), "error"
        )
        return _settings_page(str(truth.tolerance_pct()), saved_version, status=409)
    if row is None:
        row = PortalSetting(key=truth.TOLERANCE_KEY, value=str(number))
        db.session.add(row)
    else:
        row.value = str(number)
    db.session.commit()
    flash(_("Price tolerance saved: %(pct)s%%.", pct=number), "success")
    return redirect(url_for("bid.settings"))
