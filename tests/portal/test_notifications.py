"""Notifications (issue 18): who hears of an approval asked or decided, a comment on their
proposal and a task assigned to them; the inbox tab and its counter; mark read; and the
e-mail copy, sent to a local SMTP sink."""

from __future__ import annotations

import re
import socket
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from tests.portal.test_drafts import _create, _url
from tests.portal.test_polish import _approval_id, _in_review

HX = {"HX-Request": "true"}


def _items(app, username_ids, who):
    """(kind, actor id) of every inbox item of user `who`, oldest first."""
    from portal.tender.models import InboxItem

    with app.app_context():
        return [
            (i.kind, i.actor_id)
            for i in db.session.scalars(
                select(InboxItem)
                .where(InboxItem.user_id == username_ids[who])
                .order_by(InboxItem.id)
            )
        ]


def _kinds(app, users):
    return {who: [k for k, _a in _items(app, users, who)] for who in users}


# --- who gets what ----------


def test_an_approval_request_reaches_who_may_decide_it(app, client, as_user, users, opportunity):
    from portal.auth.models import User

    with app.app_context():
        extra = User(
            username="leader2", display_name="Old Leader", role="leader", password_hash="x",
            active=False,
        )  # fmt: skip
        db.session.add(extra)
        db.session.commit()
        inactive = extra.id
    presales = as_user("presales")
    _in_review(app, presales, opportunity, "Leader quote", "20")
    kinds = _kinds(app, users)
    assert kinds["leader"] == ["approval_asked"] and kinds["admin"] == ["approval_asked"]
    assert kinds["presales"] == [] and kinds["rep"] == []  # not the requester, not the rep
    assert kinds["presales2"] == [] and kinds["rep2"] == []
    assert _items(app, {"x": inactive}, "x") == []  # an inactive leader hears nothing
    assert _items(app, users, "leader") == [("approval_asked", users["presales"])]

    # A quote beyond a leader's authority: only admins may decide it.
    _in_review(app, presales, opportunity, "Admin quote", "35")
    kinds = _kinds(app, users)
    assert kinds["leader"] == ["approval_asked"]
    assert kinds["admin"] == ["approval_asked", "approval_asked"]


def test_a_decision_reaches_the_requester_and_the_presales(
    app, client, as_user, users, make_opportunity
):
    # The rep asks on a deal whose presales is someone else: both hear of the decision.
    deal = make_opportunity(owner="rep", presales="presales")
    leader = as_user("leader")
    proposal = _in_review(app, leader, deal, "Asked by the leader", "20")
    approval = _approval_id(app, proposal)
    client.post("/logout")
    admin = as_user("admin")
    response = admin.post(
        f"/opportunities/{deal}/proposals/{proposal}/approvals/{approval}",
        data={"decision": "reject", "comment": "Margin too thin for a reference account"},
    )
    assert response.status_code == 302
    kinds = _kinds(app, users)
    assert kinds["leader"] == ["rejected"]  # the requester (its request notice went to admin)
    assert kinds["presales"] == ["rejected"]
    assert kinds["admin"] == ["approval_asked"]  # the decider is not told of their decision
    assert kinds["rep"] == []
    page = as_user("presales").get("/inbox?tab=notifications").get_data(as_text=True)
    assert "Adam Admin rejected the quote of Asked by the leader." in page
    assert "Margin too thin for a reference account" in page


def test_approving_notifies_once_when_the_requester_is_the_presales(
    app, client, as_user, users, opportunity
):
    proposal = _in_review(app, as_user("presales"), opportunity, "Own request", "20")
    approval = _approval_id(app, proposal)
    client.post("/logout")
    as_user("leader").post(
        f"/opportunities/{opportunity}/proposals/{proposal}/approvals/{approval}",
        data={"decision": "approve", "comment": ""},
    )
    assert _kinds(app, users)["presales"] == ["approved"]


def test_bulk_approval_notifies_for_each_request(app, client, as_user, users, opportunity):
    presales = as_user("presales")
    first = _in_review(app, presales, opportunity, "First", "20")
    second = _in_review(app, presales, opportunity, "Second", "18")
    ids = [_approval_id(app, p) for p in (first, second)]
    client.post("/logout")
    as_user("leader").post("/approvals/bulk", data={"approval_id": ids, "comment": "Q4 refs"})
    from portal.tender.models import InboxItem

    with app.app_context():
        got = db.session.scalars(
            select(InboxItem.approval_id).where(
                InboxItem.user_id == users["presales"], InboxItem.kind == "approved"
            )
        ).all()
    assert sorted(got) == sorted(ids)


