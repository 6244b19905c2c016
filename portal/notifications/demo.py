"""Demo notifications, made from the demo's own events by the same rules as in use: the
leaders (and admins) are asked to decide the quotes waiting in the queue, the presales
heard of the quote approved days ago (and read it), and each proposal's presales has the
rep's comment on it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.drafts.models import Approval, ProposalComment
from portal.extensions import db
from portal.notifications import events


def create_demo_notifications() -> None:
    for approval in db.session.scalars(select(Approval).order_by(Approval.id)):
        if approval.state == "pending":
            for item in events.approval_requested(approval):
                item.created_at = approval.requested_at
        elif approval.state in ("approved", "rejected") and approval.decided_at:
            for item in events.approval_decided(approval):
                item.created_at = approval.decided_at
                item.read_at = approval.decided_at + timedelta(hours=2)
    for comment in db.session.scalars(select(ProposalComment).order_by(ProposalComment.id)):
        for item in events.proposal_commented(comment):
            item.created_at = comment.created_at
    db.session.flush()
