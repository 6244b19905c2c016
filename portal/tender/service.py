"""What the tender views do beyond one form: loading rows, applying an import, the gate,
comments with @mentions and the inbox. Rules live in proposals.requirements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_login import current_user
from sqlalchemy import Date, Integer, and_, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.expression import FunctionElement

from portal.drafts.models import LibraryBlock, Proposal, ProposalSection
from portal.extensions import db
from portal.tender.models import (
    BlockReview,
    InboxItem,
    Requirement,
    SectionAssignment,
    WorkComment,
)
from proposals.requirements import (
    Blocker,
    GateRow,
    ImportDiff,
    ImportedRow,
    StoredRow,
    diff_import,
    mentioned_usernames,
    submission_blockers,
)


def requirements_of(proposal_id: int) -> list[Requirement]:
    return db.session.scalars(
        select(Requirement)
        .where(Requirement.proposal_id == proposal_id)
        .order_by(Requirement.position, Requirement.id)
        .options(
            selectinload(Requirement.owner),
            selectinload(Requirement.reviewer),
            selectinload(Requirement.deviation_accepted_by),
            selectinload(Requirement.block),
        )
    ).all()


PAGE_SIZE = 100


def requirements_page(proposal_id: int, page: int, size: int = PAGE_SIZE):
    """One page of the table (1-based, clamped) and the number of pages: a tender of
    2,000 rows is shown 100 at a time."""
    total = db.session.scalar(
        select(func.count(Requirement.id)).where(Requirement.proposal_id == proposal_id)
    )
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        select(Requirement)
        .where(Requirement.proposal_id == proposal_id)
        .order_by(Requirement.position, Requirement.id)
        .offset((page - 1) * size)
        .limit(size)
        .options(
            selectinload(Requirement.owner),
            selectinload(Requirement.reviewer),
            selectinload(Requirement.deviation_accepted_by),
            selectinload(Requirement.block),
        )
    ).all()
    return rows, total, page, pages


def page_of(proposal_id: int, requirement_id: int, size: int = PAGE_SIZE) -> int:
    """The page of the table that shows a requirement (1 when it is not there)."""
    row = db.session.get(Requirement, requirement_id)
    if row is None or row.proposal_id != proposal_id:
        return 1
    before = db.session.scalar(
        select(func.count(Requirement.id)).where(
            Requirement.proposal_id == proposal_id,
            or_(
                Requirement.position < row.position,
                and_(Requirement.position == row.position, Requirement.id < row.id),
            ),
        )
    )
    return before // size + 1


def stored_rows(rows: list[Requirement]) -> list[StoredRow]:
    return [
        StoredRow(
            id=r.id,
            number=r.number,
            text=r.text,
            clause=r.clause,
            kind=r.kind,
            mandatory=r.mandatory,
            scoring_item=r.scoring_item,
            points=r.points,
            answered=r.answered,
        )
        for r in rows
    ]


def import_diff(proposal: Proposal, imported: list[ImportedRow]) -> ImportDiff:
    return diff_import(stored_rows(requirements_of(proposal.id)), imported)


def apply_import(proposal: Proposal, imported: list[ImportedRow]) -> ImportDiff:
    """Apply a (re-)import: add new rows, update changed ones (answers kept, flagged for
    a second look when they were answered), delete removed ones; unchanged rows are not
    touched. Order follows the tender."""
    rows = {r.id: r for r in requirements_of(proposal.id)}
    diff = diff_import(stored_rows(list(rows.values())), imported)
    position = {new.key: index for index, new in enumerate(imported)}
    for old, new in diff.changed:
        row = rows[old.id]
        if row.answered:
            row.changed_in_import = True
        _copy(row, new)
    for old, new in diff.unchanged:
        rows[old.id].position = position[new.key]
    for new in diff.added:
        row = Requirement(proposal_id=proposal.id, updated_by_id=current_user.id)
        _copy(row, new)
        db.session.add(row)
        rows_new_position = position[new.key]
        row.position = rows_new_position
    for old in diff.removed:
        db.session.delete(rows[old.id])
    for old, new in diff.changed:
        rows[old.id].position = position[new.key]
    return diff


def _copy(row: Requirement, new: ImportedRow) -> None:
    row.number = new.number
    row.text = new.text
    row.clause = new.clause
    row.kind = new.kind
    row.mandatory = new.mandatory
    row.scoring_item = new.scoring_item
    row.points = new.points
    row.updated_by_id = current_user.id


def next_position(proposal_id: int) -> int:
    top = db.session.scalar(
        select(func.max(Requirement.position)).where(Requirement.proposal_id == proposal_id)
    )
    return 0 if top is None else top + 1


# --- the submission gate ----------


def gate_rows(rows: list[Requirement]) -> list[GateRow]:
    return [
        GateRow(
            id=r.id,
            number=r.number,
            text=r.text,
            mandatory=r.mandatory,
            verdict=r.verdict,
            response=r.response,
            deviation_accepted=r.deviation_accepted_at is not None,
        )
        for r in rows
    ]


def proposal_blockers(proposal_id: int) -> list[Blocker]:
    """The requirements that stop this proposal being submitted (see
    proposals.requirements.submission_blockers); empty when it has no requirement table.
    Reads plain columns (no ORM rows): the table page asks on every load."""
    rows = db.session.execute(
        select(
            Requirement.id,
            Requirement.number,
            Requirement.text,
            Requirement.mandatory,
            Requirement.verdict,
            Requirement.response,
            Requirement.deviation_accepted_at.is_not(None),
        )
        .where(Requirement.proposal_id == proposal_id)
        .order_by(Requirement.position, Requirement.id)
    )
    return submission_blockers(GateRow(*row) for row in rows)


def requirements_snapshot(proposal_id: int) -> list[dict]:
    """The requirement table as frozen into a revision (for its deviation tables)."""
    return [r.as_snapshot() for r in requirements_of(proposal_id)]


# --- comments, mentions and the inbox ----------


def post_comment(proposal: Proposal, body: str, *, section_id=None, requirement_id=None):
    """Save a comment and put an inbox item for every @username mentioned (not the
    author, and only users who may see the proposal's opportunity)."""
    from portal.auth.models import User
    from portal.security import scope_for_role

    comment = WorkComment(
        proposal_id=proposal.id,
        section_id=section_id,
        requirement_id=requirement_id,
        author_id=current_user.id,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    names = mentioned_usernames(body)
    mentioned: list[int] = []
    if names:
        from portal.deals.models import Opportunity

        users = db.session.scalars(
            select(User).where(func.lower(User.username).in_(names), User.id != current_user.id)
        ).all()
        for user in users:
            sees = db.session.scalar(
                select(func.count())
                .select_from(Opportunity)
                .where(
                    Opportunity.id == proposal.opportunity_id,
                    scope_for_role(user.role, user.id),
                )
            )
            if sees:
                db.session.add(
                    InboxItem(
                        user_id=user.id,
                        kind="mention",
                        proposal_id=proposal.id,
                        comment_id=comment.id,
                        actor_id=current_user.id,
                    )
                )
                mentioned.append(user.id)
    from portal.notifications import events

    events.work_commented(comment, proposal, mentioned)
    return comment


def comments_on(*, section_id=None, requirement_id=None) -> list[WorkComment]:
    stmt = select(WorkComment).options(selectinload(WorkComment.author))
    if section_id is not None:
        stmt = stmt.where(WorkComment.section_id == section_id)
    else:
        stmt = stmt.where(WorkComment.requirement_id == requirement_id)
    return db.session.scalars(stmt.order_by(WorkComment.id)).all()


@dataclass
class InboxCounts:
    assigned: int
    review: int
    overdue: int
    notifications: int  # unread mentions and notifications

    @property
    def total(self) -> int:
        return self.assigned + self.review + self.notifications


def _open_requirement(user_id: int):
    return and_(Requirement.owner_id == user_id, Requirement.verdict == "open")


def _open_section(user_id: int):
    return and_(
        SectionAssignment.assignee_id == user_id, SectionAssignment.review_state != "approved"
    )


def _live_proposal():
    return Proposal.status.in_(("draft", "in_review", "approved"))


def inbox_counts(user_id: int, today: date) -> InboxCounts:
    """Counts for the navigation, in one statement of indexed counts (whatever the size
    of the tables). "Overdue" includes library blocks due for review by their owner."""
    req = (
        select(func.count(Requirement.id))
        .join(Proposal, Proposal.id == Requirement.proposal_id)
        .where(_live_proposal())
    )
    sec = (
        select(func.count(SectionAssignment.id))
        .join(Proposal, Proposal.id == SectionAssignment.proposal_id)
        .where(_live_proposal())
    )
    blocks = overdue_blocks_query(user_id, today).order_by(None).subquery()
    row = db.session.execute(
        select(
            req.where(_open_requirement(user_id)).scalar_subquery(),
            sec.where(_open_section(user_id)).scalar_subquery(),
            req.where(
                Requirement.reviewer_id == user_id, Requirement.review_state == "requested"
            ).scalar_subquery(),
            sec.where(
                SectionAssignment.reviewer_id == user_id,
                SectionAssignment.review_state == "requested",
            ).scalar_subquery(),
            req.where(_open_requirement(user_id), Requirement.due_date < today).scalar_subquery(),
            sec.where(_open_section(user_id), SectionAssignment.due_date < today).scalar_subquery(),
            select(func.count()).select_from(blocks).scalar_subquery(),
            select(func.count(InboxItem.id))
            .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
            .scalar_subquery(),
        )
    ).one()
    a1, a2, r1, r2, o1, o2, o3, unread = (value or 0 for value in row)
    return InboxCounts(a1 + a2, r1 + r2, o1 + o2 + o3, unread)


@dataclass
class InboxEntry:
    kind: str  # requirement | section | block
    title: str
    proposal: Proposal | None
    due: date | None
    target: object
    comment: WorkComment | None = None


def inbox(user_id: int, today: date, limit: int = 100) -> dict[str, list]:
    """The three work lists of the inbox page, each at most `limit` long (its fourth tab,
    notifications, is paged by portal.notifications.views.notification_page)."""
    req = (
        select(Requirement)
        .join(Proposal, Proposal.id == Requirement.proposal_id)
        .options(selectinload(Requirement.proposal))
        .order_by(Requirement.due_date.asc().nulls_last(), Requirement.id)
        .limit(limit)
    )
    sec = (
        select(SectionAssignment)
        .join(Proposal, Proposal.id == SectionAssignment.proposal_id)
        .options(selectinload(SectionAssignment.section).selectinload(ProposalSection.proposal))
        .order_by(SectionAssignment.due_date.asc().nulls_last(), SectionAssignment.id)
        .limit(limit)
    )

    def reqs(*where):
        return [
            InboxEntry("requirement", _req_title(r), r.proposal, r.due_date, r)
            for r in db.session.scalars(req.where(_live_proposal(), *where))
        ]

    def secs(*where):
        return [
            InboxEntry("section", a.section.title, a.section.proposal, a.due_date, a)
            for a in db.session.scalars(sec.where(_live_proposal(), *where))
        ]

    assigned = reqs(_open_requirement(user_id)) + secs(_open_section(user_id))
    review = reqs(
        Requirement.reviewer_id == user_id, Requirement.review_state == "requested"
    ) + secs(
        SectionAssignment.reviewer_id == user_id, SectionAssignment.review_state == "requested"
    )
    overdue = [e for e in assigned if e.due and e.due < today]
    overdue += [
        InboxEntry("block", b.title, None, None, b)
        for b in db.session.scalars(overdue_blocks_query(user_id, today).limit(limit))
    ]
    return {"assigned": assigned, "review": review, "overdue": overdue}


def _req_title(r: Requirement) -> str:
    return ("★ " if r.mandatory else "") + " ".join(x for x in (r.number, r.text[:80]) if x)


# --- library review cycle ----------


DEFAULT_INTERVAL_DAYS = 180


class _DaysSince(FunctionElement):
    """Whole days from a DATE column to a date, on SQLite and PostgreSQL."""

    inherit_cache = True
    type = Integer()


@compiles(_DaysSince, "sqlite")
def _days_sqlite(element, compiler, **kw):
    column, day = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(day, **kw)}) - "
        f"julianday({compiler.process(column, **kw)}) AS INTEGER)"
    )


@compiles(_DaysSince)
def _days_other(element, compiler, **kw):
    column, day = list(element.clauses)
    return f"({compiler.process(day, **kw)} - {compiler.process(column, **kw)})"


def overdue_blocks_query(user_id: int, today: date):
    """Blocks owned by `user_id` not reviewed within their interval (days; 180 unless
    set), or never reviewed, longest overdue first."""
    interval = func.coalesce(BlockReview.interval_days, DEFAULT_INTERVAL_DAYS)
    return (
        select(LibraryBlock)
        .outerjoin(BlockReview, BlockReview.block_id == LibraryBlock.id)
        .where(
            LibraryBlock.owner_id == user_id,
            or_(
                LibraryBlock.last_reviewed.is_(None),
                _DaysSince(LibraryBlock.last_reviewed, literal(today, Date())) > interval,
            ),
        )
        .order_by(LibraryBlock.last_reviewed.asc().nulls_first(), LibraryBlock.id)
    )
