"""Concurrent writes end with one winner and a conflict (409) for the others, never a 500.

Threads post at the same moment against PostgreSQL (the production database); on SQLite
the portal has one writer at a time anyway and these tests are skipped. The opportunity's
row lock (portal/security.py, serialize_opportunity_writes) orders the requests; each view
then sees the winner's commit and answers with its usual conflict.
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.conftest import CsrfClient, login
from tests.portal.test_negotiation import SHEET

HX = {"HX-Request": "true"}
THREADS = 6


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("row-lock races are meaningful on PostgreSQL (the CI's second pass)")


def _clients(app, username, n=THREADS):
    clients = []
    for _ in range(n):
        app.test_client_class = CsrfClient
        client = app.test_client()
        login(client, username)
        client.fetch_csrf()
        clients.append(client)
    return clients


def _race(clients, post):
    """Run post(client) in one thread per client, all released at once; the statuses."""
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(client):
        try:
            barrier.wait()
            statuses.append(post(client).status_code)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert all(s < 500 for s in statuses), statuses
    return sorted(statuses)


def test_the_first_save_of_a_sheet_has_one_winner(app, users, opportunity):
    clients = _clients(app, "rep")
    data = {**SHEET, "sheet-version": "0"}
    statuses = _race(
        clients,
        lambda c: c.post(f"/opportunities/{opportunity}/negotiation", data=data, headers=HX),
    )
    assert statuses.count(200) == 1 and statuses.count(409) == THREADS - 1, statuses
    from portal.negotiation.models import NegotiationSheet

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NegotiationSheet)) == 1


def test_one_round_number_is_logged_once(app, users, opportunity):
    clients = _clients(app, "rep")
    data = {
        "round-number": "1",
        "round-their_ask": "1200000",
        "round-our_offer": "1000000",
        "round-given": "",
        "round-received": "",
        "round-notes": "",
    }
    url = f"/opportunities/{opportunity}/negotiation/rounds"
    statuses = _race(clients, lambda c: c.post(url, data=data, headers=HX))
    assert statuses.count(200) == 1 and statuses.count(409) == THREADS - 1, statuses


def test_concession_places_are_never_duplicated(app, users, opportunity):
    clients = _clients(app, "rep")
    data = {
        "concession-position": "1",
        "concession-kind": "discount_pct",
        "concession-part": "solution",
        "concession-amount": "5",
        "concession-value_to_buyer": "Lower price",
        "concession-condition": "",
    }
    url = f"/opportunities/{opportunity}/negotiation/concessions"
    statuses = _race(clients, lambda c: c.post(url, data=data, headers=HX))
    assert statuses.count(200) == 1 and statuses.count(409) == THREADS - 1, statuses
    from portal.negotiation.models import PlannedConcession

    with app.app_context():
        positions = db.session.scalars(select(PlannedConcession.position)).all()
    assert positions == [1]


def _new_proposal(client, opportunity):
    response = client.post(
        f"/opportunities/{opportunity}/proposals",
        data={"title": "Race", "language": "en", "currency": "CNY", "version": 0},
    )
    return int(re.search(r"/proposals/(\d+)$", response.headers["Location"]).group(1))


def test_revision_numbers_stay_unique_under_concurrent_freezes(app, users, opportunity):
    clients = _clients(app, "presales")
    proposal = _new_proposal(clients[0], opportunity)
    url = f"/opportunities/{opportunity}/proposals/{proposal}/revisions"
    statuses = _race(clients, lambda c: c.post(url, data={"note": "same moment"}))
    assert set(statuses) == {302}, statuses
    from portal.drafts.models import ProposalRevision

    with app.app_context():
        numbers = sorted(db.session.scalars(select(ProposalRevision.number)))
    assert numbers == list(range(1, THREADS + 1))


def test_a_double_clicked_create_makes_one_opportunity(app, users):
    from portal.accounts.models import Account
    from portal.deals.models import Opportunity
    from portal.seed import default_stages

    with app.app_context():
        account = Account(name="Race account", industry="Energy", grade="A")
        db.session.add(account)
        db.session.commit()
        account_id, stage_id = account.id, default_stages()[0].id
    clients = _clients(app, "rep", 1) * 1
    page = clients[0].get("/opportunities/new").get_data(as_text=True)
    token = re.search(r'name="request_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="request_token"[^>]*value="([^"]+)"', page
    )
    assert token
    data = {
        "version": "0",
        "request_token": token.group(1),
        "name": "Double click",
        "account_id": str(account_id),
        "stage_id": str(stage_id),
        "procurement_form": "public_tender",
        "amount": "100",
        "currency": "CNY",
        "owner_id": str(users["rep"]),
        "presales_id": "",
        "status": "open",
        "status_reason": "",
        "description": "",
    }
    same_session = [clients[0]] + [_clone(app, clients[0]) for _ in range(THREADS - 1)]
    statuses = _race(same_session, lambda c: c.post("/opportunities/new", data=data))
    assert set(statuses) == {302}, statuses
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.name == "Double click")
        )
    assert count == 1


def _clone(app, client):
    app.test_client_class = CsrfClient
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    other.csrf_token = client.csrf_token
    return other


def test_two_leaders_deciding_one_approval_have_one_winner(app, users, opportunity):
    from portal.drafts.models import Approval, Proposal
    from tests.portal.test_drafts import _add_line, _add_option, _options

    presales = _clients(app, "presales", 1)[0]
    proposal = _new_proposal(presales, opportunity)
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="20")
    with app.app_context():
        version = db.session.get(Proposal, proposal).version
    presales.post(
        f"/opportunities/{opportunity}/proposals/{proposal}/status",
        data={"target": "in_review", "version": version},
    )
    with app.app_context():
        approval_id = db.session.scalars(select(Approval.id)).one()
    leaders = _clients(app, "leader", 3) + _clients(app, "admin", 3)
    url = f"/opportunities/{opportunity}/proposals/{proposal}/approvals/{approval_id}"
    statuses = _race(leaders, lambda c: c.post(url, data={"decision": "approve", "comment": "ok"}))
    assert statuses.count(302) == 1 and statuses.count(409) == THREADS - 1, statuses
    with app.app_context():
        assert db.session.get(Approval, approval_id).state == "approved"


def test_a_line_save_racing_a_decision_never_leaves_an_approval_of_another_quote(
    app, users, opportunity
):
    from portal.drafts.models import Approval, Proposal
    from portal.drafts.workflow import quote_state
    from tests.portal.test_drafts import _add_line, _add_option, _options

    presales = _clients(app, "presales", 1)[0]
    proposal = _new_proposal(presales, opportunity)
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id, discount_pct="20")
    with app.app_context():
        version = db.session.get(Proposal, proposal).version
    presales.post(
        f"/opportunities/{opportunity}/proposals/{proposal}/status",
        data={"target": "in_review", "version": version},
    )
    with app.app_context():
        approval_id = db.session.scalars(select(Approval.id)).one()
    line_id, line_version = _options(app, proposal)[0][4][0]
    leader = _clients(app, "leader", 1)[0]
    base = f"/opportunities/{opportunity}/proposals/{proposal}"

    def post(client):
        if client is leader:
            return client.post(
                f"{base}/approvals/{approval_id}", data={"decision": "approve", "comment": "ok"}
            )
        return client.post(
            f"{base}/lines/{line_id}",
            headers=HX,
            data={
                "description": "Changed while deciding",
                "quantity": "99",
                "unit_price": "10000",
                "unit_cost": "6000",
                "discount_pct": "20",
                "version": line_version,
            },
        )

    _race([leader, presales], post)
    with app.app_context():
        approval = db.session.get(Approval, approval_id)
        proposal_row = db.session.get(Proposal, proposal)
        if approval.state == "approved":
            assert quote_state(proposal_row).fingerprint == approval.fingerprint
