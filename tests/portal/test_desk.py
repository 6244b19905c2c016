"""The leadership bid desk: search, filters, sort, URLs that hold the filter state, the
customer proposal link, and approving from the desk under the approval queue's rules."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from tests.portal.test_drafts import _proposal_status
from tests.portal.test_polish import _approval_id, _in_review
from tests.portal.test_revision_pdfs import make_revision

HX = {"HX-Request": "true"}


def _names(page: str) -> list[str]:
    """Opportunity names of the desk rows, in order."""
    return re.findall(r'<td class="desk-name"><a href="[^"]+" title="([^"]+)"', page)


@pytest.fixture
def bids(app, make_opportunity):
    from portal.accounts.models import Account

    today = date.today()
    ids = {
        "grid": make_opportunity(
            name="Grid dispatch",
            account_name="华东电网",
            bid_deadline=today + timedelta(days=3),
            amount=Decimal("500000"),
        ),
        "bank": make_opportunity(
            name="Card risk model",
            account_name="江南银行",
            bid_deadline=today + timedelta(days=45),
            amount=Decimal("2500000"),
            stage_position=3,
        ),
        "late": make_opportunity(
            name="Late tender", bid_deadline=today - timedelta(days=2), owner="rep2", presales=None
        ),
        "open": make_opportunity(name="Open-ended", bid_deadline=None),
    }
    with app.app_context():
        db.session.query(Account).filter_by(name="江南银行").one().grade = "B"
        db.session.commit()
    return ids


def test_search_and_each_filter_narrow_the_desk(app, as_user, bids, users):
    from portal.deals.models import Opportunity

    leader = as_user("leader")
    assert _names(leader.get("/desk").get_data(as_text=True)) == [
        "Late tender",
        "Grid dispatch",
        "Card risk model",
        "Open-ended",
    ]

    def shown(query):
        response = leader.get("/desk?" + query, headers=HX)
        assert response.status_code == 200
        return _names(response.get_data(as_text=True))

    assert shown("q=电网") == ["Grid dispatch"]
    assert shown("q=risk") == ["Card risk model"]
    with app.app_context():
        stage = db.session.get(Opportunity, bids["bank"]).stage_id
    assert shown(f"stage={stage}") == ["Card risk model"]
    assert shown(f"owner={users['rep2']}") == ["Late tender"]
    assert shown("deadline=7") == ["Grid dispatch"]
    assert shown("deadline=overdue") == ["Late tender"]
    assert shown("deadline=90") == ["Grid dispatch", "Card risk model"]
    assert shown("deadline=undated") == ["Open-ended"]
    assert shown("grade=B") == ["Card risk model"]
    assert shown("approval=pending") == []
    assert shown("approval=none") == [
        "Late tender",
        "Grid dispatch",
        "Card risk model",
        "Open-ended",
    ]
    assert shown("deadline=90&q=grid") == ["Grid dispatch"]
    # A stale or hand-made URL never fails: unknown values are ignored.
    assert len(shown("stage=x&deadline=soon&grade=Z&sort=evil&owner=-1")) == 4


def test_sort_orders_the_desk(as_user, bids):
    leader = as_user("leader")

    def shown(sort):
        return _names(leader.get(f"/desk?sort={sort}", headers=HX).get_data(as_text=True))

    assert shown("-amount")[0] == "Card risk model"
    assert shown("name") == ["Card risk model", "Grid dispatch", "Late tender", "Open-ended"]
    assert shown("-deadline")[:3] == ["Card risk model", "Grid dispatch", "Late tender"]


def test_the_url_holds_the_filters_page_or_fragment(as_user, bids):
    leader = as_user("leader")
    full = leader.get("/desk?q=grid&deadline=7&sort=-amount")
    page = full.get_data(as_text=True)
    assert "HX-Request" in full.headers.get("Vary", "")
    # A direct load (or reload, or a bookmark) shows the filter bar set as in the URL.
    assert 'id="desk-filters"' in page and 'hx-push-url="true"' in page
    assert re.search(r'<input[^>]*id="desk-q"[^>]*value="grid"', page)
    assert re.search(r'<option selected value="7">|<option value="7" selected>', page)
    assert re.search(r'<option selected value="-amount">|<option value="-amount" selected>', page)
    assert 'value="None"' not in page and "None" not in re.findall(r'href="([^"]*)"', page)
    assert _names(page) == ["Grid dispatch"]
    # htmx gets the results only; a history restore gets the whole page again.
    fragment = leader.get("/desk?q=grid&deadline=7", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="desk-filters"' not in fragment
    assert _names(fragment) == ["Grid dispatch"]
    restored = leader.get(
        "/desk?q=grid", headers={**HX, "HX-History-Restore-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" in restored and 'id="desk-filters"' in restored
    mine = leader.get("/desk?mine=1").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="mine"|<input[^>]*id="mine"[^>]*checked', mine)


def test_select_all_and_the_zip_keep_the_filters(as_user, bids):
    leader = as_user("leader")
    page = leader.get("/desk?deadline=90").get_data(as_text=True)
    assert 'id="desk-select-all"' in page
    assert 'name="filters" value="deadline=90"' in page
    empty = leader.post("/desk/bid-packs.zip", data={"filters": "deadline=90"})
    assert empty.status_code == 422
    assert _names(empty.get_data(as_text=True)) == ["Grid dispatch", "Card risk model"]


def test_each_row_links_the_latest_frozen_customer_proposal(app, as_user, users, bids):
    ids = make_revision(app, bids["grid"], users, approval=False)
    page = as_user("leader").get("/desk").get_data(as_text=True)
    url = (
        f"/opportunities/{bids['grid']}/proposals/{ids['proposal_id']}"
        f"/revisions/{ids['revision_id']}.pdf"
    )
    row = page[page.index(f'id="bid-{bids["grid"]}"') :]
    assert url in row[: row.index("</tr>")]
    bank = page[page.index(f'id="bid-{bids["bank"]}"') :]
    assert "no frozen proposal" in bank[: bank.index("</tr>")]


# --- approving from the desk ----------------------------------------------------------------


def test_leader_approves_from_the_desk_with_the_queues_rules_and_audit(
    app, client, as_user, make_opportunity
):
    from portal.audit import AuditEvent
    from portal.drafts.models import Approval

    fine = make_opportunity(name="Fine discount")
    big = make_opportunity(name="Big discount")
    make_opportunity(name="Nothing asked")
    presales = as_user("presales")
    first = _in_review(app, presales, fine, "Fine quote", "20")
    second = _in_review(app, presales, big, "Admin quote", "35")
    approval, admin_only = _approval_id(app, first), _approval_id(app, second)
    client.post("/logout")

    leader = as_user("leader")
    page = leader.get("/desk").get_data(as_text=True)
    assert f'action="/desk/approvals/{approval}"' in page
    assert f"/desk/approvals/{admin_only}" not in page  # a leader may not decide it
    mine = _names(leader.get("/desk?mine=1", headers=HX).get_data(as_text=True))
    assert mine == ["Fine discount"]
    assert "Nothing asked" in _names(leader.get("/desk?approval=none").get_data(as_text=True))

    # Forcing the admin-only request is refused by the same rule as the queue.
    refused = leader.post(
        f"/desk/approvals/{admin_only}",
        data={"decision": "approve", "filters": "mine=1"},
        follow_redirects=True,
    )
    assert "a leader cannot approve it alone" in refused.get_data(as_text=True)

    response = leader.post(
        f"/desk/approvals/{approval}",
        data={"decision": "approve", "comment": "Reference site", "filters": "mine=1&x=None"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/desk?mine=1")
    assert "Approved: Fine quote." in leader.get("/desk?mine=1").get_data(as_text=True)
    assert _proposal_status(app, first) == "approved"
    assert _proposal_status(app, second) == "in_review"
    with app.app_context():
        row = db.session.get(Approval, approval)
        assert (row.state, row.comment) == ("approved", "Reference site")
        assert row.decided_by.username == "leader"
        events = (
            db.session.query(AuditEvent)
            .filter(AuditEvent.entity == "proposal_approval", AuditEvent.entity_id == approval)
            .all()
        )
        assert any(e.changes.get("state") == ["pending", "approved"] for e in events)
    # Approving twice is refused like in the queue.
    again = leader.post(
        f"/desk/approvals/{approval}", data={"decision": "approve"}, follow_redirects=True
    )
    assert "already decided" in again.get_data(as_text=True)


def test_desk_approval_refuses_a_quote_changed_since_the_request(
    app, client, as_user, make_opportunity
):
    from tests.portal.test_drafts import _options, _url

    opportunity = make_opportunity(name="Moving quote")
    presales = as_user("presales")
    proposal = _in_review(app, presales, opportunity, "Changed", "20")
    approval = _approval_id(app, proposal)
    line_id, version = _options(app, proposal)[0][4][0]
    presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "x",
            "quantity": "11",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "20",
            "version": version,
        },
    )
    client.post("/logout")
    page = as_user("leader").post(
        f"/desk/approvals/{approval}", data={"decision": "approve"}, follow_redirects=True
    )
    text = page.get_data(as_text=True)
    assert "nothing was approved" in text or "already decided or withdrawn" in text
    assert _proposal_status(app, proposal) != "approved"


def test_reps_cannot_approve_from_the_desk(app, client, as_user, make_opportunity):
    opportunity = make_opportunity(name="Rep bid")
    proposal = _in_review(app, as_user("presales"), opportunity, "Rep quote", "20")
    approval = _approval_id(app, proposal)
    client.post("/logout")
    rep = as_user("rep")
    assert "/desk/approvals/" not in rep.get("/desk").get_data(as_text=True)
    assert rep.post(f"/desk/approvals/{approval}", data={"decision": "approve"}).status_code == 403
