"""The recorded outcome of a bid and the bidders the award notice published.

Money is NUMERIC(16, 2) in the opportunity's currency. ``predicted_p_win`` (a fraction
0–1) and the rivals' ``predicted_p10``/``predicted_p90`` are snapshots of the official
scenario taken when the outcome is recorded (read through portal.bid.truth), so
calibration compares what the portal said then with what happened, never a recomputation.
Scores are points out of 100; ``price_weight`` is points out of 100 as the scenario holds it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow
from proposals.outcomes import REASON_CODES, RESULT_CODES

MONEY = Numeric(16, 2)
POINTS = Numeric(7, 2)


class BidOutcome(db.Model):
    """How one opportunity's bid ended: one per opportunity."""

    __audited__ = True
    __tablename__ = "bid_outcome"
    __table_args__ = (
        CheckConstraint(sql_in("result", RESULT_CODES), name="result"),
        CheckConstraint(sql_in("reason_code", REASON_CODES), name="reason_code"),
        CheckConstraint(
            "predicted_p_win IS NULL OR predicted_p_win BETWEEN 0 AND 1", name="p_win_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    result: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(24))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date]
    # The bidder the buyer awarded; None when we won (or nobody was awarded).
    winner_competitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitor.id", ondelete="SET NULL"), index=True
    )
    our_price: Mapped[Decimal | None] = mapped_column(MONEY)
    control_price: Mapped[Decimal | None] = mapped_column(MONEY)
    budget: Mapped[Decimal | None] = mapped_column(MONEY)
    # The official scenario's method and price weight when the outcome was recorded.
    scoring_method: Mapped[str | None] = mapped_column(String(24))
    price_weight: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    predicted_p_win: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunity: Mapped[Opportunity] = relationship()  # noqa: F821
    winner: Mapped[Competitor | None] = relationship()  # noqa: F821
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821
    bidders: Mapped[list[OutcomeBidder]] = relationship(
        back_populates="outcome",
        cascade="all, delete-orphan",
        order_by="(OutcomeBidder.rank.is_(None), OutcomeBidder.rank, OutcomeBidder.id)",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<BidOutcome {self.id} {self.result}>"


class OutcomeBidder(db.Model):
    """One bidder of a closed tender as published (us included, ``is_us``)."""

    __audited__ = True
    __tablename__ = "outcome_bidder"
    __table_args__ = (
        CheckConstraint("is_us OR competitor_id IS NOT NULL", name="rival_named"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("bid_outcome.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[int | None] = mapped_column(ForeignKey("competitor.id"), index=True)
    is_us: Mapped[bool] = mapped_column(default=False)
    name_as_published: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[Decimal | None] = mapped_column(MONEY)
    tech_score: Mapped[Decimal | None] = mapped_column(POINTS)
    price_score: Mapped[Decimal | None] = mapped_column(POINTS)
    total_score: Mapped[Decimal | None] = mapped_column(POINTS)
    rank: Mapped[int | None]
    # The 80 % band (10th and 90th percentiles) of the official scenario's price model for
    # this rival when the outcome was recorded; None for us or a rival the scenario lacked.
    predicted_p10: Mapped[Decimal | None] = mapped_column(MONEY)
    predicted_p90: Mapped[Decimal | None] = mapped_column(MONEY)

    outcome: Mapped[BidOutcome] = relationship(back_populates="bidders")
    competitor: Mapped[Competitor | None] = relationship()  # noqa: F821

    @property
    def opportunity_id(self) -> int | None:
        # Lets the audit log file bidder changes under their opportunity.
        return self.outcome.opportunity_id if self.outcome is not None else None
