from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db

HX = {"HX-Request": "true"}


def _opportunity(app, opportunity_id):
    from portal.deals.models import Opportunity

    with app.app_context():
        row = db.session.get(Opportunity, opportunity_id)
        db.session.expunge(row)
        return row


def _form(app, opportunity_id, **changes):
    """The edit form as the browser would submit it, with `changes` applied."""
    o = _opportunity(app, opportunity_id)
    data = {
        "version": o.version,
        "name": o.name,
        "account_id": o.account_id,
        "stage_id": o.stage_id,
        "procurement_form": o.procurement_form,
        "amount": str(o.amount),
        "currency": o.currency,
        "bid_deadline": o.bid_deadline.isoformat() if o.bid_deadline else "",
        "close_date": "",
        "owner_id": o.owner_id,
        "presales_id": o.presales_id or "",
        "status": o.status,
        "status_reason": o.status_reason,
        "description": o.description,
    }
    data.update(changes)
    return data


# --- list ------------------------------------------------------------------------------


def test_list_shows_only_what_the_user_may_see(as_user, make_opportunity):
    make_opportunity(owner="rep", name="Mine 我的")
    make_opportunity(owner="rep2", presales=None, name="Theirs 别人的")
    page = as_user("rep").get("/opportunities").get_data(as_text=True)
    assert "Mine 我的" in page
    assert "Theirs 别人的" not in page


def test_leader_sees_every_opportunity(as_user, make_opportunity):
    make_opportunity(owner="rep", name="Alpha")
    make_opportunity(owner="rep2", presales=None, name="Beta")
    page = as_user("leader").get("/opportunities").get_data(as_text=True)
    assert "Alpha" in page and "Beta" in page


def test_team_member_rep_sees_the_opportunity(app, as_user, make_opportunity, users):
    from portal.deals.models import TeamMember

    opportunity_id = make_opportunity(owner="rep", name="Shared deal")
    with app.app_context():
        db.session.add(
            TeamMember(opportunity_id=opportunity_id, user_id=users["rep2"], team_role="fulfilment")
        )
        db.session.commit()
    client = as_user("rep2")
    assert "Shared deal" in client.get("/opportunities").get_data(as_text=True)
    assert client.get(f"/opportunities/{opportunity_id}").status_code == 200


def test_search_matches_opportunity_and_customer_names(as_user, make_opportunity):
    make_opportunity(name="Grid network refresh", account_name="华东电网")
    make_opportunity(name="Core banking DR", account_name="江南银行")
    client = as_user("rep")
    by_account = client.get("/opportunities?q=电网", headers=HX).get_data(as_text=True)
    assert "Grid network refresh" in by_account and "Core banking DR" not in by_account
    by_name = client.get("/opportunities?q=banking", headers=HX).get_data(as_text=True)
    assert "Core banking DR" in by_name and "Grid network refresh" not in by_name


def test_search_treats_like_wildcards_as_text(as_user, make_opportunity):
    make_opportunity(name="100% uptime")
    make_opportunity(name="Other")
    page = as_user("rep").get("/opportunities?q=%25", headers=HX).get_data(as_text=True)
    assert "100% uptime" in page and "Other" not in page


def test_filters_by_status_and_stage(app, as_user, make_opportunity):
    from portal.seed import default_stages

    make_opportunity(name="Won one", status="won", stage_position=4)
    make_opportunity(name="Open one", stage_position=0)
    client = as_user("rep")
    won = client.get("/opportunities?status=won", headers=HX).get_data(as_text=True)
    assert "Won one" in won and "Open one" not in won
    with app.app_context():
        first_stage = default_stages()[0].id
    staged = client.get(f"/opportunities?stage={first_stage}", headers=HX).get_data(as_text=True)
    assert "Open one" in staged and "Won one" not in staged


def test_invalid_filters_are_ignored_not_fatal(as_user, make_opportunity):
    make_opportunity(name="Still listed")
    response = as_user("rep").get("/opportunities?stage=abc&status=zzz&sort=evil&page=-4")
    assert response.status_code == 200
    assert "Still listed" in response.get_data(as_text=True)


def test_sorted_by_amount_and_paginated(as_user, make_opportunity):
    for i in range(25):
        make_opportunity(name=f"Deal {i:02d}", amount=Decimal(1000 + i))
    client = as_user("rep")
    first = client.get("/opportunities?sort=-amount", headers=HX).get_data(as_text=True)
    assert "Deal 24" in first and "Deal 05" in first and "Deal 04" not in first
    assert first.index("Deal 24") < first.index("Deal 23")
    assert "Page 1 of 2" in first
    second = client.get(_link(first, "next"), headers=HX).get_data(as_text=True)
    assert "Deal 04" in second and "Deal 24" not in second
    assert "Page 2 of 2" in second


