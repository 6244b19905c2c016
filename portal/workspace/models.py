"""Opportunity workspace: NSABC activities, stage moves, competitors and the competition matrix.

Scores are points 0–10 and weights are the buyer's importance 0–100 (normalised for display),
both held as NUMERIC(5, 2). Likelihood is a whole percent 0–100.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow

ELEMENT_CODES = ("needs", "solution", "authority", "benefit", "competitor")
ACTIVITY_STATUS_CODES = ("not_started", "in_progress", "done", "not_applicable")


class ActivityTemplate(db.Model):
    """A key activity of one stage and NSABC element; reference data an admin can edit."""

    __audited__ = True
    __tablename__ = "activity_template"
    __table_args__ = (
        CheckConstraint(sql_in("element", ELEMENT_CODES), name="element"),
        UniqueConstraint("stage_id", "element", "position", name="cell_position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"), index=True)
    element: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    title_en: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200))
    hint_en: Mapped[str] = mapped_column(Text, default="")
    hint_zh: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    stage: Mapped[Stage] = relationship()  # noqa: F821

    def title(self, locale: str) -> str:
        return (self.title_zh if locale == "zh_CN" else self.title_en) or self.title_en

    def hint(self, locale: str) -> str:
        return (self.hint_zh if locale == "zh_CN" else self.hint_en) or self.hint_en


class OpportunityActivity(db.Model):
    """Progress of one key activity on one opportunity (no row yet = not started)."""

    __audited__ = True
    __tablename__ = "opportunity_activity"
    __table_args__ = (
        CheckConstraint(sql_in("status", ACTIVITY_STATUS_CODES), name="status"),
        UniqueConstraint("opportunity_id", "template_id", name="one_per_template"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[int] = mapped_column(ForeignKey("activity_template.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_date: Mapped[date | None]
    evidence: Mapped[str] = mapped_column(Text, default="")
    # Why the activity is marked done although the evidence the portal found says otherwise
    # (audited with the row); empty when no override was needed.
    override_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    template: Mapped[ActivityTemplate] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])  # noqa: F821


class StageMove(db.Model):
    """Who moved an opportunity from which stage to which, when, and what was left undone."""

    __audited__ = True
    __tablename__ = "stage_move"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    from_stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    moved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    moved_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Titles (en) and template ids of the activities still open when the rep chose to move on.
    overridden: Mapped[list] = mapped_column(JSON, default=list)

    from_stage: Mapped[Stage] = relationship(foreign_keys=[from_stage_id])  # noqa: F821
    to_stage: Mapped[Stage] = relationship(foreign_keys=[to_stage_id])  # noqa: F821
    moved_by: Mapped[User | None] = relationship()  # noqa: F821


class Competitor(db.Model):
    """A rival vendor, shared by every opportunity. Deleting only hides it from new matrices."""

    __audited__ = True
    __tablename__ = "competitor"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    deleted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class MatrixCompetitor(db.Model):
    """A competitor taking part in one opportunity's competition matrix."""

    __audited__ = True
    __tablename__ = "matrix_competitor"
    __table_args__ = (UniqueConstraint("opportunity_id", "competitor_id", name="once_per_matrix"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    competitor: Mapped[Competitor] = relationship()


class MatrixCriterion(db.Model):
    """An evaluation criterion of the buyer with its weight and our score (0–10)."""

    __audited__ = True
    __tablename__ = "matrix_criterion"
    __table_args__ = (
        CheckConstraint("weight BETWEEN 0 AND 100", name="weight_range"),
        CheckConstraint("our_score BETWEEN 0 AND 10", name="our_score_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    our_score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    scores: Mapped[list[MatrixScore]] = relationship(
        back_populates="criterion", cascade="all, delete-orphan"
    )


class MatrixScore(db.Model):
    """A competitor's score (0–10) on one criterion; no row = not scored yet."""

    __audited__ = True
    __tablename__ = "matrix_score"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
        UniqueConstraint("criterion_id", "competitor_id", name="one_score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept beside the criterion so audit events of a score belong to the opportunity.
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("matrix_criterion.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitor.id"), index=True)
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    criterion: Mapped[MatrixCriterion] = relationship(back_populates="scores")


class Likelihood(db.Model):
    """The rep's estimate (percent 0–100) that the opportunity is won; feeds the account grade."""

    __audited__ = True
    __tablename__ = "opportunity_likelihood"
    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    percent: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


TASK_LEVEL_CODES = ("executive", "specialist", "manager")


class ChainTask(db.Model):
    """A dated task for a named person on our side, raised from a decision-chain coverage
    warning (``warning_code``, proposals.coverage.PlanWarningCode or a coverage code), about
    a stakeholder when the warning names one. Open while ``done_at`` is empty."""

    __audited__ = True
    __tablename__ = "chain_task"
    __table_args__ = (CheckConstraint(sql_in("level", TASK_LEVEL_CODES), name="level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="SET NULL"), index=True
    )
    warning_code: Mapped[str] = mapped_column(String(40))
    # A task raised with the warning's own wording keeps no text: ``title`` is NULL and the
    # title is rendered from ``warning_code`` and ``title_params`` ({"name": the stakeholder
    # named when it was raised}) in the reader's language (see ``title_in``). A title the
    # user typed is kept as typed.
    title: Mapped[str | None] = mapped_column(String(300))
    title_params: Mapped[dict | None] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(16), default="manager")
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date]
    done_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    stakeholder: Mapped[Stakeholder | None] = relationship()  # noqa: F821
    opportunity: Mapped[Opportunity] = relationship()  # noqa: F821

    def title_in(self, locale: str) -> str:
        """The task's title for a reader of ``locale`` ("en" or "zh_CN")."""
        if self.title:
            return self.title
        from proposals.coverage import task_title

        return task_title(self.warning_code, (self.title_params or {}).get("name"), locale)


class Qualification(db.Model):
    """The rep's qualification of an opportunity (article 002), each input rated 1 (against
    us) to 5 (for us), None while not assessed; see proposals.grading."""

    __audited__ = True
    __tablename__ = "opportunity_qualification"
    __table_args__ = tuple(
        CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 1 AND 5", name=f"{name}_range")
        for name in (
            "project_level",
            "funding",
            "technical_fit",
            "relationship",
            "creditworthiness",
            "competition",
        )
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), unique=True
    )
    project_level: Mapped[int | None]
    funding: Mapped[int | None]
    technical_fit: Mapped[int | None]
    relationship: Mapped[int | None]
    creditworthiness: Mapped[int | None]
    competition: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