def test_a_comment_reaches_the_presales_and_owner_not_the_commenter(
    app, client, as_user, users, opportunity
):
    presales = as_user("presales")
    proposal = _create(presales, opportunity, title="Grid upgrade")
    presales.post(
        _url(opportunity, proposal, "/comments"), data={"body": "Draft ready"}, headers=HX
    )
    kinds = _kinds(app, users)
    assert kinds["rep"] == ["comment"] and kinds["presales"] == []
    client.post("/logout")
    as_user("leader").post(
        _url(opportunity, proposal, "/comments"), data={"body": "Lead with the TCO"}, headers=HX
    )
    kinds = _kinds(app, users)
    assert kinds["rep"] == ["comment", "comment"] and kinds["presales"] == ["comment"]
    assert kinds["leader"] == [] and kinds["presales2"] == [] and kinds["admin"] == []
    # An invalid comment (empty) is not saved and tells nobody.
    as_user("leader").post(_url(opportunity, proposal, "/comments"), data={"body": " "}, headers=HX)
    assert _kinds(app, users)["rep"] == ["comment", "comment"]


def test_a_task_reaches_its_assignee_unless_they_assigned_themselves(
    app, client, as_user, users, opportunity
):
    soon = (date.today() + timedelta(days=3)).isoformat()
    rep = as_user("rep")

    def task(assignee):
        return rep.post(
            f"/opportunities/{opportunity}/chain/tasks",
            data={
                "warning_code": "no_coach",
                "level": "specialist",
                "stakeholder_id": "",
                "title": "Find a coach in IT",
                "assignee_id": users[assignee],
                "due_date": soon,
            },  # fmt: skip
            headers=HX,
        )

    assert task("presales").status_code == 200
    assert task("rep").status_code == 200
    kinds = _kinds(app, users)
    assert kinds["presales"] == ["task"] and kinds["rep"] == []
    page = as_user("presales").get("/inbox?tab=notifications").get_data(as_text=True)
    assert "Rita Rep assigned you a task on" in page and "Find a coach in IT" in page


def test_a_rolled_back_event_leaves_no_notification(app, users, opportunity):
    """The items are added in the event's own transaction: no commit, no notification."""
    from flask_login import login_user

    from portal.auth.models import User
    from portal.drafts.models import Proposal, ProposalComment
    from portal.notifications import events
    from portal.tender.models import InboxItem

    with app.test_request_context():
        login_user(db.session.get(User, users["leader"]))
        proposal = Proposal(opportunity_id=opportunity, title="P", language="en", currency="CNY")
        db.session.add(proposal)
        db.session.flush()
        comment = ProposalComment(
            proposal=proposal, opportunity_id=opportunity, author_id=users["leader"], body="x"
        )
        db.session.add(comment)
        assert len(events.proposal_commented(comment)) == 2
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(InboxItem.id))) == 0


# --- the inbox tab, the counter, mark read ----------


def _notify_rep(app, users, opportunity, n):
    """`n` comment notifications for the rep, by the leader."""
    from portal.drafts.models import Proposal
    from portal.tender.models import InboxItem

    with app.app_context():
        proposal = Proposal(opportunity_id=opportunity, title="Grid", language="en", currency="CNY")
        db.session.add(proposal)
        db.session.flush()
        for _ in range(n):
            db.session.add(
                InboxItem(
                    user_id=users["rep"],
                    kind="comment",
                    proposal_id=proposal.id,
                    actor_id=users["leader"],
                )  # fmt: skip
            )
        db.session.commit()
        return db.session.scalars(
            select(InboxItem.id).where(InboxItem.user_id == users["rep"]).order_by(InboxItem.id)
        ).all()


def _count(client) -> int:
    nav = client.get("/inbox/counts", headers=HX).get_data(as_text=True)
    found = re.search(r'<span class="count"[^>]*>(\d+)</span>', nav)
    return int(found.group(1)) if found else 0


def test_the_list_shows_unread_first_in_pages(app, as_user, users, opportunity):
    from portal.tender.models import InboxItem
    from portal.timeutil import utcnow

    ids = _notify_rep(app, users, opportunity, 25)
    with app.app_context():
        db.session.get(InboxItem, ids[-1]).read_at = utcnow()  # the newest is read
        db.session.commit()
    rep = as_user("rep")
    first = rep.get("/inbox").get_data(as_text=True)  # unread ones: this tab opens first
    shown = [int(i) for i in re.findall(r'id="notification-(\d+)"', first)]
    assert shown == list(reversed(ids[:-1]))[:20]  # unread, newest first
    older = re.search(r'href="(/inbox\?tab=notifications&amp;after=[ur]\d+)"', first).group(1)
    second = rep.get(older.replace("&amp;", "&")).get_data(as_text=True)
    shown2 = [int(i) for i in re.findall(r'id="notification-(\d+)"', second)]
    assert shown2 == [ids[3], ids[2], ids[1], ids[0], ids[-1]]  # then the read one
    assert "Older" not in second and "Newest" in second
    assert _count(rep) == 24  # looking does not mark anything read


