"""Objections raised by the customer, worked through the LSCPA steps, and the playbook."""

from __future__ import annotations

import zlib
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db, sql_in
from portal.timeutil import utcnow
from proposals.objections import (
    MAX_TOKEN_LENGTH,
    STEP_ORDER,
    CloseOutcome,
    GroupCandidate,
    LscpaStep,
    ObjectionType,
    candidate_sizes,
    choose_group,
    objection_tokens,
    wording_key,
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
        # The pipeline counts from these alone (index-only scans): open objections per
        # type and day for the age grid; each group's opportunities over the open, recent
        # objections (a range of the second) or over all of them (the third, in group
        # order), which also finds the first objection of each wording of the groups shown.
        Index("ix_objection_status_type_raised", "status", "objection_type", "raised_on"),
        Index(
            "ix_objection_status_raised_group", "status", "raised_on", "group_id", "opportunity_id"
        ),
        Index(
            "ix_objection_group_status_raised",
            "group_id",
            "status",
            "raised_on",
            "opportunity_id",
            "wording_key",
            "id",
        ),
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
    # written when the words or the type are saved (_assign_groups below): objections are
    # placed in groups in bulk from these (migration 0021 did) without tokenising again.
    match_tokens: Mapped[str] = mapped_column(Text, default="")
    # proposals.objections.wording_key(customer_words), written with the tokens: the
    # pipeline tells a group's wordings apart from ix_objection_group_status_raised alone.
    wording_key: Mapped[int] = mapped_column(BigInteger, default=0)
    # The recurring-objection group it belongs to, assigned on every save that changes the
    # words or the type (see _assign_groups below); None when the words have no tokens.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("objection_group.id", ondelete="SET NULL")
    )
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


class ObjectionGroup(db.Model):
    """A family of objections of one type that say the same thing in other words
    (proposals.objections: the rule). Its founding objection's tokens stay its tokens, so a
    group does not drift as members join; objections join or leave it when they are saved.
    """

    __tablename__ = "objection_group"
    __table_args__ = (CheckConstraint(sql_in("objection_type", TYPE_CODES), name="objection_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_type: Mapped[str] = mapped_column(String(16))
    # The founding wording's tokens, space-separated and sorted (as Objection.match_tokens).
    tokens: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int]


class ObjectionGroupToken(db.Model):
    """The inverted index of the groups' founding tokens: (type, token) → groups, so an
    objection being saved finds the groups it shares tokens with in one indexed query."""

    __tablename__ = "objection_group_token"
    __table_args__ = (
        Index("ix_objection_group_token_lookup", "objection_type", "token", "group_id"),
    )

    group_id: Mapped[int] = mapped_column(
        ForeignKey("objection_group.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH), primary_key=True)
    objection_type: Mapped[str] = mapped_column(String(16))


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


def group_for(session: Session, objection_type: str, tokens: frozenset[str]) -> int | None:
    """The group id of an objection of this type and these tokens: the most similar
    existing group (one query over the inverted index: each candidate's founding token count
    and how many tokens it shares), else a group founded here; None without tokens."""
    if not tokens or not objection_type:
        return None
    _serialize_group_founding(session, objection_type)
    low, high = candidate_sizes(len(tokens))
    rows = session.execute(
        select(ObjectionGroup.id, ObjectionGroup.token_count, func.count())
        .join(ObjectionGroupToken, ObjectionGroupToken.group_id == ObjectionGroup.id)
        .where(
            ObjectionGroupToken.objection_type == objection_type,
            ObjectionGroupToken.token.in_(sorted(tokens)),
            ObjectionGroup.token_count.between(low, high),
        )
        .group_by(ObjectionGroup.id, ObjectionGroup.token_count)
    )
    chosen = choose_group(len(tokens), (GroupCandidate(*row) for row in rows))
    if chosen is not None:
        return chosen
    # Written at once (not added to the session): the next objection of the same flush
    # must find this group, and the flush that runs next cannot add rows of its own.
    connection = session.connection()
    group_id = connection.execute(
        insert(ObjectionGroup.__table__).values(
            objection_type=objection_type,
            tokens=" ".join(sorted(tokens)),
            token_count=len(tokens),
        )
    ).inserted_primary_key[0]
    connection.execute(
        insert(ObjectionGroupToken.__table__),
        [
            {"group_id": group_id, "token": token, "objection_type": objection_type}
            for token in sorted(tokens)
        ],
    )
    return group_id


# The first key of the transaction-level advisory locks taken here (the second is the type's).
GROUP_LOCK_SPACE = 0x0B1D


def _serialize_group_founding(session: Session, objection_type: str) -> None:
    """Look up and found the groups of one type one transaction at a time, until it ends.
    Otherwise two saves of the same new wording at once (two reps, two opportunities) each
    find no group, since neither sees the other's uncommitted one, and each founds its own.
    PostgreSQL: an advisory lock per type, so saves of other types do not wait. SQLite: a
    write that changes nothing takes the database's one write lock now, before the lookup,
    instead of at the founding insert (by then the lookup has missed the other's group)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": GROUP_LOCK_SPACE, "key": zlib.crc32(objection_type.encode()) & 0x7FFFFFFF},
        )
    else:
        connection.execute(text("UPDATE objection_group SET id = id WHERE 0"))


def _regroup_due(session: Session) -> list[Objection]:
    new = sorted(
        (o for o in session.new if isinstance(o, Objection)),
        key=lambda o: inspect(o).insert_order,
    )
    changed = []
    for obj in session.dirty:
        if isinstance(obj, Objection):
            attrs = inspect(obj).attrs
            if attrs.customer_words.history.has_changes() or (
                attrs.objection_type.history.has_changes()
            ):
                changed.append(obj)
    return new + sorted(changed, key=lambda o: o.id)


@event.listens_for(Session, "before_flush")
def _assign_groups(session: Session, _ctx, _instances) -> None:
    # Tokenised once, when the words are saved (a new objection, an edit of the words or
    # the type): the tokens and the wording's key are stored (a bulk re-grouping and the
    # pipeline read them), and the objection is placed in a group. Objections are placed in
    # the order they were added, each seeing the groups the ones before it founded.
    due = _regroup_due(session)
    if not due:
        return
    with session.no_autoflush:
        for objection in due:
            words = objection.customer_words or ""
            tokens = objection_tokens(words)
            objection.match_tokens = " ".join(sorted(tokens))
            objection.wording_key = wording_key(words)
            objection.group_id = group_for(session, objection.objection_type, tokens)
