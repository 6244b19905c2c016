"""Proposals: sections, quote options and lines, library blocks, approvals, revisions, comments.

Every editable row carries a `version` (optimistic locking). Revisions are write-once:
an ORM hook refuses any update or delete of a stored revision.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow
from proposals.drafting import LANGUAGES, SECTION_KINDS, Status
from proposals.pricing import QuoteLine, QuoteOption, QuotePart

STATUS_CODES = tuple(s.value for s in Status)
PART_CODES = tuple(p.value for p in QuotePart)
APPROVAL_STATES = ("pending", "approved", "rejected", "withdrawn")
REVISION_KINDS = ("version", "submitted")
APPROVER_ROLES = ("leader", "admin")

Quantity = Numeric(16, 4)  # 11 integer digits, 4 decimals (see proposals.pricing limits)
Percent = Numeric(5, 2)


class Proposal(db.Model):
    __audited__ = True
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(sql_in("status", STATUS_CODES), name="status"),
        CheckConstraint(sql_in("language", LANGUAGES), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # The frozen revision this working copy continues from (after "new draft").
    # (No foreign key: revisions also point at their proposal, and a cycle of keys would
    # complicate creating and deleting both on every database.)
    based_on_revision_id: Mapped[int | None]
    # When a line or option of the quote last changed (set by a plain UPDATE that leaves
    # the version alone, so an autosave never conflicts with an edit of the proposal).
    quote_changed_at: Mapped[datetime | None]
    # What lists print of the quote (proposals.quote_summary): derived from the options and
    # lines, written by portal.drafts.stored_quote in the transaction of every change to them
    # (a plain UPDATE: neither the version nor the audit log sees it). None: not stored yet.
    quote_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunity: Mapped[Opportunity] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])  # noqa: F821
    sections: Mapped[list[ProposalSection]] = relationship(
        back_populates="proposal",
        order_by="[ProposalSection.position, ProposalSection.id]",
        cascade="all, delete-orphan",
    )
    options: Mapped[list[ProposalOption]] = relationship(
        back_populates="proposal", order_by="ProposalOption.position", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[ProposalRevision]] = relationship(
        back_populates="proposal",
        order_by="ProposalRevision.number.desc()",
        foreign_keys="ProposalRevision.proposal_id",
    )
    approvals: Mapped[list[Approval]] = relationship(
        back_populates="proposal", order_by="Approval.id.desc()"
    )
    comments: Mapped[list[ProposalComment]] = relationship(
        back_populates="proposal", order_by="ProposalComment.id"
    )

    @property
    def editable(self) -> bool:
        return self.status in {"draft", "in_review", "approved"}

    def recent_revisions(self, limit: int = 5) -> list[ProposalRevision]:
        """The latest revisions, without loading their (large) snapshots."""
        from sqlalchemy import select
        from sqlalchemy.orm import load_only

        return db.session.scalars(
            select(ProposalRevision)
            .where(ProposalRevision.proposal_id == self.id)
            .options(
                load_only(
                    ProposalRevision.id,
                    ProposalRevision.number,
                    ProposalRevision.kind,
                    ProposalRevision.created_at,
                )
            )
            .order_by(ProposalRevision.number.desc())
            .limit(limit)
        ).all()

    def quote_options(self) -> list[QuoteOption]:
        """The working quote as domain objects (lines in stored order)."""
        return [option.as_domain() for option in self.options]


class ProposalSection(db.Model):
    __audited__ = True
    __tablename__ = "proposal_section"
    __table_args__ = (CheckConstraint(sql_in("kind", SECTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship(back_populates="sections")
    updated_by: Mapped[User | None] = relationship()  # noqa: F821
    block_uses: Mapped[list[SectionBlockUse]] = relationship(
        back_populates="section", order_by="SectionBlockUse.id", cascade="all, delete-orphan"
    )


class LibraryBlock(db.Model):
    """A reusable piece of proposal text. Its `version` is also the block version recorded
    when it is inserted into a section."""

    __audited__ = True
    __tablename__ = "library_block"
    __table_args__ = (CheckConstraint(sql_in("language", LANGUAGES), name="language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    body: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    last_reviewed: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class SectionBlockUse(db.Model):
    """Which library block (and which version of it) went into a section, by whom, when."""

    __audited__ = True
    __tablename__ = "section_block_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_section.id", ondelete="CASCADE"), index=True
    )
    block_id: Mapped[int] = mapped_column(
        ForeignKey("library_block.id", ondelete="CASCADE"), index=True
    )
    block_version: Mapped[int]
    inserted_at: Mapped[datetime] = mapped_column(default=utcnow)
    inserted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    section: Mapped[ProposalSection] = relationship(back_populates="block_uses")
    block: Mapped[LibraryBlock] = relationship()


class ProposalOption(db.Model):
    __audited__ = True
    __tablename__ = "proposal_option"
    __table_args__ = (CheckConstraint("maintenance_years BETWEEN 0 AND 10", name="years_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    recommended: Mapped[bool] = mapped_column(default=False)
    maintenance_years: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship(back_populates="options")
    lines: Mapped[list[ProposalLine]] = relationship(
        back_populates="option", order_by="ProposalLine.position", cascade="all, delete-orphan"
    )

    def as_domain(self) -> QuoteOption:
        return QuoteOption(
            name=self.name,
            recommended=self.recommended,
            maintenance_years=self.maintenance_years,
            lines=tuple(line.as_domain() for line in self.lines),
        )


class ProposalLine(db.Model):
    __audited__ = True
    __tablename__ = "proposal_line"
    __table_args__ = (
        CheckConstraint(sql_in("part", PART_CODES), name="part"),
        CheckConstraint(
            "quantity >= 0 AND unit_price >= 0 AND unit_cost >= 0", name="not_negative"
        ),
        CheckConstraint("discount_pct BETWEEN 0 AND 100", name="discount_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_option.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    part: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Quantity)
    unit_cost: Mapped[Decimal] = mapped_column(Quantity)
    discount_pct: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    option: Mapped[ProposalOption] = relationship(back_populates="lines")

    def as_domain(self) -> QuoteLine:
        return QuoteLine(
            part=QuotePart(self.part),
            description=self.description,
            quantity=Decimal(self.quantity),
            unit_price=Decimal(self.unit_price),
            unit_cost=Decimal(self.unit_cost),
            discount_pct=Decimal(self.discount_pct),
        )


class AuthorityRule(db.Model):
    """One row of the admin-configured approval authority matrix
    (proposals.pricing.ApprovalRule)."""

    __audited__ = True
    __tablename__ = "authority_rule"
    __table_args__ = (
        UniqueConstraint("role"),
        CheckConstraint(sql_in("role", APPROVER_ROLES), name="role_code"),
        CheckConstraint(
            "max_discount_pct IS NULL OR max_discount_pct BETWEEN 0 AND 100", name="discount_range"
        ),
        CheckConstraint(
            "min_margin_pct IS NULL OR min_margin_pct BETWEEN -100 AND 100", name="margin_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    max_discount_pct: Mapped[Decimal | None] = mapped_column(Percent)
    min_margin_pct: Mapped[Decimal | None] = mapped_column(Percent)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Approval(db.Model):
    """A request for a leader/admin to approve the quote as it was (its fingerprint)."""

    __audited__ = True
    __tablename__ = "proposal_approval"
    __table_args__ = (
        CheckConstraint(sql_in("state", APPROVAL_STATES), name="state"),
        CheckConstraint(sql_in("required_role", APPROVER_ROLES), name="required_role"),
        Index("ix_proposal_approval_state_role", "state", "required_role"),
        # Each bid's latest approval request (the desk's approval filters) and the queue's
        # pending requests oldest first.
        Index("ix_proposal_approval_opportunity_latest", "opportunity_id", "id"),
        Index("ix_proposal_approval_state_requested", "state", "requested_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    required_role: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship(back_populates="approvals")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])  # noqa: F821
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])  # noqa: F821


class ProposalRevision(db.Model):
    """An immutable snapshot of sections and quote (see proposals.drafting for its shape)."""

    __audited__ = True
    __tablename__ = "proposal_revision"
    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint(sql_in("kind", REVISION_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    proposal: Mapped[Proposal] = relationship(
        back_populates="revisions", foreign_keys=[proposal_id]
    )
    created_by: Mapped[User | None] = relationship()  # noqa: F821


class RevisionImmutable(Exception):
    """Raised on any attempt to change or delete a stored revision."""


@event.listens_for(ProposalRevision, "before_update")
def _refuse_revision_update(_mapper, _connection, target):
    raise RevisionImmutable(f"revision {target.id} is frozen")


@event.listens_for(ProposalRevision, "before_delete")
def _refuse_revision_delete(_mapper, _connection, target):
    raise RevisionImmutable(f"revision {target.id} is frozen")


class ProposalComment(db.Model):
    __audited__ = True
    __tablename__ = "proposal_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()  # noqa: F821


# Line amounts for display come from the domain (rounded once, at the line).
ProposalLine.net_amount = property(lambda self: self.as_domain().net_amount)
ProposalLine.list_amount = property(lambda self: self.as_domain().list_amount)
