"""Saved price-score scenarios and the competitors each one assumes.

A scenario holds one tender's scoring rules (a JSON column, checked by the engine's
``validate_rules`` before every save), our cost and budget ceiling (money: NUMERIC), our
technical-score range, the candidate price grid, the simulation seed and the price the
rep chose. Points and ratios in the rules are plain numbers: points out of 100, K and
alpha as fractions 0–1, the abnormally-low threshold as a fraction 0–1.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

# The rules a new scenario starts from: the common "low price first" government method.
DEFAULT_RULES: dict[str, Any] = {
    "method": "lowest",
    "price_weight": 30.0,
    "tech_max": 70.0,
    "k": None,
    "k_set": [],
    "trim_n": 1,
    "trim_min_remaining": 3,
    "alpha": 0.5,
    "deduct_above": 1.0,
    "deduct_below": 0.5,
    "floor": 0.0,
    "abnormal_low": False,
    "al_threshold": 0.8,
    "al_reference": "average",
    "al_action": "zero",
    "decimals": 2,
    # Added with the tender rules of migration 0010; older scenarios lack these keys and
    # read them with these defaults (see inputs.scoring_rules).
    "source": "bids",
    "fixed_price": None,
    "control_price": None,
    "blend_a": 0.5,
    "blend_b": 0.5,
    "k1": 1.0,
    "round_above": "none",
    "round_below": "none",
    "round_places": 2,
    "above_pieces": [],
    "below_pieces": [],
    "trim_tiers": [],
    "linear_anchor": "highest",
    "floor_price": None,
    "below_limit": None,
    "min_tech": None,
    "tie_order": "price",
    "al_compare": "all",
}


class PriceScenario(db.Model):
    __audited__ = True
    __tablename__ = "price_scenario"
    __table_args__ = (
        CheckConstraint("grid_steps BETWEEN 2 AND 200", name="grid_steps_range"),
        CheckConstraint("grid_min > 0 AND grid_max > grid_min", name="grid_order"),
        CheckConstraint("tech_source IN ('typed', 'matrix')", name="tech_source"),
        # At most one official scenario per opportunity (the published rules).
        Index(
            "uq_price_scenario_official",
            "opportunity_id",
            unique=True,
            sqlite_where=text("official"),
            postgresql_where=text("official"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    # The official scenario holds the rules the buyer published: the bid desk, the bid
    # pack, approvals and the negotiation sheet read it (and only it); the others are
    # what-if scenarios.
    official: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Where our technical points come from: typed by the rep, or the competition matrix's
    # weighted total rescaled to the technical points (proposals.onebid).
    tech_source: Mapped[str] = mapped_column(String(8), default="typed", server_default="typed")
    # Where the figures come from: "typed" by the rep (or taken from the opportunity's own
    # figures when the scenario was created), or "demo" data set by the demo loader only
    # (stays labelled wherever its figures show). "starting" (placeholder estimates) was
    # retired by migration 0015, which emptied those figures.
    figures_origin: Mapped[str] = mapped_column(String(8), default="typed", server_default="typed")
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_RULES))
    # Our figures and the prices to test are empty (NULL) until the rep enters them: a new
    # scenario never starts from invented figures, and an incomplete one has no P(win).
    our_cost: Mapped[Decimal | None]
    ceiling: Mapped[Decimal | None]
    our_tech_low: Mapped[Decimal | None]
    our_tech_likely: Mapped[Decimal | None]
    our_tech_high: Mapped[Decimal | None]
    grid_min: Mapped[Decimal | None]
    grid_max: Mapped[Decimal | None]
    grid_steps: Mapped[int] = mapped_column(default=60)
    seed: Mapped[int] = mapped_column(default=1)
    chosen_price: Mapped[Decimal | None]
    # Our own price adjustments in percent (10 = the price counts 10 % lower / higher).
    our_sme_deduction_pct: Mapped[Decimal] = mapped_column(default=0, server_default="0")
    our_preference_margin_pct: Mapped[Decimal] = mapped_column(default=0, server_default="0")
    # "Use this price" on a quote option of a proposal of the same opportunity: from then
    # on that proposal's approval request states what the option's discount buys here.
    linked_option_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_option.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunity: Mapped[Opportunity] = relationship()  # noqa: F821
    linked_option: Mapped[ProposalOption | None] = relationship()  # noqa: F821
    competitors: Mapped[list[PriceCompetitor]] = relationship(
        back_populates="scenario",
        cascade="all, delete-orphan",
        order_by="(PriceCompetitor.position, PriceCompetitor.id)",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<PriceScenario {self.id} {self.name!r}>"


class PriceCompetitor(db.Model):
    """One competitor's expected bid: price (currency units) and technical points as
    low / most likely / high. Ranges are checked by the engine, not by constraints, so a
    half-typed row can be explained at the field rather than refused by the database."""

    __audited__ = True
    __tablename__ = "price_competitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("price_scenario.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # The rival: a competitor record shared by the opportunity's matrix, scenarios,
    # negotiation sheet and objections (renaming it renames it everywhere).
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id"), index=True)
    # Empty (NULL) until known: a rival added to a scenario has no invented estimates.
    price_low: Mapped[Decimal | None]
    price_likely: Mapped[Decimal | None]
    price_high: Mapped[Decimal | None]
    tech_low: Mapped[Decimal | None]
    tech_likely: Mapped[Decimal | None]
    tech_high: Mapped[Decimal | None]
    # How the price is drawn: "triangular" (low / likely / high), "normal" or "lognormal"
    # (low and high are the 5th and 95th percentiles), or "empirical" (past_ratios: the
    # rival's past bids as bid ÷ our cost, comma-separated plain numbers).
    price_model: Mapped[str] = mapped_column(
        String(12), default="triangular", server_default="triangular"
    )
    past_ratios: Mapped[str] = mapped_column(Text, default="", server_default="")
    # This bidder's price adjustments in percent: SME deduction, preference margin.
    sme_deduction_pct: Mapped[Decimal] = mapped_column(default=0, server_default="0")
    preference_margin_pct: Mapped[Decimal] = mapped_column(default=0, server_default="0")

    # No version of its own: competitors are edited in the scenario's form, and every
    # change to them bumps the scenario's version (see views._touch).
    scenario: Mapped[PriceScenario] = relationship(back_populates="competitors")
    competitor: Mapped[Competitor] = relationship(lazy="joined")  # noqa: F821

    @property
    def name(self) -> str:
        return self.competitor.name if self.competitor is not None else ""

    @property
    def opportunity_id(self) -> int | None:
        # Lets the audit log file competitor changes under their opportunity.
        return self.scenario.opportunity_id if self.scenario is not None else None


class CriteriaEvidence(db.Model):
    """Evidence for the NSABC activity "influence the procurement criteria" of one
    opportunity: a saved planner recommendation (what to ask the buyer for, with the figures
    it rests on). Rows are kept as history; the newest one counts. The other way to close
    the activity, "not applicable", keeps its reason in the activity's own evidence text
    (workspace). ``kind`` leaves room for other evidence kinds; today only
    "recommendation". Money is currency units; ``p_win_pct`` and ``lead`` are percent and
    points out of 100."""

    __audited__ = True
    __tablename__ = "criteria_evidence"
    __table_args__ = (CheckConstraint("kind IN ('recommendation')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("price_scenario.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[str] = mapped_column(String(8), default="")
    lead: Mapped[Decimal | None]
    price_weight: Mapped[Decimal | None]
    method: Mapped[str | None] = mapped_column(String(16))
    abnormal_low: Mapped[bool | None]
    price: Mapped[Decimal | None]
    p_win_pct: Mapped[Decimal | None]
    expected_margin: Mapped[Decimal | None]
    current_margin: Mapped[Decimal | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    created_by: Mapped[User | None] = relationship()  # noqa: F821
