"""Who is notified of what. Each function is called by the code of the event, before its
commit, and adds one inbox item per recipient to the same session:

- an approval requested: the active users whose role may decide it under the authority
  matrix (a request that needs an admin reaches admins only);
- an approval decided (approved or rejected): the requester and the opportunity's presales;
- a comment on a proposal: the opportunity's presales and owner (a user @mentioned in a
  work comment gets the mention instead, not both);
- a task assigned: its assignee, unless they assigned it to themselves.

Never the person who did it (read from the event's own row: requester, decider, author,
creator), never an inactive user, never someone who may not see the
opportunity. The sentence and the link of an item are made here too, for the inbox page
and for the e-mail alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.locale import ui_locale
from portal.tender.models import InboxItem

#: The kinds stored by this module (mentions are made by portal.tender.service).
KINDS = ("approval_asked", "approved", "rejected", "comment", "task")


def _notify(
    kind: str, user_ids: Iterable[int | None], opportunity_id: int, actor: int | None, **links
) -> list:
    """Add an item of `kind` for each user who may see the opportunity (not the actor)."""
    from portal.auth.models import User
    from portal.deals.models import Opportunity
    from portal.security import scope_for_role

    wanted = {uid for uid in user_ids if uid is not None and uid != actor}
    if not wanted:
        return []
    items = []
    users = db.session.scalars(
        select(User).where(User.id.in_(wanted), User.active.is_(True)).order_by(User.id)
    ).all()
    for user in users:
        sees = db.session.scalar(
            select(func.count())
            .select_from(Opportunity)
            .where(Opportunity.id == opportunity_id, scope_for_role(user.role, user.id))
        )
        if not sees:
            continue
        item = InboxItem(user_id=user.id, kind=kind, actor_id=actor, **links)
        db.session.add(item)
        items.append((item, user))
    if items:
        from portal.notifications import mail

        db.session.flush()  # the ids the e-mails link to
        for item, user in items:
            mail.send_after_commit(item, user)
    return [item for item, _user in items]


def approval_requested(approval) -> list:
    """The request was just added (and flushed or not): tell who may decide it."""
    from portal.auth.models import User
    from portal.drafts.approvals import may_decide
    from portal.drafts.models import APPROVER_ROLES

    roles = [r for r in APPROVER_ROLES if may_decide(approval.required_role, r)]
    db.session.flush()
    deciders = db.session.scalars(
        select(User.id).where(User.role.in_(roles), User.active.is_(True))
    ).all()
    return _notify(
        "approval_asked",
        deciders,
        approval.opportunity_id,
        approval.requested_by_id,
        proposal_id=approval.proposal_id,
        approval_id=approval.id,
    )


def request_settled(approval) -> None:
    """The request left "pending" (decided or withdrawn): it asks nothing of anyone now, so
    its unread "approval asked" items count no more (they stay listed, read)."""
    from portal.timeutil import utcnow

    if approval.id is None:
        return
    db.session.execute(
        update(InboxItem)
        .where(
            InboxItem.approval_id == approval.id,
            InboxItem.kind == "approval_asked",
            InboxItem.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def approval_decided(approval) -> list:
    """An approval was approved or rejected: tell the requester and the presales."""
    from portal.deals.models import Opportunity

    request_settled(approval)
    if approval.state not in ("approved", "rejected"):
        return []
    presales = db.session.scalar(
        select(Opportunity.presales_id).where(Opportunity.id == approval.opportunity_id)
    )
    return _notify(
        approval.state,
        [approval.requested_by_id, presales],
        approval.opportunity_id,
        approval.decided_by_id,
        proposal_id=approval.proposal_id,
        approval_id=approval.id,
    )


def _proposal_people(opportunity_id: int) -> list[int | None]:
    from portal.deals.models import Opportunity

    row = db.session.execute(
        select(Opportunity.presales_id, Opportunity.owner_id).where(
            Opportunity.id == opportunity_id
        )
    ).one()
    return list(row)


def proposal_commented(comment) -> list:
    """A comment on the proposal page (drafts.ProposalComment)."""
    db.session.flush()
    return _notify(
        "comment",
        _proposal_people(comment.opportunity_id),
        comment.opportunity_id,
        comment.author_id,
        proposal_id=comment.proposal_id,
        proposal_comment_id=comment.id,
    )


def work_commented(comment, proposal, mentioned: Iterable[int]) -> list:
    """A comment on a section or requirement (tender.WorkComment); users it @mentions
    already have a mention of it."""
    skip = set(mentioned)
    people = [uid for uid in _proposal_people(proposal.opportunity_id) if uid not in skip]
    return _notify(
        "comment",
        people,
        proposal.opportunity_id,
        comment.author_id,
        proposal_id=proposal.id,
        comment_id=comment.id,
    )


def task_assigned(task) -> list:
    """A decision-chain task was raised for someone (not for oneself)."""
    db.session.flush()
    if task.assignee_id == task.created_by_id:
        return []
    return _notify(
        "task", [task.assignee_id], task.opportunity_id, task.created_by_id, task_id=task.id
    )


# --- what an item says and where it leads ----------


def describe(item: InboxItem) -> str:
    """The sentence of an item in the current language (the inbox and the e-mail)."""
    who = item.actor.display_name if item.actor else _("Someone")
    title = item.proposal.title if item.proposal else ""
    if item.kind == "approval_asked":
        return _("%(who)s asks for approval of the quote of %(title)s.", who=who, title=title)
    if item.kind == "approved":
        return _("%(who)s approved the quote of %(title)s.", who=who, title=title)
    if item.kind == "rejected":
        return _("%(who)s rejected the quote of %(title)s.", who=who, title=title)
    if item.kind == "comment":
        return _("%(who)s commented on %(title)s.", who=who, title=title)
    if item.kind == "task":
        deal = item.task.opportunity.name if item.task else ""
        return _("%(who)s assigned you a task on %(deal)s.", who=who, deal=deal)
    return _("%(who)s mentioned you:", who=who)


def excerpt(item: InboxItem) -> str:
    """The words that go with the sentence: the comment, the reason, the task's title."""
    if item.kind == "task" and item.task:
        return item.task.title_in(ui_locale())
    if item.kind in ("approved", "rejected") and item.approval:
        return item.approval.comment or ""
    if item.proposal_comment:
        return item.proposal_comment.body
    if item.comment:
        return item.comment.body
    return ""


