"""Objections raised by the customer, worked through the LSCPA steps, and the playbook."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow
from proposals.objections import (
    STEP_ORDER,
    CloseOutcome,
    LscpaStep,
    ObjectionType,
    objection_tokens,
)

TYPE_CODES = tuple(t.value for t in ObjectionType)
STEP_CODES = tuple(s.value for s in STEP_ORDER)
SEVERITY_CODES = ("low", "medium", "high")
STATUS_CODES = ("open",) + tuple(o.value for o in CloseOutcome)
LANGUAGE_CODES = ("en", "zh_CN")


class PlaybookResponse(db.Model):
    """A reusable answer to one objection type, in both languages; leaders edit it.

    How often it was used and how often the objection was then resolved are counted
    from the objections themselves (see queries.response_stats), so they cannot drift.
    """

    __audited__ = True
    __tablename__ = "playbook_response"
    __table_args__ = (CheckConstraint(sql_in("objection_type", TYPE_CODES), name="objection_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Seeded responses keep their domain key; responses written by leaders have none.
    key: Mapped[str | None] = mapped_column(String(60), unique=True)
    objection_type: Mapped[str] = mapped_column(String(16), index=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200))
    body_en: Mapped[str] = mapped_column(Text, default="")
    body_zh: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def title(self, locale: str) -> str:
        return (
            (self.title_zh if locale == "zh_CN" else self.title_en)
            or self.title_en
            or self.title_zh
        )

    def body(self, locale: str) -> str:
        return (self.body_zh if locale == "zh_CN" else self.body_en) or self.body_en or self.body_zh


class Objection(db.Model):
    __audited__ = True
    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint(sql_in("objection_type", TYPE_CODES), name="objection_type"),
        CheckConstraint(sql_in("severity", SEVERITY_CODES), name="severity"),
        CheckConstraint(sql_in("status", STATUS_CODES), name="status"),
        Index("ix_objection_status_type", "status", "objection_type"),
        # The pipeline reads open, recent objections by default.
        Index("ix_objection_status_raised", "status", "raised_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="SET NULL"), index=True
    )
    # The proposal section that answers this objection (a section of a proposal of the
    # same opportunity; checked in the view).
    proposal_section_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_section.id", ondelete="SET NULL"), index=True
    )
    # The rival the objection names ("competitor X offered…"), one of the opportunity's.
    competitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitor.id", ondelete="SET NULL"), index=True
    )
    objection_type: Mapped[str] = mapped_column(String(16))
    customer_words: Mapped[str] = mapped_column(Text)
    # proposals.objections.objection_tokens(customer_words), space-separated and sorted,
    # written on every save (see the mapper events below): the pipeline groups recurring
    # objections from these without re-tokenising or comparing every pair.
    match_tokens: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(8), default="medium")
    status: Mapped[str] = mapped_column(String(16), default="open")
    raised_on: Mapped[date]
    close_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    opportunity: Mapped[Opportunity] = relationship()  # noqa: F821
    stakeholder: Mapped[Stakeholder | None] = relationship()  # noqa: F821
    proposal_section: Mapped[ProposalSection | None] = relationship()  # noqa: F821
    competitor: Mapped[Competitor | None] = relationship()  # noqa: F821
    steps: Mapped[list[ObjectionStep]] = relationship(
        back_populates="objection", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def done_steps(self) -> list[LscpaStep]:
        return [LscpaStep(s.step) for s in self.steps]

    def step(self, code: str) -> ObjectionStep | None:
        return next((s for s in self.steps if s.step == code), None)

    @property
    def next_step(self) -> LscpaStep | None:
        done = set(self.done_steps)
        return next((s for s in STEP_ORDER if s not in done), None)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class ObjectionStep(db.Model):
    """One LSCPA step done on an objection (one row per step, re-saved when edited).

    Which columns matter depends on the step: listen → notes (what was said);
    sympathize → notes (the acknowledgement); confirm → notes (the real concern) +
    customer_confirmed; process → response_id or custom notes + evidence; assure →
    commitment, owner, due_date.
    """

    __audited__ = True
    __tablename__ = "objection_step"
    __table_args__ = (
        UniqueConstraint("objection_id", "step", name="one_per_step"),
        CheckConstraint(sql_in("step", STEP_CODES), name="step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(
        ForeignKey("objection.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    customer_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Confirm can re-type the objection: the type it had before, kept as its history
    # (None when the type was confirmed as it was).
    retyped_from: Mapped[str | None] = mapped_column(String(16))
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("playbook_response.id", ondelete="SET NULL"), index=True
    )
    evidence: Mapped[str] = mapped_column(Text, default="")
    commitment: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_date: Mapped[date | None]
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    objection: Mapped[Objection] = relationship(back_populates="steps")
    response: Mapped[PlaybookResponse | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])  # noqa: F821
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])  # noqa: F821


class ReusableAnswer(db.Model):
    """An answer written once for an objection that keeps coming back across opportunities.

    Saving one also creates a content-library block (same title/body/language, tagged
    with the objection type) so the next proposal can insert it; the row keeps the link.
    """

    __audited__ = True
    __tablename__ = "reusable_answer"
    __table_args__ = (
        CheckConstraint(sql_in("objection_type", TYPE_CODES), name="objection_type"),
        CheckConstraint(sql_in("language", LANGUAGE_CODES), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    # Where it came from: the shared words and how many opportunities raised it.
    source_words: Mapped[str] = mapped_column(Text, default="")
    opportunity_count: Mapped[int] = mapped_column(default=0)
    library_block_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_block.id", ondelete="SET NULL"), index=True
    )
    library_block: Mapped[LibraryBlock | None] = relationship()  # noqa: F821
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


@event.listens_for(Objection, "before_insert")
@event.listens_for(Objection, "before_update")
def _store_match_tokens(_mapper, _connection, objection: Objection) -> None:
    # Tokenised once when the words are saved, so the pipeline groups from stored tokens.
    objection.match_tokens = " ".join(sorted(objection_tokens(objection.customer_words or "")))
