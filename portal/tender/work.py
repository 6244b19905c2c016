"""Work around a proposal beyond its requirement table: section assignments, comments
with @mentions on sections, each user's inbox (assigned to me, to review, overdue,
notifications) with the counts beside "Inbox" in the navigation, and the library review cycle.

The inbox is read by `portal.tender.service.inbox` / `inbox_counts`; stored events for a
user (mentions and the notifications of portal/notifications) are `InboxItem` rows.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal.auth.models import User
from portal.drafts.models import LibraryBlock, ProposalSection
from portal.drafts.queries import child_or_404, get_proposal_or_404
from portal.extensions import db
from portal.forms import EmptyForm
from portal.pages import wants_fragment
from portal.security import ALL_ROLES, allowed
from portal.tender import labels as tl
from portal.tender import service
from portal.tender.forms import CommentForm, ReviewCycleForm
from portal.tender.models import BlockReview, SectionAssignment
from portal.tender.views import (
    EDIT_ROLES,
    LEADERS,
    _assign_form,
    _can_edit,
    _comments,
    _index_url,
    _locked,
    _people,
    _user_or_none,
)
from portal.timeutil import today
from proposals.drafting import is_stale

work = Blueprint("work", __name__)

# --- section assignments and comments ----------

SECTION_PREFIX = "/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>/sections"


@work.post(SECTION_PREFIX + "/<int:section_id>/assignment")
@allowed(*EDIT_ROLES)
def assign_section(opportunity_id: int, proposal_id: int, section_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id, with_sections=True)
    section = child_or_404(ProposalSection, section_id, proposal)
    if (locked := _locked(proposal)) is not None:
        return locked
    assignment = db.session.scalar(
        select(SectionAssignment).where(SectionAssignment.section_id == section.id)
    )
    form = _assign_form(request.form)
    status, message = 200, _("Assignment saved.")
    if not form.validate():
        status, message = 422, " ".join(e for errs in form.errors.values() for e in errs)
    elif form.version.data != (assignment.version if assignment else 0):
        status = 409
        message = _("Someone else changed this assignment meanwhile. Check it and try again.")
    else:
        if assignment is None:
            assignment = SectionAssignment(section_id=section.id, proposal_id=proposal.id)
            db.session.add(assignment)
        assignment.assignee_id = _user_or_none(form.owner_id.data)
        assignment.reviewer_id = _user_or_none(form.reviewer_id.data)
        assignment.due_date = form.due_date.data
        assignment.review_state = form.review_state.data
        db.session.commit()
    if not wants_fragment():
        if status == 200:
            return redirect(
                url_for("tender.index", opportunity_id=opportunity.id, proposal_id=proposal.id)
                + f"#sec-{section.id}"
            )
        abort(status)
    return render_template(
        "tender/_section_row.html",
        opportunity=opportunity,
        proposal=proposal,
        section=section,
        assignment=assignment,
        people=_people(),
        editable=_can_edit(proposal),
        today=today(),
        tl=tl,
        message=message,
        status=status,
    ), status


@work.route(SECTION_PREFIX + "/<int:section_id>/work-comments", methods=["GET", "POST"])
@allowed(*ALL_ROLES)
def section_comments(opportunity_id: int, proposal_id: int, section_id: int):
    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    section = child_or_404(ProposalSection, section_id, proposal)
    if request.method == "GET":
        if not wants_fragment():
            return redirect(_index_url(opportunity, proposal) + f"#sec-{section.id}")
        return _comments(opportunity, proposal, section=section)
    form = CommentForm(request.form)
    if not form.validate():
        return _comments(opportunity, proposal, form, 422, section=section)
    service.post_comment(proposal, form.body.data, section_id=section.id)
    db.session.commit()
    return _comments(opportunity, proposal, section=section)


@work.get("/people")
@allowed(*ALL_ROLES)
def people():
    """@mention autocomplete: active users whose username or name starts with the text
    after the last @ of the comment being typed."""
    if not wants_fragment():
        return redirect(url_for("work.inbox"))
    text = (request.args.get("body") or "")[-200:]
    at = text.rfind("@")
    query = text[at + 1 :].strip() if at >= 0 else ""
    users = []
    if at >= 0 and " " not in query and len(query) <= 40:
        like = query.replace("%", "").replace("_", "") + "%"
        users = db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                or_(func.lower(User.username).like(like.lower()), User.display_name.ilike(like)),
            )
            .order_by(User.username)
            .limit(8)
        ).all()
    return render_template("tender/_people.html", users=users, query=query)


# --- inbox ----------


@work.get("/inbox")
@allowed(*ALL_ROLES)
def inbox():
    """The work lists and, on their own tab, the notifications (read by opening them or
    with the mark-read buttons, never by merely looking at the list)."""
    from portal.notifications.views import notification_page

    lists = service.inbox(current_user.id, today())
    tab = request.args.get("tab")
    tab = "notifications" if tab == "mentioned" else tab  # the tab's name before notifications
    counts = service.inbox_counts(current_user.id, today())
    if tab not in (*lists, "notifications"):
        # Unread notifications are what the counter announced: show them first.
        tab = "notifications" if counts.notifications else "assigned"
    page = None
    if tab == "notifications":
        page = notification_page(current_user.id, request.args.get("after"))
    return render_template(
        "tender/inbox.html",
        lists=lists,
        counts=counts,
        page=page,
        form=EmptyForm(),
        today=today(),
        tl=tl,
        tab=tab,
    )


@work.get("/inbox/counts")
@allowed(*ALL_ROLES)
def inbox_counts():
    """The counts beside "Inbox" in the navigation, loaded after the page (so no page
    pays for them) in one statement."""
    if not wants_fragment():
        return redirect(url_for("work.inbox"))
    return render_template(
        "tender/_inbox_counts.html", counts=service.inbox_counts(current_user.id, today())
    )


# --- library review cycle ----------


@work.get("/library/reviews")
@allowed(*ALL_ROLES)
def block_reviews():
    """The library blocks the current user owns that are due for review."""
    blocks = db.session.scalars(
        service.overdue_blocks_query(current_user.id, today()).limit(200)
    ).all()
    cycles = {
        r.block_id: r
        for r in db.session.scalars(
            select(BlockReview).where(BlockReview.block_id.in_([b.id for b in blocks]))
        )
    }
    return render_template(
        "tender/block_reviews.html",
        blocks=blocks,
        cycles=cycles,
        today=today(),
        is_stale=is_stale,
        default_interval=service.DEFAULT_INTERVAL_DAYS,
        action_form=EmptyForm(),
    )


@work.post("/library/reviews/<int:block_id>")
@allowed(*ALL_ROLES)
def review_block(block_id: int):
    """The block's owner (or a leader/admin) records a review today and sets the interval."""
    block = db.session.get(LibraryBlock, block_id) or abort(404)
    if block.owner_id != current_user.id and current_user.role not in LEADERS:
        return redirect(url_for("work.block_reviews"))  # not theirs to review: no change
    cycle = db.session.get(BlockReview, block.id)
    form = ReviewCycleForm(request.form)
    if not form.validate() or form.version.data != (cycle.version if cycle else 0):
        return redirect(url_for("work.block_reviews"))
    if cycle is None:
        cycle = BlockReview(block_id=block.id)
        db.session.add(cycle)
    cycle.interval_days = form.interval_days.data
    block.last_reviewed = today()
    db.session.commit()
    if wants_fragment():
        return "", 200
    return redirect(url_for("work.block_reviews"))
