"""Quote approvals: the leaders' queue, decisions, and the admin's authority matrix."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.deals.models import Opportunity
from portal.drafts import labels
from portal.drafts.forms import BulkApprovalForm, DecisionForm
from portal.drafts.models import (
    APPROVER_ROLES,
    Approval,
    AuthorityRule,
    Proposal,
)
from portal.drafts.queries import get_proposal_or_404
from portal.drafts.stored_quote import stored_quotes
from portal.drafts.workflow import authority_rules, quote_state
from portal.extensions import db
from portal.forms import EmptyForm, db_int
from portal.notifications import events
from portal.pages import wants_fragment
from portal.security import allowed, opportunity_scope
from portal.timeutil import utcnow
from proposals.pricing import (
    DEFAULT_ROLE_ORDER,
    can_approve_alone,
    parse_decimal,
)

bp = Blueprint("approvals", __name__)

#: The most requests one bulk approval decides.
BULK_MAX = 50


def may_decide(required_role: str, role: str | None = None) -> bool:
    """Whether `role` (default: the signed-in user's) ranks high enough to decide a request
    that needs `required_role`; the queue, its bulk form and the bid desk all ask here."""
    return DEFAULT_ROLE_ORDER.index(role or current_user.role) >= DEFAULT_ROLE_ORDER.index(
        required_role
    )


@bp.get("/approvals")
@allowed("leader", "admin")
def queue():
    return _queue_page()


#: Pending requests on one page of the queue.
QUEUE_PAGE = 20
#: Above this many pending requests the queue says "more than …" instead of counting.
QUEUE_COUNT_CAP = 1000


def _queue_page(bulk_form=None, ticked=None):
    """The pending requests on opportunities the user may see, oldest first, one page at a
    time (keyset on requested_at, id: the cursor `after` is an approval id in the URL).
    A fixed number of queries per page: each card's figures and the "quote changed" check
    read the proposal's stored quote summary (portal.drafts.stored_quote), not its lines,
    and what a discount buys comes from the stored bid summaries (portal.bid.summary), not
    a simulation per card."""
    from portal.bid.summary import linked_effects

    raw = request.args.get("after", "")
    after = int(raw) if raw.isdigit() and 0 < int(raw) <= 2**31 - 1 else None
    in_scope = (
        select(Approval)
        .join(Opportunity, Opportunity.id == Approval.opportunity_id)
        .where(Approval.state == "pending", opportunity_scope(current_user))
    )
    total = db.session.scalar(
        select(func.count()).select_from(
            in_scope.with_only_columns(Approval.id).limit(QUEUE_COUNT_CAP + 1).subquery()
        )
    )
    page = in_scope
    cursor = db.session.get(Approval, after) if after else None
    if cursor is not None:
        page = page.where(
            tuple_(Approval.requested_at, Approval.id) > tuple_(cursor.requested_at, cursor.id)
        )
    pending = db.session.scalars(
        page.options(
            joinedload(Approval.proposal).joinedload(Proposal.opportunity),
            joinedload(Approval.requested_by),
        )
        .order_by(Approval.requested_at, Approval.id)
        .limit(QUEUE_PAGE + 1)
    ).all()
    next_after = pending[QUEUE_PAGE - 1].id if len(pending) > QUEUE_PAGE else None
    pending = pending[:QUEUE_PAGE]
    recent = db.session.scalars(
        select(Approval)
        .join(Opportunity, Opportunity.id == Approval.opportunity_id)
        .where(Approval.state != "pending", opportunity_scope(current_user))
        .options(
            joinedload(Approval.proposal).joinedload(Proposal.opportunity),
            joinedload(Approval.decided_by),
        )
        .order_by(Approval.id.desc())
        .limit(15)
    ).all()
    proposals = list({a.proposal_id: a.proposal for a in pending}.values())
    quotes = stored_quotes(proposals)
    effects = linked_effects(proposals, quotes)
    rows = [(a, quotes[a.proposal_id], may_decide(a.required_role)) for a in pending]
    return render_template(
        "drafts/approvals.html",
        rows=rows,
        effects=effects,
        recent=recent,
        total=total,
        count_cap=QUEUE_COUNT_CAP,
        after=cursor.id if cursor is not None else None,
        next_after=next_after,
        form=DecisionForm(),
        bulk_form=bulk_form or BulkApprovalForm(formdata=None),
        ticked=ticked or set(),
    )


@bp.post(
    "/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>/approvals/<int:approval_id>"
)
@allowed("leader", "admin")
def decide(opportunity_id: int, proposal_id: int, approval_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    approval = db.session.get(Approval, approval_id)
    if approval is None or approval.proposal_id != proposal.id:
        abort(404)
    form = DecisionForm(request.form)
    back = request.form.get("back") == "proposal"
    target = (
        url_for("drafts.detail", opportunity_id=opportunity.id, proposal_id=proposal.id)
        if back
        else url_for("approvals.queue")
    )
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(target) if request.form else ("", 422)
    if approval.state != "pending":
        # Another approver decided first (the opportunity's row lock orders the two): a
        # conflict, answered with the decision that stands.
        template = "errors/_error.html" if wants_fragment() else "errors/page.html"
        return render_template(
            template,
            status=409,
            message=_(
                "This request was already decided or withdrawn: it is now %(state)s.",
                state=labels.APPROVAL_STATES.get(approval.state, approval.state),
            ),
            back_url=target,
        ), 409
    ok, message = decide_request(approval, proposal, form.decision.data, form.comment.data)
    flash(message, "success" if ok else "error")
    return redirect(target)


def decide_request(approval: Approval, proposal: Proposal, decision: str, comment: str | None):
    """Decide one request under the rules every path shares (the card, the bulk form and the
    bid desk): still pending, the user's role may decide it, and an approval only for the
    exact quote asked about, within the user's authority. Commits; returns (done, message)."""
    if approval.state != "pending":
        return False, _("This request was already decided or withdrawn.")
    if not may_decide(approval.required_role):
        return False, _("This quote needs approval by an admin; a leader cannot approve it alone.")
    state = quote_state(proposal)
    if decision == "approve":
        if state.fingerprint != approval.fingerprint:
            approval.state = "withdrawn"
            approval.decided_at = utcnow()
            events.request_settled(approval)
            proposal.status = "draft"
            db.session.commit()
            return False, _("The quote changed after approval was requested; nothing was approved.")
        if not can_approve_alone(current_user.role, state.decision):
            return False, _("The quote now needs a higher approver.")
        approval.state = "approved"
        if proposal.status == "in_review":
            proposal.status = "approved"
        message = _("Approved: %(title)s.", title=proposal.title)
    else:
        approval.state = "rejected"
        if proposal.status in ("in_review", "approved"):
            proposal.status = "draft"
        message = _("Rejected: %(title)s is back in draft with your comment.", title=proposal.title)
    approval.decided_by_id = current_user.id
    approval.decided_at = utcnow()
    approval.comment = (comment or "").strip()
    proposal.updated_by_id = current_user.id
    events.approval_decided(approval)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False, _("This request was already decided or withdrawn.")
    return True, message


@bp.post("/approvals/bulk")
@allowed("leader", "admin")
def bulk_approve():
    """Approve the ticked requests with one reason. Each is decided on its own under the
    same rules as a single approval (and audited on its own); the flash says which were
    approved and why any were not."""
    form = BulkApprovalForm(request.form)
    ids = sorted(set(request.form.getlist("approval_id", type=int)))[:BULK_MAX]
    valid = form.validate()
    if not ids:
        form.selection_error = _("Tick the requests to approve.")
        valid = False
    if not valid:
        return _queue_page(bulk_form=form, ticked=set(ids)), 422
    approvals = db.session.scalars(
        select(Approval)
        .join(Proposal, Proposal.id == Approval.proposal_id)
        .join(Opportunity, Opportunity.id == Proposal.opportunity_id)
        .where(Approval.id.in_(ids), opportunity_scope(current_user))
        .options(joinedload(Approval.proposal))
        .order_by(Approval.requested_at, Approval.id)
    ).all()
    done, refused = [], []
    for approval in approvals:
        ok, message = decide_request(approval, approval.proposal, "approve", form.comment.data)
        (done if ok else refused).append((approval.proposal.title, message))
    if done:
        flash(
            _(
                "Approved %(n)d of %(m)d: %(titles)s.",
                n=len(done),
                m=len(ids),
                titles=", ".join(title for title, _message in done),
            ),
            "success",
        )
    for _title, message in refused:
        flash(message, "error")
    if len(approvals) < len(ids):
        flash(_("Some requests were not found; nothing was done with them."), "error")
    return redirect(url_for("approvals.queue"))


# --- authority matrix (admin) ------------------------------------------------------------------


def _matrix_rows():
    saved = {r.role: r for r in db.session.scalars(select(AuthorityRule))}
    current = {r.role: r for r in authority_rules()}
    return [(role, saved.get(role), current.get(role)) for role in APPROVER_ROLES]


@bp.route("/admin/approval-rules", methods=["GET", "POST"])
@allowed("admin")
def rules():
    rows = _matrix_rows()
    if request.method == "GET":
        return render_template(
            "drafts/rules.html", rows=rows, values={}, errors={}, form=EmptyForm()
        )
    values, errors, parsed = {}, {}, {}
    for role in APPROVER_ROLES:
        for field in ("max_discount_pct", "min_margin_pct"):
            key = f"{role}-{field}"
            raw = (request.form.get(key) or "").strip()[:40]
            values[key] = raw
            if not raw:
                parsed[key] = None
                continue
            number, error = parse_decimal(raw, max_decimals=2, max_integer_digits=3)
            if error is not None:
                errors[key] = labels.field_error(error)
            elif field == "max_discount_pct" and not Decimal(0) <= number <= Decimal(100):
                errors[key] = _("Enter a percentage from 0 to 100.")
            elif field == "min_margin_pct" and not Decimal(-100) <= number <= Decimal(100):
                errors[key] = _("Enter a percentage from -100 to 100.")
            else:
                parsed[key] = number
    versions = {role: request.form.get(f"{role}-version", type=db_int) for role in APPROVER_ROLES}
    if not errors and all(value is None for value in parsed.values()):
        # A blank matrix would let every quote through without approval: refuse it.
        first = f"{APPROVER_ROLES[0]}-max_discount_pct"
        errors[first] = _(
            "Set at least one limit: a blank matrix would let every quote through unapproved."
        )
    if errors:
        return render_template(
            "drafts/rules.html", rows=rows, values=values, errors=errors, form=EmptyForm()
        ), 422
    saved = {r.role: r for r in db.session.scalars(select(AuthorityRule))}
    stale = [
        role
        for role in APPROVER_ROLES
        if (saved[role].version if role in saved else 0) != (versions[role] or 0)
    ]
    if stale:
        flash(
            _(
                "Someone else changed the matrix meanwhile; your values are kept below. Save again to overwrite."  # noqa: E501 (one message id)
            ),
            "error",
        )
        rows = _matrix_rows()
        return render_template(
            "drafts/rules.html",
            rows=rows,
            values=values,
            errors={},
            form=EmptyForm(),
            conflict=True,
        ), 409
    for role in APPROVER_ROLES:
        rule = saved.get(role) or AuthorityRule(role=role)
        rule.max_discount_pct = parsed[f"{role}-max_discount_pct"]
        rule.min_margin_pct = parsed[f"{role}-min_margin_pct"]
        db.session.add(rule)
    db.session.commit()
    flash(_("Approval limits saved. They apply to every quote from now on."), "success")
    return redirect(url_for("approvals.rules"))
