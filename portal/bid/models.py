"""Rows owned by the "one bid" area: leader overrides of the price check, portal settings.

The official scenario is a flag on the scenario itself (portal.pricescore.models), the
rivals are the competitor records of the workspace (portal.workspace.models).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
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
