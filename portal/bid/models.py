"""Rows owned by the "one bid" area: leader overrides of the price check, portal settings.

The official scenario is a flag on the scenario itself (portal.pricescore.models), the
rivals are the competitor records of the workspace (portal.workspace.models).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Numeric, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow

MONEY = Numeric(16, 2)


class BidOverride(db.Model):
    """A leader's recorded decision that a proposal may be submitted although its quote
    differs from the bid price beyond the tolerance. It holds for exactly the figures it
    names: once the bid price or the quote's contract value changes, it no longer applies."""

    __audited__ = True
    __tablename__ = "bid_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    bid_price: Mapped[Decimal] = mapped_column(MONEY)
    contract_value: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()  # noqa: F821


class PortalSetting(db.Model):
    """An admin setting, one row per key (value as text, parsed by its owner)."""

    __audited__ = True
    __tablename__ = "portal_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class SheetAlternative(db.Model):
    """A rival the buyer could turn to instead of us ("their alternatives" on the
    negotiation sheet), picked from the opportunity's rivals."""

    __audited__ = True
    __tablename__ = "sheet_alternative"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("negotiation_sheet.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id"), index=True)

    competitor: Mapped[Competitor] = relationship()  # noqa: F821


class BidSummary(db.Model):
    """The stored price position and quote margin of one bid, as the bid desk lists them.

    Written only by portal.bid.summary (computed by the functions every other page uses:
    proposals.biddesk.price_position at the official scenario's chosen price, the desk's
    quote margin), when the official scenario, its rivals or the quote change; read, never
    recomputed, per page load. `stale` is set in the transaction of the change; a row whose
    scenario id / version or quote time differ from the bid's is stale as well (a change
    made outside the ORM). Money in the opportunity currency; p_win 0–1; margin 0–100.
    """

    __tablename__ = "bid_summary"
    __table_args__ = (Index("ix_bid_summary_stale", "stale"),)

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    scenario_id: Mapped[int | None]
    scenario_version: Mapped[int | None]
    quote_changed_at: Mapped[datetime | None]
    stale: Mapped[bool] = mapped_column(default=False, server_default=false())
    price: Mapped[Decimal | None] = mapped_column(MONEY)
    p_win: Mapped[float | None] = mapped_column(Float)
    expected_rank: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None]
    bidders: Mapped[int | None]
    margin_pct: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    margin_frozen: Mapped[bool] = mapped_column(default=True, server_default=true())
    # What the discount of the linked quote option buys and what one more percent off the
    # bid price would (portal.pricescore.links.effect_for, stored by discount_effect_json),
    # with who must approve the contract at the bid price; None without a linked option.
    discount_effect: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