def test_mark_read_one_and_all(app, client, as_user, users, opportunity):
    ids = _notify_rep(app, users, opportunity, 3)
    rep = as_user("rep")
    assert _count(rep) == 3
    row = rep.post(f"/inbox/{ids[0]}/read", headers=HX)
    assert row.status_code == 200
    text = row.get_data(as_text=True)
    assert (
        f'id="notification-{ids[0]}"' in text and "Mark read" not in text.split("inbox-counts")[0]
    )
    assert 'id="inbox-counts" hx-swap-oob="true"' in text and ">2</span>" in text
    # Without the CSRF token nothing changes.
    assert rep.post("/inbox/read", headers=HX, csrf=False).status_code == 400
    assert _count(rep) == 2
    everything = rep.post("/inbox/read", headers=HX).get_data(as_text=True)
    assert 'id="inbox-notifications"' in everything and "Mark all read" not in everything
    assert _count(rep) == 0


def test_opening_marks_read_and_leads_to_the_thing(app, as_user, users, opportunity):
    ids = _notify_rep(app, users, opportunity, 1)
    rep = as_user("rep")
    response = rep.get(f"/inbox/{ids[0]}")
    assert response.status_code == 302
    assert re.search(
        rf"/opportunities/{opportunity}/proposals/\d+#comments$", response.headers["Location"]
    )
    assert _count(rep) == 0


def test_nobody_reads_or_marks_anothers_notifications(app, client, as_user, users, opportunity):
    ids = _notify_rep(app, users, opportunity, 2)
    leader = as_user("leader")
    assert leader.get(f"/inbox/{ids[0]}").status_code == 404
    assert leader.post(f"/inbox/{ids[0]}/read", headers=HX).status_code == 404
    leader.post("/inbox/read", headers=HX)  # marks only the leader's own
    page = leader.get("/inbox?tab=notifications").get_data(as_text=True)
    assert f"notification-{ids[0]}" not in page
    client.post("/logout")
    assert _count(as_user("rep")) == 2


def test_the_list_speaks_the_readers_language(app, as_user, users, opportunity):
    from portal.auth.models import User

    _notify_rep(app, users, opportunity, 1)
    with app.app_context():
        db.session.get(User, users["rep"]).locale = "zh_CN"
        db.session.commit()
    page = as_user("rep").get("/inbox?tab=notifications").get_data(as_text=True)
    assert "Lena Leader 评论了 Grid。" in page and "全部标为已读" in page


def test_email_setting_is_each_users_own(app, as_user, users):
    from portal.auth.models import User

    rep = as_user("rep")
    page = rep.get("/settings").get_data(as_text=True)
    assert 'name="email_notifications" checked' in page
    assert rep.post("/settings", data={}).status_code == 302  # box unticked
    with app.app_context():
        assert db.session.get(User, users["rep"]).email_notifications is False
        assert db.session.get(User, users["leader"]).email_notifications is True


# --- e-mail through a local SMTP sink ----------


class _Sink:
    """Collects messages; refuses the first `refuse` deliveries with a temporary error."""

    def __init__(self, refuse=0):
        self.messages = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        from email import message_from_bytes, policy

        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    started = []

    def start(refuse=0):
        sink = _Sink(refuse)
        controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
        controller.start()
        started.append(controller)
        return sink, controller.port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def mail_on(app, monkeypatch, users):
    from portal.auth.models import User

    monkeypatch.setitem(app.config, "MAIL_RETRY_DELAYS", (0.05, 0.05))
    monkeypatch.setitem(app.config, "MAIL_FROM", "Bid Desk <desk@example.com>")
    with app.app_context():
        for name in users:
            db.session.get(User, users[name]).email = f"{name}@example.com"
        db.session.get(User, users["admin"]).locale = "zh_CN"
        db.session.commit()

    def configure(port):
        monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")

    return configure


def _wait_for_mail():
    from portal.notifications.mail import local_outbox

    assert local_outbox().join(timeout=10)


