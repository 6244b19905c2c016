"""What happens to a proposal beyond one form: seeding, pricing state, approvals, revisions.

Views call these; the arithmetic and the rules themselves live in `proposals/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from flask_login import current_user
from sqlalchemy import bindparam, func, select, type_coerce
from sqlalchemy.orm import selectinload
from sqlalchemy.types import NullType

from portal.drafts import labels
from portal.drafts.models import (
    Approval,
    AuthorityRule,
    Proposal,
    ProposalLine,
    ProposalOption,
    ProposalRevision,
    ProposalSection,
)
from portal.extensions import db
from portal.timeutil import utcnow
from proposals.drafting import DEFAULT_SECTION_KINDS, check_transition, next_steps
from proposals.pricing import (
    DEFAULT_APPROVAL_RULES,
    ApprovalDecision,
    ApprovalRule,
    QuoteLine,
    QuoteOption,
    QuotePart,
    QuoteTotals,
    can_approve_alone,
    quote_fingerprint,
    quote_totals,
    required_approver_for_quote,
    validate_quote,
)


def section_title(kind: str, language: str) -> str:
    en, zh = labels.SECTION_TITLES[kind]
    return zh if language == "zh_CN" else en


def new_proposal(opportunity, title: str, language: str, currency: str) -> Proposal:
    """A draft with the default sections in proposal order (bodies empty) and no options."""
    proposal = Proposal(
        opportunity=opportunity,
        title=title,
        language=language,
        currency=currency,
        status="draft",
        created_by_id=current_user.id,
        updated_by_id=current_user.id,
    )
    for position, kind in enumerate(DEFAULT_SECTION_KINDS):
        proposal.sections.append(
            ProposalSection(
                position=position, kind=kind, title=section_title(kind, language), body=""
            )
        )
    db.session.add(proposal)
    return proposal


# --- authority matrix -------------------------------------------------------------------


def authority_rules() -> tuple[ApprovalRule, ...]:
    """The admin-configured matrix; the built-in defaults until an admin saves one."""
    rows = db.session.execute(_rules_statement()).all()
    if not rows:
        return DEFAULT_APPROVAL_RULES
    return tuple(ApprovalRule(*row) for row in rows)


@cache
def _rules_statement():
    return select(
        AuthorityRule.role, AuthorityRule.max_discount_pct, AuthorityRule.min_margin_pct
    ).order_by(AuthorityRule.id)


@cache
def _latest_approval_statement():
    return (
        select(Approval)
        .where(Approval.proposal_id == bindparam("proposal_id"))
        .order_by(Approval.id.desc())
        .limit(1)
    )


# --- the priced state of a proposal ---------------------------------------------------------


class QuoteState:
    """Everything the totals panel and the workflow need, computed once per request.

    The fingerprint (a SHA-256 over every line) is only computed when something asks for
    it: an approval to compare with, or a new approval request.
    """

    def __init__(
        self,
        domain: list,
        totals: QuoteTotals,
        errors: dict,
        decision: ApprovalDecision,
        approval: Approval | None,
    ):
        self.domain = domain
        self.totals = totals
        self.errors = errors
        self.decision = decision
        self.approval = approval  # the latest approval request, if any
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = quote_fingerprint(self.domain)
        return self._fingerprint

    @property
    def approval_valid(self) -> bool:
        approval, decision = self.approval, self.decision
        return bool(
            approval is not None
            and approval.state == "approved"
            and approval.fingerprint == self.fingerprint
            and (
                decision.required_role is None
                or can_approve_alone(approval.required_role, decision)
            )
        )

    @property
    def quote_valid(self) -> bool:
        return not self.errors

    @property
    def needs_approval(self) -> bool:
        return self.decision.needs_approval

    def workflow_key(self, proposal: Proposal) -> str:
        """What the status card shows that a quote edit can change. The editor sends back the
        key it shows; when it is unchanged the card is not re-rendered on each autosave."""
        from portal.bid.views import proposal_bid

        role = self.decision.required_role or "-"
        bid = proposal_bid(proposal, self)
        bid_key = "-" if bid is None else f"{int(bid.matches)}{int(bid.override is not None)}"
        return (
            f"{proposal.status}|{proposal.version}|{role}|{int(self.quote_valid)}|"
            f"{int(self.approval_valid)}|{self.approval.id if self.approval else 0}|{bid_key}"
        )

    def error_messages(self) -> list[str]:
        out = []
        for key, error in self.errors.items():
            message = labels.field_error(error)
            if key.startswith("option."):
                index = int(key.split(".")[1])
                message = f"{self.totals.options[index].option_name or '—'}: {message}"
            out.append(message)
        return out


def load_options(proposal: Proposal) -> list[ProposalOption]:
    """Options with their lines as ORM rows (for the editor), in two queries."""
    return db.session.scalars(
        select(ProposalOption)
        .where(ProposalOption.proposal_id == proposal.id)
        .order_by(ProposalOption.position, ProposalOption.id)
        .options(selectinload(ProposalOption.lines))
    ).all()


@cache
def _quote_columns() -> tuple:
    """The columns of a quote read: each option with its lines, the four numbers as the
    driver gives them (see _decimal)."""
    raw = NullType()
    return (
        ProposalOption.id,
        ProposalOption.name,
        ProposalOption.recommended,
        ProposalOption.maintenance_years,
        ProposalLine.part,
        ProposalLine.description,
        type_coerce(ProposalLine.quantity, raw),
        type_coerce(ProposalLine.unit_price, raw),
        type_coerce(ProposalLine.unit_cost, raw),
        type_coerce(ProposalLine.discount_pct, raw),
    )


@cache
def _quote_statement():
    # Built once per process: constructing the statement costs more than running it. The
    # four numbers come back as the driver gives them (see _decimal): SQLAlchemy's Numeric
    # conversion costs more than the rest of the query on SQLite.
    return (
        select(*_quote_columns())
        .outerjoin(ProposalLine, ProposalLine.option_id == ProposalOption.id)
        .where(ProposalOption.proposal_id == bindparam("proposal_id"))
        .order_by(
            ProposalOption.position, ProposalOption.id, ProposalLine.position, ProposalLine.id
        )
    )


def _decimal(value) -> Decimal:
    """A stored quote number as Decimal. PostgreSQL returns Decimal; SQLite keeps NUMERIC
    columns as integers or doubles, which are read at 4 decimal places (the most any of the
    four columns keeps; a discount's 2 come back with zeros after them, equal in value)."""
    kind = value.__class__
    if kind is Decimal:
        return value
    if kind is int:
        return Decimal(value)
    return Decimal(f"{value:.4f}")


_PARTS = {str(part): part for part in QuotePart}


@lru_cache(maxsize=8192, typed=True)
def _quote_line(part, description, quantity, unit_price, unit_cost, discount_pct) -> QuoteLine:
    """A stored line as a priced domain line. Lines are immutable values, so one read again
    with the same stored values (on an autosave, every line but the edited one) reuses the
    object built before instead of parsing and pricing it again."""
    return QuoteLine(
        _PARTS[part],
        description,
        _decimal(quantity),
        _decimal(unit_price),
        _decimal(unit_cost),
        _decimal(discount_pct),
    )


def load_quote(proposal_id: int) -> list[QuoteOption]:
    """The quote as domain objects straight from one joined query (no ORM rows): the
    autosave path prices 120 lines on every keystroke pause, so this is kept lean."""
    rows = db.session.connection().execute(_quote_statement(), {"proposal_id": proposal_id})
    options: dict[int, tuple] = {}
    for option_id, name, recommended, years, part, description, qty, price, cost, discount in rows:
        entry = options.get(option_id)
        if entry is None:
            entry = options[option_id] = (name, bool(recommended), years, [])
        if part is not None:
            entry[3].append(_quote_line(part, description, qty, price, cost, discount))
    return [
        QuoteOption(name, recommended, years, tuple(lines))
        for name, recommended, years, lines in options.values()
    ]


@dataclass(frozen=True)
class QuoteOptionRow:
    """An option of a quote read for a whole page (load_quotes): its id and name, and the
    option as a domain object."""

    id: int
    proposal_id: int
    name: str
    domain: QuoteOption

    def as_domain(self) -> QuoteOption:
        return self.domain


def load_quotes(proposal_ids, connection=None) -> dict[int, list[QuoteOptionRow]]:
    """The quotes of many proposals in one joined query (no ORM rows), options in order;
    on `connection` when given (a session hook), else through the session (which flushes
    pending changes first)."""
    ids = list(proposal_ids)
    out: dict[int, list[QuoteOptionRow]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = (connection if connection is not None else db.session).execute(
        select(ProposalOption.proposal_id, *_quote_columns())
        .outerjoin(ProposalLine, ProposalLine.option_id == ProposalOption.id)
        .where(ProposalOption.proposal_id.in_(ids))
        .order_by(
            ProposalOption.position, ProposalOption.id, ProposalLine.position, ProposalLine.id
        )
    )
    options: dict[int, tuple] = {}
    for proposal_id, option_id, name, recommended, years, part, *line in rows:
        entry = options.get(option_id)
        if entry is None:
            entry = options[option_id] = (proposal_id, name, bool(recommended), years, [])
        if part is not None:
            entry[4].append(_quote_line(part, *line))
    for option_id, (proposal_id, name, recommended, years, lines) in options.items():
        out[proposal_id].append(
            QuoteOptionRow(
                option_id, proposal_id, name, QuoteOption(name, recommended, years, tuple(lines))
            )
        )
    return out


def quote_state(proposal: Proposal, options: list[ProposalOption] | None = None) -> QuoteState:
    if options is None:
        domain = load_quote(proposal.id)
    else:
        domain = [option.as_domain() for option in options]
    totals = quote_totals(domain)
    decision = required_approver_for_quote(totals, authority_rules())
    approval = db.session.scalars(
        _latest_approval_statement(), {"proposal_id": proposal.id}
    ).first()
    return QuoteState(domain, totals, validate_quote(domain), decision, approval)


def reasons_as_json(decision: ApprovalDecision) -> list[dict]:
    return [
        {
            "metric": str(r.metric),
            # Unrounded: the page rounds once (drafts_pct), as the quote card does. Rounded
            # here first, 17.3467 was stored as 17.35 and printed 17.4 beside a card's 17.3.
            "value": None if r.value is None else str(r.value),
            "limit": str(r.limit),
            "role": r.role,
            "option": r.option_name,
        }
        for r in decision.reasons
    ]


def after_quote_change(proposal: Proposal) -> str | None:
    """Called after any option/line change: an approval given (or asked) for another quote
    no longer holds, and an approved proposal whose new quote needs an approval it does not
    have goes back to draft. Returns a message for the editor when that happened."""
    from portal.bid.service import mark_quote_changed

    mark_quote_changed(proposal.id)
    if proposal.status not in ("in_review", "approved"):
        return None
    state = quote_state(proposal)
    approval = state.approval
    invalidated = False
    if (
        approval is not None
        and approval.state in ("pending", "approved")
        and approval.fingerprint != state.fingerprint
    ):
        approval.state = "withdrawn"
        approval.decided_at = utcnow()
        _settled(approval)
        invalidated = True
    unapproved = proposal.status == "approved" and state.needs_approval and not state.approval_valid
    if not (invalidated or unapproved):
        return None
    proposal.status = "draft"
    proposal.updated_by_id = current_user.id
    return _invalidated_message()


def _settled(approval: Approval) -> None:
    from portal.notifications import events

    events.request_settled(approval)


def _invalidated_message() -> str:
    from flask_babel import gettext as _

    return _("The quote changed: its approval no longer holds and the proposal is back in draft.")


# --- status changes ---------------------------------------------------------------------------


def allowed_steps(proposal: Proposal, state: QuoteState) -> list[tuple[str, bool, str | None]]:
    """(target, possible now, reason code if not) for each next status, for the action bar."""
    out = []
    for target in next_steps(proposal.status):
        check = check_transition(
            proposal.status,
            target,
            needs_approval=state.needs_approval,
            approval_valid=state.approval_valid,
            quote_valid=state.quote_valid,
        )
        code = check.code if not check.allowed else _bid_gate(proposal, str(target), state)
        out.append((str(target), code is None, code))
    return out


def _bid_gate(proposal: Proposal, target: str, state: QuoteState) -> str | None:
    """Submitting the proposal that carries the bid: its quote must be the bid price (within
    the admin's tolerance) or a leader must have overridden exactly this difference."""
    if target != "submitted":
        return None
    from portal.bid.views import proposal_bid

    check = proposal_bid(proposal, state)
    if check is not None and not check.matches and check.override is None:
        return "bid_mismatch"
    return None


def change_status(proposal: Proposal, target: str, state: QuoteState) -> str | None:
    """Apply a status change; returns an error code (see proposals.drafting) or None.

    Sending for review with a quote that breaches the matrix opens an approval request.
    Submitting freezes a revision; going back to draft from submitted continues from it.
    """
    check = check_transition(
        proposal.status,
        target,
        needs_approval=state.needs_approval,
        approval_valid=state.approval_valid,
        quote_valid=state.quote_valid,
    )
    if not check.allowed:
        return check.code
    if (gate := _bid_gate(proposal, target, state)) is not None:
        return gate
    if target == "submitted" and _requirement_blockers(proposal):
        return "requirements_open"
    previous = proposal.status
    if target == "in_review" and state.needs_approval and not state.approval_valid:
        for pending in db.session.scalars(
            select(Approval).where(Approval.proposal_id == proposal.id, Approval.state == "pending")
        ):
            pending.state = "withdrawn"
            pending.decided_at = utcnow()
            _settled(pending)
        approval = Approval(
            proposal=proposal,
            opportunity_id=proposal.opportunity_id,
            required_role=state.decision.required_role,
            fingerprint=state.fingerprint,
            reasons=reasons_as_json(state.decision),
            requested_by_id=current_user.id,
        )
        db.session.add(approval)
        from portal.notifications import events

        events.approval_requested(approval)
    proposal.status = target
    proposal.updated_by_id = current_user.id
    if target == "submitted":
        revision = freeze_revision(proposal, "submitted", "")
        proposal.based_on_revision_id = None
        db.session.flush()
        proposal.based_on_revision_id = revision.id
    elif target == "draft" and previous == "submitted":
        pass  # the working copy already equals the submitted revision it continues from
    return None


def _requirement_blockers(proposal: Proposal) -> list:
    """Tender requirements that stop submission (proposals.requirements.submission_blockers)."""
    from portal.tender.service import proposal_blockers

    return proposal_blockers(proposal.id)


# --- revisions --------------------------------------------------------------------------------


def snapshot(proposal: Proposal, options: list[ProposalOption] | None = None) -> dict:
    """A full, plain copy of the proposal's sections and quote (see proposals.drafting)."""
    options = load_options(proposal) if options is None else options
    return {
        "title": proposal.title,
        "language": proposal.language,
        "currency": proposal.currency,
        "status": proposal.status,
        "sections": [
            {
                "kind": s.kind,
                "title": s.title,
                "body": s.body,
                "blocks": [
                    {"block_id": u.block_id, "block_version": u.block_version} for u in s.block_uses
                ],
            }
            for s in proposal.sections
        ],
        "options": [
            {
                "name": o.name,
                "recommended": o.recommended,
                "maintenance_years": o.maintenance_years,
                "lines": [
                    {
                        "part": line.part,
                        "description": line.description,
                        "quantity": _num(line.quantity),
                        "unit_price": _num(line.unit_price),
                        "unit_cost": _num(line.unit_cost),
                        "discount_pct": _num(line.discount_pct),
                    }
                    for line in o.lines
                ],
            }
            for o in options
        ],
        "requirements": _requirements_snapshot(proposal),
    }


def _requirements_snapshot(proposal: Proposal) -> list[dict]:
    from portal.tender.service import requirements_snapshot

    return requirements_snapshot(proposal.id)


def _num(value) -> str:
    value = Decimal(value)
    return "0" if value == 0 else format(value.normalize(), "f")


def freeze_revision(proposal: Proposal, kind: str, note: str) -> ProposalRevision:
    options = load_options(proposal)
    number = (
        db.session.scalar(
            select(func.max(ProposalRevision.number)).where(
                ProposalRevision.proposal_id == proposal.id
            )
        )
        or 0
    ) + 1
    revision = ProposalRevision(
        proposal=proposal,
        opportunity_id=proposal.opportunity_id,
        number=number,
        kind=kind,
        note=note,
        snapshot=snapshot(proposal, options),
        fingerprint=quote_fingerprint([o.as_domain() for o in options]),
        created_by_id=current_user.id,
    )
    db.session.add(revision)
    return revision
