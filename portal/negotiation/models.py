"""The negotiation preparation sheet of an opportunity, its parts, its log and its versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow
from proposals.negotiation import ConcessionKind, NegotiationSituation, Term
from proposals.pricing import QuotePart

SITUATION_CODES = tuple(s.value for s in NegotiationSituation)
TERM_CODES = tuple(t.value for t in Term)
KIND_CODES = tuple(k.value for k in ConcessionKind)
PART_CODES = tuple(p.value for p in QuotePart)
MONEY = Numeric(16, 2)
RATE = Numeric(7, 3)


class NegotiationSheet(db.Model):
    """One sheet per opportunity. Every save also writes a SheetVersion snapshot.

    Deal economics (contract value per part, costs, rates) are typed on the sheet for now;
    they are the inputs concession costs are computed from.
    """

    __audited__ = True
    __tablename__ = "negotiation_sheet"
    __table_args__ = (
        CheckConstraint(
            f"situation IS NULL OR {sql_in('situation', SITUATION_CODES)}", name="situation"
        ),
        CheckConstraint("maintenance_years BETWEEN 0 AND 10", name="maintenance_years_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    situation: Mapped[str | None] = mapped_column(String(16))
    intended_outcome: Mapped[str] = mapped_column(Text, default="")
    # What the chosen situation asks for (proposals.negotiation.SITUATION_INPUTS): 拖 the
    # advantage we wait for and by when, 破 the new negotiating force, 单赢 the evidence
    # that no rival qualifies.
    delay_advantage: Mapped[str] = mapped_column(Text, default="")
    delay_until: Mapped[date | None]
    new_force: Mapped[str] = mapped_column(Text, default="")
    no_rival_evidence: Mapped[str] = mapped_column(Text, default="")
    our_batna: Mapped[str] = mapped_column(Text, default="")
    our_batna_value: Mapped[Decimal | None] = mapped_column(MONEY)
    our_batna_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    buyer_batna: Mapped[str] = mapped_column(Text, default="")
    # The most we estimate the buyer will pay us, given their best alternative.
    buyer_max: Mapped[Decimal | None] = mapped_column(MONEY)
    buyer_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # Deal economics, quote currency = our_batna_currency's opportunity currency.
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    contract_list: Mapped[Decimal | None] = mapped_column(MONEY)
    solution_net: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    services_net: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    maintenance_net_per_year: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    maintenance_years: Mapped[int] = mapped_column(default=0)
    contract_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    annual_maintenance_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    training_day_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    cost_of_capital_pct: Mapped[Decimal] = mapped_column(RATE, default=Decimal(0))
    # Team roles (users).
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    technical_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    finance_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Keys of the technique checklist items ticked (proposals.negotiation.TECHNIQUE_CHECKLIST).
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunity: Mapped[Opportunity] = relationship()  # noqa: F821
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])  # noqa: F821
    technical: Mapped[User | None] = relationship(foreign_keys=[technical_id])  # noqa: F821
    finance: Mapped[User | None] = relationship(foreign_keys=[finance_id])  # noqa: F821
    sponsor: Mapped[User | None] = relationship(foreign_keys=[sponsor_id])  # noqa: F821
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])  # noqa: F821
    goals: Mapped[list[NegotiationGoal]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="NegotiationGoal.id",
    )
    interests: Mapped[list[CounterpartInterest]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CounterpartInterest.id",
    )
    concessions: Mapped[list[PlannedConcession]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(PlannedConcession.position, PlannedConcession.id)",
    )
    rounds: Mapped[list[NegotiationRoundLog]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="NegotiationRoundLog.number",
    )
    versions: Mapped[list[SheetVersion]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SheetVersion.number.desc()",
    )
    # "Their alternatives": rivals of the opportunity the buyer could turn to (shared records).
    alternatives: Mapped[list[SheetAlternative]] = relationship(  # noqa: F821
        cascade="all, delete-orphan", passive_deletes=True, order_by="SheetAlternative.id"
    )

    def goal(self, term: str) -> NegotiationGoal | None:
        return next((g for g in self.goals if g.term == term), None)


class NegotiationGoal(db.Model):
    """best / expected / walk-away for one term; `unit` says what the numbers count."""

    __audited__ = True
    __tablename__ = "negotiation_goal"
    __table_args__ = (CheckConstraint(sql_in("term", TERM_CODES), name="term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("negotiation_sheet.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    term: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    best: Mapped[Decimal] = mapped_column(MONEY)
    expected: Mapped[Decimal] = mapped_column(MONEY)
    walk_away: Mapped[Decimal] = mapped_column(MONEY)
    core: Mapped[bool] = mapped_column(Boolean, default=False)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    # Goals are edited in place: a save made from an older version is a conflict.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    sheet: Mapped[NegotiationSheet] = relationship(back_populates="goals")


class CounterpartInterest(db.Model):
    """What one stakeholder says they want (position) and why (underlying interest)."""

    __audited__ = True
    __tablename__ = "counterpart_interest"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("negotiation_sheet.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str] = mapped_column(Text)
    interest: Mapped[str] = mapped_column(Text)

    sheet: Mapped[NegotiationSheet] = relationship(back_populates="interests")
    stakeholder: Mapped[Stakeholder | None] = relationship()  # noqa: F821


class PlannedConcession(db.Model):
    """One step of the concession plan: a priced change to a part of the deal."""

    __audited__ = True
    __tablename__ = "planned_concession"
    __table_args__ = (
        CheckConstraint(sql_in("kind", KIND_CODES), name="kind"),
        CheckConstraint(sql_in("part", PART_CODES), name="part"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("negotiation_sheet.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    part: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    value_to_buyer: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[NegotiationSheet] = relationship(back_populates="concessions")


class NegotiationRoundLog(db.Model):
    """One round at the table: their ask, our offer (price, quote currency), what was traded."""

    __audited__ = True
    __tablename__ = "negotiation_round"
    __table_args__ = (UniqueConstraint("sheet_id", "number", name="round_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("negotiation_sheet.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    held_on: Mapped[date | None]
    their_ask: Mapped[Decimal | None] = mapped_column(MONEY)
    our_offer: Mapped[Decimal] = mapped_column(MONEY)
    given: Mapped[str] = mapped_column(Text, default="")
    received: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    sheet: Mapped[NegotiationSheet] = relationship(back_populates="rounds")


class SheetVersion(db.Model):
    """A snapshot of the whole sheet after a save: the history readers can step through."""

    __tablename__ = "negotiation_sheet_version"
    __table_args__ = (UniqueConstraint("sheet_id", "number", name="sheet_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("negotiation_sheet.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    change: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    sheet: Mapped[NegotiationSheet] = relationship(back_populates="versions")
    saved_by: Mapped[User | None] = relationship()  # noqa: F821
