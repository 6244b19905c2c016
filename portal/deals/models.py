"""Opportunities, their stage model, team and decision chain."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import bigram_index, db, prefix_index, sql_in, trigram_index
from portal.timeutil import utcnow

PROCUREMENT_FORM_CODES = ("public_tender", "competitive_negotiation", "single_source", "inquiry")
STATUS_CODES = ("open", "won", "lost", "abandoned")
MAP_ROLE_CODES = ("money", "authority", "product")
BUYING_ROLE_CODES = ("economic", "user", "technical", "coach")
DECISION_TYPE_CODES = ("final", "user", "technical", "financial")
ATTITUDE_CODES = ("supporter", "neutral", "opponent")
TEAM_ROLE_CODES = ("account", "solution", "fulfilment")


class StageModel(db.Model):
    """A named sequence of stages; the default is the five-stage model, others are data too."""

    __audited__ = True
    __tablename__ = "stage_model"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    stages: Mapped[list[Stage]] = relationship(
        back_populates="model", order_by="Stage.position", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


class Stage(db.Model):
    __audited__ = True
    __tablename__ = "stage"
    __table_args__ = (UniqueConstraint("model_id", "position", name="model_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("stage_model.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    milestone_en: Mapped[str] = mapped_column(String(300), default="")
    milestone_zh: Mapped[str] = mapped_column(String(300), default="")
    model: Mapped[StageModel] = relationship(back_populates="stages")

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en

    def milestone(self, locale: str) -> str:
        return self.milestone_zh if locale == "zh_CN" else self.milestone_en


class Opportunity(db.Model):
    __audited__ = True
    __tablename__ = "opportunity"
    __table_args__ = (
        CheckConstraint(
            sql_in("procurement_form", PROCUREMENT_FORM_CODES), name="procurement_form"
        ),
        CheckConstraint(sql_in("status", STATUS_CODES), name="status"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_opportunity_owner_status", "owner_id", "status"),
        # The bid desk's default order (nearest deadline, name, id) among open bids, and
        # the board's cards per column: walked, not sorted, so a page reads only its rows.
        Index("ix_opportunity_status_deadline", "status", "bid_deadline", "name", "id"),
        Index("ix_opportunity_status_amount", "status", "amount", "id"),  # desk: by amount
        Index("ix_opportunity_status_name", "status", "name", "id"),  # desk: by name
        Index("ix_opportunity_status_stage_deadline", "status", "stage_id", "bid_deadline", "id"),
        # The board's per-column counts and sums: an index-only scan.
        Index("ix_opportunity_status_stage_totals", "status", "stage_id", "currency", "amount"),
        # The list's sorts, each ending in id so the keyset cursor is a unique position
        # (portal/deals/queries.py SORTS), and the filters that come with the access rule.
        Index("ix_opportunity_deadline_id", "bid_deadline", "id"),
        Index("ix_opportunity_amount_id", "amount", "id"),
        Index("ix_opportunity_name_id", "name", "id"),
        Index("ix_opportunity_updated_id", "updated_at", "id"),
        Index("ix_opportunity_owner_deadline", "owner_id", "bid_deadline", "id"),
        Index("ix_opportunity_presales_deadline", "presales_id", "bid_deadline", "id"),
        # A rep's or presales' open ones in deadline order (list, board columns), walked
        # per part of their scope (security.first_in_scope): closed bids, whose deadlines
        # are mostly past, are not read first.
        Index("ix_opportunity_owner_status_deadline", "owner_id", "status", "bid_deadline", "id"),
        Index(
            "ix_opportunity_presales_status_deadline", "presales_id", "status", "bid_deadline", "id"
        ),
        # The list opens on the open ones: its deadline and recently-updated sorts.
        Index("ix_opportunity_status_deadline_id", "status", "bid_deadline", "id"),
        Index("ix_opportunity_status_updated_id", "status", "updated_at", "id"),
        trigram_index("ix_opportunity_name_trgm", "name"),
        bigram_index("ix_opportunity_name_bigrams", "name"),
        prefix_index("ix_opportunity_name_prefix", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"), index=True)
    procurement_form: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    bid_deadline: Mapped[date | None]
    close_date: Mapped[date | None]
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    presales_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    account: Mapped[Account] = relationship(back_populates="opportunities")  # noqa: F821
    stage: Mapped[Stage] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])  # noqa: F821
    presales: Mapped[User | None] = relationship(foreign_keys=[presales_id])  # noqa: F821
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])  # noqa: F821
    team: Mapped[list[TeamMember]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan"
    )
    stakeholders: Mapped[list[Stakeholder]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        order_by="(Stakeholder.influence.desc(), Stakeholder.name)",
    )

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.name!r}>"


class StageTotal(db.Model):
    """How many opportunities, and the sum of their amounts in whole cents, per status,
    stage and currency: the board's column totals for a user who sees every opportunity.

    Written only by the database: triggers on `opportunity` (migration 0023_stage_totals)
    apply each write's delta in the same transaction, whatever made it (the ORM, a bulk
    SQL statement, a COPY). The portal never writes these rows. A row whose cards fall to
    0 stays, counting nothing. A later migration that rebuilds `opportunity` on SQLite
    (batch mode copies the table) must create these triggers again, as the FTS5 ones.
    """

    __tablename__ = "stage_total"
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    stage_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    cards: Mapped[int] = mapped_column(BigInteger)
    cents: Mapped[int] = mapped_column(BigInteger)


class TeamMember(db.Model):
    """A user working the opportunity beside its owner (the iron triangle AR/SR/FR)."""

    __audited__ = True
    __tablename__ = "opportunity_team"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "user_id", name="member"),
        CheckConstraint(sql_in("team_role", TEAM_ROLE_CODES), name="team_role"),
        # The team branch of the access rule reads (user_id → opportunity_id) from the index.
        Index("ix_opportunity_team_user_opportunity", "user_id", "opportunity_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    team_role: Mapped[str] = mapped_column(String(16))
    opportunity: Mapped[Opportunity] = relationship(back_populates="team")
    user: Mapped[User] = relationship()  # noqa: F821


class Stakeholder(db.Model):
    __audited__ = True
    __tablename__ = "stakeholder"
    __table_args__ = (
        CheckConstraint("influence BETWEEN 1 AND 5", name="influence_range"),
        CheckConstraint(sql_in("attitude", ATTITUDE_CODES), name="attitude"),
        CheckConstraint(
            f"map_role IS NULL OR {sql_in('map_role', MAP_ROLE_CODES)}", name="map_role"
        ),
        CheckConstraint(
            f"buying_role IS NULL OR {sql_in('buying_role', BUYING_ROLE_CODES)}", name="buying_role"
        ),
        CheckConstraint(
            f"decision_type IS NULL OR {sql_in('decision_type', DECISION_TYPE_CODES)}",
            name="decision_type",
        ),
        trigram_index("ix_stakeholder_name_trgm", "name"),
        bigram_index("ix_stakeholder_name_bigrams", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    map_role: Mapped[str | None] = mapped_column(String(16))
    buying_role: Mapped[str | None] = mapped_column(String(16))
    decision_type: Mapped[str | None] = mapped_column(String(16))
    influence: Mapped[int] = mapped_column(default=3)
    attitude: Mapped[str] = mapped_column(String(16), default="neutral")
    last_contact: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunity: Mapped[Opportunity] = relationship(back_populates="stakeholders")