def _link(html: str, rel: str) -> str:
    """The URL of the pager's `rel` (prev/next) link, as the browser would follow it."""
    import html as html_lib
    import re

    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', html)
    assert found, f"no {rel} link"
    return html_lib.unescape(found.group(1))


def _names(html: str) -> list[str]:
    import re

    return re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', html)


def test_keyset_pages_walk_forward_and_back_in_one_stable_order(as_user, make_opportunity):
    from datetime import date, timedelta

    # Ties on the deadline and deals without one: the id breaks ties, NULLs come last.
    for i in range(45):
        deadline = None if i % 9 == 0 else date.today() + timedelta(days=i % 4)
        make_opportunity(name=f"K{i:02d}", bid_deadline=deadline)
    client = as_user("rep")
    pages = [client.get("/opportunities", headers=HX).get_data(as_text=True)]
    while 'rel="next"' in pages[-1]:
        next_url = _link(pages[-1], "next")
        assert "after=" in next_url and "page=" in next_url  # the position is in the URL
        pages.append(client.get(next_url, headers=HX).get_data(as_text=True))
    assert len(pages) == 3 and "Page 3 of 3" in pages[-1]
    walked = [name for page in pages for name in _names(page)]
    assert sorted(walked) == sorted(f"K{i:02d}" for i in range(45))  # none twice, none lost
    assert walked[-5:] == ["K00", "K09", "K18", "K27", "K36"]  # no deadline: last, by id
    # Back from the last page gives the same rows as the way forward.
    back = client.get(_link(pages[2], "prev"), headers=HX).get_data(as_text=True)
    assert _names(back) == _names(pages[1]) and "Page 2 of 3" in back
    first = client.get(_link(back, "prev"), headers=HX).get_data(as_text=True)
    assert _names(first) == _names(pages[0]) and 'rel="prev"' not in first
    # A direct load of a cursor URL (reload, back button) shows that same page.
    direct = client.get(_link(pages[0], "next")).get_data(as_text=True)
    assert _names(direct) == _names(pages[1])


def test_a_tampered_cursor_opens_the_first_page(as_user, make_opportunity):
    make_opportunity(name="First deal")
    for token in ("garbage", "W10", "WyJ4IiwxXQ", "x" * 700):
        response = as_user("rep").get(f"/opportunities?after={token}&page=7", headers=HX)
        assert response.status_code == 200
        assert "First deal" in response.get_data(as_text=True)


def test_counts_are_exact_up_to_the_threshold_and_about_above(
    app, as_user, make_opportunity, monkeypatch
):
    from portal.deals import queries

    for i in range(6):
        make_opportunity(name=f"C{i}")
    client = as_user("leader")
    assert "6 opportunities" in client.get("/opportunities", headers=HX).get_data(as_text=True)
    monkeypatch.setattr(queries, "COUNT_EXACT_MAX", 4)
    page = client.get("/opportunities?status=open", headers=HX).get_data(as_text=True)
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert ("about" in page) if postgresql else ("more than" in page)
    assert "6 opportunities" not in page


