"""Tender response: requirement rows of a proposal, section assignments, comments with
@mentions, the inbox, library review cycles and the search index behind suggestions.

Editable rows carry a `version` (optimistic locking), as the drafts models do.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow
from proposals.requirements import KINDS, REVIEW_STATES, VERDICTS

# What an inbox item says happened: an @mention, and the notifications of
# portal/notifications (an approval asked of you, your request approved or rejected, a
# comment on your proposal, a task assigned to you).
INBOX_KINDS = ("mention", "approval_asked", "approved", "rejected", "comment", "task")
SEARCH_KINDS = ("block", "answer")


class Requirement(db.Model):
    """One requirement of the tender and our answer to it."""

    __audited__ = True
    __tablename__ = "tender_requirement"
    __table_args__ = (
        CheckConstraint(sql_in("kind", KINDS), name="kind"),
        CheckConstraint(sql_in("verdict", VERDICTS), name="verdict"),
        CheckConstraint(sql_in("review_state", REVIEW_STATES), name="review_state"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
        Index("ix_tender_requirement_owner_due", "owner_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(40), default="")
    clause: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="technical")
    mandatory: Mapped[bool] = mapped_column(default=False)
    scoring_item: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    verdict: Mapped[str] = mapped_column(String(16), default="open")
    response: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # The tender changed this row in a re-import after it was answered: look again.
    changed_in_import: Mapped[bool] = mapped_column(default=False)
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_section.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_date: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    review_state: Mapped[str] = mapped_column(String(16), default="none")
    deviation_accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    deviation_accepted_at: Mapped[datetime | None]
    # The suggestion accepted last: a library block (and its version), or a past answer.
    block_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_block.id", ondelete="SET NULL"), index=True
    )
    block_version: Mapped[int | None]
    source_requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("tender_requirement.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship()  # noqa: F821
    section: Mapped[ProposalSection | None] = relationship()  # noqa: F821
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])  # noqa: F821
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])  # noqa: F821
    deviation_accepted_by: Mapped[User | None] = relationship(  # noqa: F821
        foreign_keys=[deviation_accepted_by_id]
    )
    block: Mapped[LibraryBlock | None] = relationship()  # noqa: F821

    @property
    def answered(self) -> bool:
        return self.verdict != "open" and bool(self.response.strip())

    def as_snapshot(self) -> dict:
        return {
            "number": self.number,
            "clause": self.clause,
            "text": self.text,
            "kind": self.kind,
            "mandatory": self.mandatory,
            "verdict": self.verdict,
            "response": self.response,
            "note": self.note,
        }


class SectionAssignment(db.Model):
    """Who writes a proposal section, by when, and who reviews it."""

    __audited__ = True
    __tablename__ = "section_assignment"
    __table_args__ = (
        UniqueConstraint("section_id"),
        CheckConstraint(sql_in("review_state", REVIEW_STATES), name="review_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("proposal_section.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date | None]
    review_state: Mapped[str] = mapped_column(String(16), default="none")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    section: Mapped[ProposalSection] = relationship()  # noqa: F821
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])  # noqa: F821


class WorkComment(db.Model):
    """A comment on one section or one requirement; @usernames in it reach the inbox."""

    __audited__ = True
    __tablename__ = "work_comment"
    __table_args__ = (
        CheckConstraint("(section_id IS NULL) <> (requirement_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_section.id", ondelete="CASCADE"), index=True
    )
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("tender_requirement.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()  # noqa: F821


class InboxItem(db.Model):
    """Something that happened for one user: an @mention or a notification (see
    portal/notifications). Assignments, reviews and overdue work are not stored here: the
    inbox reads them from their rows. `actor` is who did it (never the user)."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        CheckConstraint(sql_in("kind", INBOX_KINDS), name="kind"),
        Index("ix_inbox_item_user_read", "user_id", "read_at"),
        # The notifications tab pages through a user's items newest first.
        Index("ix_inbox_item_user_newest", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_comment.id", ondelete="CASCADE"), index=True
    )
    approval_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_approval.id", ondelete="CASCADE"), index=True
    )
    proposal_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_comment.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("chain_task.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    comment: Mapped[WorkComment | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()  # noqa: F821
    approval: Mapped[Approval | None] = relationship()  # noqa: F821
    proposal_comment: Mapped[ProposalComment | None] = relationship()  # noqa: F821
    task: Mapped[ChainTask | None] = relationship()  # noqa: F821
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])  # noqa: F821


class BlockReview(db.Model):
    """The review cycle of a library block: reviewed every `interval_days` by its owner
    (library_block.owner_id; last review in library_block.last_reviewed)."""

    __audited__ = True
    __tablename__ = "block_review"
    __table_args__ = (CheckConstraint("interval_days BETWEEN 1 AND 3650", name="interval"),)

    block_id: Mapped[int] = mapped_column(
        ForeignKey("library_block.id", ondelete="CASCADE"), primary_key=True
    )
    interval_days: Mapped[int] = mapped_column(default=180)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class SearchEntry(db.Model):
    """The segmented terms of a library block or an answered requirement. SQLite indexes
    `terms` with an FTS5 table kept in step by triggers; PostgreSQL keeps a stored
    generated column terms_tsv = to_tsvector('simple', terms) with a GIN index. Both are
    created by the migration, outside the models (see portal/tender/suggest.py)."""

    __tablename__ = "search_entry"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        CheckConstraint(sql_in("kind", SEARCH_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    ref_id: Mapped[int]
    # For answers: the proposal they belong to (not suggested to itself).
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8), default="")
    terms: Mapped[str] = mapped_column(Text, default="")
