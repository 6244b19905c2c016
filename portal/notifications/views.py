"""Each user's notifications in the inbox: open one (marked read on the way), mark one or
all read (POST with the CSRF token; htmx swaps the row or the list and the counter), the
list itself (unread first, newest first, keyset pages) and the e-mail setting.

Who may do what (tests/portal/test_access.py): every role, each on their own items only;
another user's item answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.forms import EmptyForm
from portal.pages import wants_fragment
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404
from portal.tender.models import InboxItem, WorkComment
from portal.timeutil import today, utcnow

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 20


@dataclass
class NotificationPage:
    items: list
    older: str | None  # the cursor of the next page, None on the last one
    first: bool


def _cursor(value: str | None) -> tuple[bool, int] | None:
    """ "u123" (unread, ids below 123) or "r123" (read, ids below 123)."""
    if not value or len(value) > 12 or value[0] not in "ur" or not value[1:].isdigit():
        return None
    return value[0] == "r", int(value[1:])


def notification_page(user_id: int, after: str | None = None, size: int = PAGE_SIZE):
    """One page of the user's items: unread ones first, newest first within each, read
    ones after; a page costs two indexed range reads whatever the number of items."""
    cursor = _cursor(after)
    base = (
        select(InboxItem)
        .where(InboxItem.user_id == user_id)
        .options(
            selectinload(InboxItem.actor),
            selectinload(InboxItem.proposal),
            selectinload(InboxItem.approval),
            selectinload(InboxItem.proposal_comment),
            selectinload(InboxItem.comment).selectinload(WorkComment.author),
        )
        .order_by(InboxItem.id.desc())
    )
    items: list = []
    in_read = cursor is not None and cursor[0]
    if not in_read:
        stmt = base.where(InboxItem.read_at.is_(None))
        if cursor is not None:
            stmt = stmt.where(InboxItem.id < cursor[1])
        items = list(db.session.scalars(stmt.limit(size + 1)))
    if len(items) <= size:
        stmt = base.where(InboxItem.read_at.is_not(None))
        if in_read:
            stmt = stmt.where(InboxItem.id < cursor[1])
        items += list(db.session.scalars(stmt.limit(size + 1 - len(items))))
    older = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        older = f"{'r' if last.read_at else 'u'}{last.id}"
    _load_tasks(items)
    return NotificationPage(items, older, cursor is None)


def _load_tasks(items) -> None:
    from portal.workspace.models import ChainTask

    ids = {i.task_id for i in items if i.task_id}
    if ids:
        db.session.scalars(
            select(ChainTask)
            .where(ChainTask.id.in_(ids))
            .options(selectinload(ChainTask.opportunity))
        ).all()


@bp.app_template_global()
def notification_text(item) -> str:
    from portal.notifications.events import describe

    return describe(item)


@bp.app_template_global()
def notification_excerpt(item) -> str:
    from portal.notifications.events import excerpt

    return excerpt(item)


def _own_item_or_404(item_id: int) -> InboxItem:
    item = db.session.get(InboxItem, item_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    return item


def _counts_oob() -> str:
    from portal.tender.service import inbox_counts

    return render_template(
        "tender/_inbox_counts.html", counts=inbox_counts(current_user.id, today()), oob=True
    )


@bp.get("/inbox/<int:item_id>")
@allowed(*ALL_ROLES)
def open_item(item_id: int):
    """Open what an item points at, marking it read."""
    from portal.notifications.events import opportunity_id_of, target_url

    item = _own_item_or_404(item_id)
    opportunity_id = opportunity_id_of(item)
    if opportunity_id is not None:
        get_opportunity_or_404(opportunity_id)  # still allowed to see it
    target = target_url(item)
    item.read_at = item.read_at or utcnow()
    db.session.commit()
    return redirect(target)


@bp.post("/inbox/<int:item_id>/read")
@allowed(*ALL_ROLES)
def mark_read(item_id: int):
    item = _own_item_or_404(item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    item.read_at = item.read_at or utcnow()
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("work.inbox", tab="notifications"))
    return render_template("notifications/_item.html", item=item, form=EmptyForm()) + _counts_oob()


@bp.post("/inbox/read")
@allowed(*ALL_ROLES)
def mark_all_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    now = utcnow()
    for item in db.session.scalars(
        select(InboxItem).where(InboxItem.user_id == current_user.id, InboxItem.read_at.is_(None))
    ):
        item.read_at = now
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("work.inbox", tab="notifications"))
    return (
        render_template(
            "notifications/_list.html",
            page=notification_page(current_user.id),
            unread=0,
            form=EmptyForm(),
        )
        + _counts_oob()
    )


@bp.route("/settings", methods=["GET", "POST"])
@allowed(*ALL_ROLES)
def settings():
    """The user's own settings: e-mail copies of notifications on or off."""
    from portal.auth.models import User

    user = db.session.get(User, current_user.id)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        user.email_notifications = request.form.get("email_notifications") == "on"
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("notifications.settings"))
    from flask import current_app

    return render_template(
        "notifications/settings.html",
        user=user,
        form=form,
        mail_configured=bool(current_app.config.get("MAIL_URL")),
    )