def test_emails_go_out_after_commit_in_each_language(
    app, client, as_user, users, opportunity, smtp_sink, mail_on
):
    from portal.auth.models import User

    sink, port = smtp_sink()
    mail_on(port)
    with app.app_context():
        db.session.get(User, users["leader"]).email_notifications = False  # opted out
        db.session.commit()
    _in_review(app, as_user("presales"), opportunity, "Leader quote", "20")
    _wait_for_mail()
    assert [to for to, _m in sink.messages] == [["admin@example.com"]]  # not the leader
    message = sink.messages[0][1]
    assert message["From"] == "Bid Desk <desk@example.com>"
    body = message.get_content()
    assert "Pia Presales 请求审批 Leader quote 的报价。" in body  # the admin reads Chinese
    assert re.search(r"http://localhost/approvals#approval-\d+", body)
    assert "http://localhost/settings" in body


def test_a_refused_email_is_retried(app, as_user, users, opportunity, smtp_sink, mail_on):
    sink, port = smtp_sink(refuse=1)
    mail_on(port)
    proposal = _create(as_user("presales"), opportunity, title="Grid")
    response = as_user("presales").post(
        _url(opportunity, proposal, "/comments"), data={"body": "Ready"}, headers=HX
    )
    assert response.status_code == 200
    _wait_for_mail()
    assert [to for to, _m in sink.messages] == [["rep@example.com"]]
    assert "Pia Presales commented on Grid." in sink.messages[0][1].get_content()


def test_an_unreachable_mail_server_never_breaks_the_request(
    app, as_user, users, opportunity, mail_on, caplog
):
    mail_on(_free_port())  # nothing listens there
    proposal = _create(as_user("presales"), opportunity, title="Grid")
    response = as_user("presales").post(
        _url(opportunity, proposal, "/comments"), data={"body": "Ready"}, headers=HX
    )
    assert response.status_code == 200
    assert _kinds(app, users)["rep"] == ["comment"]  # the inbox has it all the same
    _wait_for_mail()
    assert "not sent after 3 attempts" in caplog.text


def test_with_redis_the_email_is_an_rq_job(
    app, as_user, users, opportunity, smtp_sink, mail_on, monkeypatch
):
    """REDIS_URL set: the request only enqueues; a worker on the "mail" queue sends it."""
    import os

    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/4"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from rq import Queue, SimpleWorker

    queue_name = f"mail-test-{os.getpid()}"
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "MAIL_RQ_QUEUE", queue_name)
    sink, port = smtp_sink()
    mail_on(port)
    proposal = _create(as_user("presales"), opportunity, title="Grid")
    as_user("presales").post(
        _url(opportunity, proposal, "/comments"), data={"body": "Ready"}, headers=HX
    )
    connection = redis.Redis.from_url(url)
    queue = Queue(queue_name, connection=connection)
    try:
        assert queue.count == 1 and sink.messages == []  # nothing sent by the request
        SimpleWorker([queue], connection=connection).work(burst=True)
        assert [to for to, _m in sink.messages] == [["rep@example.com"]]
    finally:
        queue.empty()
        queue.delete(delete_jobs=True)


def test_demo_notifications_follow_the_demo_story(app):
    """Each pending demo request is in its deciders' inboxes, nobody is told of their own
    doing, and the rep's comments reach the proposal's presales."""
    from portal.auth.models import User
    from portal.demo import load_demo_data
    from portal.drafts.models import Approval
    from portal.tender.models import InboxItem

    with app.app_context():
        load_demo_data(reset=True)
        items = db.session.scalars(select(InboxItem)).all()
        assert items and all(i.actor_id != i.user_id for i in items)
        pending = db.session.scalars(select(Approval).where(Approval.state == "pending")).all()
        for approval in pending:
            asked = {i.user_id for i in items if i.approval_id == approval.id}
            roles = ("leader", "admin") if approval.required_role == "leader" else ("admin",)
            deciders = db.session.scalars(
                select(User.id).where(User.role.in_(roles), User.active.is_(True))
            ).all()
            assert asked == set(deciders)
        assert any(i.kind == "comment" for i in items)


def test_a_decided_request_no_longer_counts_for_the_other_deciders(
    app, client, as_user, users, opportunity
):
    proposal = _in_review(app, as_user("presales"), opportunity, "Leader quote", "20")
    approval = _approval_id(app, proposal)
    client.post("/logout")
    assert _count(as_user("admin")) == 1
    client.post("/logout")
    as_user("leader").post(
        f"/opportunities/{opportunity}/proposals/{proposal}/approvals/{approval}",
        data={"decision": "approve", "comment": ""},
    )
    client.post("/logout")
    admin = as_user("admin")
    assert _count(admin) == 0  # nothing is asked of the admin any more
    assert "asks for approval of the quote of Leader quote" in admin.get(
        "/inbox?tab=notifications"
    ).get_data(as_text=True)