def test_list_answers_a_fragment_to_htmx_and_a_page_otherwise(as_user, make_opportunity):
    make_opportunity(name="Some deal")
    client = as_user("rep")
    fragment = client.get("/opportunities?q=Some", headers=HX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Some deal" in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get("/opportunities?q=Some")
    assert "<html" in page.get_data(as_text=True)
    restore = client.get(
        "/opportunities?q=Some", headers={**HX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.get_data(as_text=True)  # back/forward gets the whole page


# --- one opportunity --------------------------------------------------------------------


def test_unknown_and_foreign_opportunities_answer_404(as_user, make_opportunity):
    theirs = make_opportunity(owner="rep2", presales=None)
    client = as_user("rep")
    assert client.get("/opportunities/999999").status_code == 404
    assert client.get(f"/opportunities/{theirs}").status_code == 404
    assert client.get(f"/opportunities/{theirs}/edit").status_code == 404


def test_presales_sees_only_assigned_opportunities(as_user, make_opportunity):
    assigned = make_opportunity(presales="presales")
    other = make_opportunity(presales="presales2")
    client = as_user("presales")
    assert client.get(f"/opportunities/{assigned}").status_code == 200
    assert client.get(f"/opportunities/{other}").status_code == 404


def test_create_opportunity(app, as_user, users):
    from portal.accounts.models import Account
    from portal.deals.models import Opportunity
    from portal.seed import default_stages

    with app.app_context():
        account = Account(name="New customer 新客户")
        db.session.add(account)
        db.session.commit()
        account_id, stage_id = account.id, default_stages()[0].id
    response = as_user("rep").post(
        "/opportunities/new",
        data={
            "version": 0,
            "name": "Brand-new bid 新项目",
            "account_id": account_id,
            "stage_id": stage_id,
            "procurement_form": "inquiry",
            "amount": "250000.50",
            "currency": "CNY",
            "owner_id": users["rep"],
            "presales_id": "",
            "status": "open",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalars(
            select(Opportunity).where(Opportunity.name == "Brand-new bid 新项目")
        ).one()
        assert created.amount == Decimal("250000.50")
        assert created.owner_id == users["rep"]


def test_rep_cannot_create_an_opportunity_for_another_rep(app, as_user, users, opportunity):
    o = _opportunity(app, opportunity)
    response = as_user("rep").post(
        "/opportunities/new",
        data={
            "version": 0,
            "name": "Sneaky",
            "account_id": o.account_id,
            "stage_id": o.stage_id,
            "procurement_form": "inquiry",
            "amount": "1",
            "currency": "CNY",
            "owner_id": users["rep2"],
            "status": "open",
        },
    )
    assert response.status_code == 422
    assert "A rep creates opportunities they own." in response.get_data(as_text=True)


def test_edit_saves_and_writes_the_audit_log(app, as_user, opportunity, users):
    from portal.audit import AuditEvent

    response = as_user("rep").post(
        f"/opportunities/{opportunity}/edit", data=_form(app, opportunity, amount="2500000.00")
    )
    assert response.status_code == 302
    assert _opportunity(app, opportunity).amount == Decimal("2500000.00")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "opportunity", AuditEvent.action == "update"
            )
        ).one()
        assert event.user_id == users["rep"]
        assert event.changes["amount"] == ["1000000.00", "2500000.00"]
        assert event.opportunity_id == opportunity


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "x" * 10_000_000, "At most 200 characters."),
        ("stage_id", "987654", "Not a valid choice"),
        ("amount", "9" * 30, "Enter an amount between 0 and 1,000,000,000,000."),
        ("amount", "-5", "Enter an amount between 0 and 1,000,000,000,000."),
        ("amount", "lots", "Not a valid decimal value"),
        ("status", "lost", "Say why the opportunity was lost or abandoned."),
    ],
)
def test_invalid_edits_are_answered_at_the_field_and_nothing_is_saved(
    app, as_user, opportunity, field, value, message
):
    before = _opportunity(app, opportunity)
    data = _form(app, opportunity, **{field: value, "description": "keep me 保留"})
    response = as_user("rep").post(f"/opportunities/{opportunity}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "keep me 保留" in page  # what the user typed is still in the form
    after = _opportunity(app, opportunity)
    assert (after.version, after.name, after.amount) == (before.version, before.name, before.amount)


def test_second_editor_gets_a_conflict_not_an_overwrite(app, as_user, opportunity):
    stale = _form(app, opportunity, name="Second editor's name")
    client = as_user("rep")
    first = client.post(
        f"/opportunities/{opportunity}/edit",
        data=_form(app, opportunity, name="First editor's name"),
    )
    assert first.status_code == 302
    second = client.post(f"/opportunities/{opportunity}/edit", data=stale)
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "You changed this in another window while editing it here." in page
    assert "First editor&#39;s name" in page and "Second editor&#39;s name" in page
    assert _opportunity(app, opportunity).name == "First editor's name"
    # Saving again from the conflict view overwrites knowingly.
    import re

    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    again = client.post(f"/opportunities/{opportunity}/edit", data={**stale, "version": version})
    assert again.status_code == 302
    assert _opportunity(app, opportunity).name == "Second editor's name"


def test_the_list_opens_on_open_opportunities_and_all_statuses_is_one_choice_away(
    as_user, make_opportunity
):
    make_opportunity(name="Open dispatch bid")
    make_opportunity(name="Won storage bid 2024", status="won")
    client = as_user("leader")
    first = client.get("/opportunities").get_data(as_text=True)
    assert "Open dispatch bid" in first and "Won storage bid 2024" not in first
    assert '<option selected value="open">' in first or 'value="open" selected' in first
    every = client.get("/opportunities?status=").get_data(as_text=True)
    assert "Open dispatch bid" in every and "Won storage bid 2024" in every
    won = client.get("/opportunities?status=won").get_data(as_text=True)
    assert "Open dispatch bid" not in won and "Won storage bid 2024" in won