def target_url(item: InboxItem, **external) -> str:
    """Where the item leads (the route that opens it marks it read first)."""
    proposal = item.proposal
    if item.kind == "approval_asked":
        return url_for("approvals.queue", **external) + f"#approval-{item.approval_id}"
    if item.kind == "task":
        return url_for("workspace.my_tasks", **external) + f"#my-task-{item.task_id}"
    if item.comment is not None:
        comment = item.comment
        if comment.requirement_id:
            return (
                url_for(
                    "tender.index",
                    opportunity_id=proposal.opportunity_id,
                    proposal_id=proposal.id,
                    row=comment.requirement_id,
                    **external,
                )
                + f"#req-{comment.requirement_id}"
            )
        return (
            url_for(
                "tender.index",
                opportunity_id=proposal.opportunity_id,
                proposal_id=proposal.id,
                **external,
            )
            + f"#sec-{comment.section_id}"
        )
    anchor = "#comments" if item.kind == "comment" else "#workflow"
    return (
        url_for(
            "drafts.detail",
            opportunity_id=proposal.opportunity_id,
            proposal_id=proposal.id,
            **external,
        )
        + anchor
    )


def opportunity_id_of(item: InboxItem) -> int | None:
    if item.task is not None:
        return item.task.opportunity_id
    return item.proposal.opportunity_id if item.proposal else None
