from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db

HX = {"HX-Request": "true"}


def _new(**fields):
    data = {
        "new-version": "0",
        "new-name": "Wang Fang 王芳",
        "new-title": "CFO 财务总监",
        "new-department": "Finance",
        "new-map_role": "money",
        "new-buying_role": "economic",
        "new-decision_type": "financial",
        "new-influence": "5",
        "new-attitude": "supporter",
        "new-last_contact": "2026-11-01",
        "new-notes": "",
    }
    data.update({f"new-{k}": v for k, v in fields.items()})
    return data


def _stakeholders(app, opportunity_id):
    from portal.deals.models import Stakeholder

    with app.app_context():
        rows = db.session.scalars(
            select(Stakeholder).where(Stakeholder.opportunity_id == opportunity_id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_add_stakeholder_inline_returns_the_decision_chain_fragment(app, as_user, opportunity):
    response = as_user("rep").post(
        f"/opportunities/{opportunity}/stakeholders", data=_new(), headers=HX
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert "Wang Fang 王芳" in page and "Stakeholder added." in page
    [row] = _stakeholders(app, opportunity)
    assert (row.map_role, row.influence, row.attitude) == ("money", 5, "supporter")


def test_without_htmx_adding_redirects_back_to_the_page(as_user, opportunity):
    response = as_user("rep").post(f"/opportunities/{opportunity}/stakeholders", data=_new())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/opportunities/{opportunity}")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("influence", "9", "Influence is a whole number from 1 to 5."),
        ("influence", "high", "Not a valid integer value"),
        ("attitude", "hostile", "Not a valid choice"),
        ("title", "t" * 10_000_000, "At most 120 characters."),
    ],
)
def test_invalid_stakeholder_is_answered_in_place_and_input_kept(
    app, as_user, opportunity, field, value, message
):
    data = _new(**{field: value, "notes": "met at the expo 展会"})
    response = as_user("rep").post(
        f"/opportunities/{opportunity}/stakeholders", data=data, headers=HX
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "met at the expo 展会" in page
    assert _stakeholders(app, opportunity) == []


def test_edit_and_delete_stakeholder(app, as_user, opportunity):
    client = as_user("rep")
    client.post(f"/opportunities/{opportunity}/stakeholders", data=_new(), headers=HX)
    [row] = _stakeholders(app, opportunity)
    form = client.get(f"/opportunities/{opportunity}/stakeholders/{row.id}/edit", headers=HX)
    assert 'name="name"' in form.get_data(as_text=True)
    data = {
        "version": row.version,
        "name": row.name,
        "title": row.title,
        "department": "",
        "map_role": "money",
        "buying_role": "",
        "decision_type": "",
        "influence": "4",
        "attitude": "opponent",
        "last_contact": "",
        "notes": "",
    }
    saved = client.post(
        f"/opportunities/{opportunity}/stakeholders/{row.id}", data=data, headers=HX
    )
    assert saved.status_code == 200
    [row] = _stakeholders(app, opportunity)
    assert (row.attitude, row.influence, row.buying_role) == ("opponent", 4, None)
    gone = client.post(f"/opportunities/{opportunity}/stakeholders/{row.id}/delete", headers=HX)
    assert gone.status_code == 200
    assert _stakeholders(app, opportunity) == []


def test_stale_stakeholder_edit_gets_a_conflict(app, as_user, opportunity):
    client = as_user("rep")
    client.post(f"/opportunities/{opportunity}/stakeholders", data=_new(), headers=HX)
    [row] = _stakeholders(app, opportunity)
    base = {
        "version": row.version,
        "name": row.name,
        "title": row.title,
        "department": "",
        "map_role": "money",
        "buying_role": "economic",
        "decision_type": "financial",
        "influence": "5",
        "attitude": "supporter",
        "last_contact": "",
        "notes": "",
    }
    assert (
        client.post(
            f"/opportunities/{opportunity}/stakeholders/{row.id}",
            data={**base, "attitude": "neutral"},
            headers=HX,
        ).status_code
        == 200
    )
    conflict = client.post(
        f"/opportunities/{opportunity}/stakeholders/{row.id}",
        data={**base, "attitude": "opponent"},
        headers=HX,
    )
    assert conflict.status_code == 409
    assert "Someone else saved this while you were editing." in conflict.get_data(as_text=True)
    [row] = _stakeholders(app, opportunity)
    assert row.attitude == "neutral"


def test_stakeholder_of_another_opportunity_is_404(app, as_user, opportunity, make_opportunity):
    other = make_opportunity(owner="rep")
    client = as_user("rep")
    client.post(f"/opportunities/{other}/stakeholders", data=_new(), headers=HX)
    [row] = _stakeholders(app, other)
    assert client.get(f"/opportunities/{opportunity}/stakeholders/{row.id}/edit").status_code == 404


def test_names_are_escaped_not_executed(as_user, opportunity):
    client = as_user("rep")
    page = client.post(
        f"/opportunities/{opportunity}/stakeholders",
        data=_new(name="<script>alert(1)</script>"),
        headers=HX,
    ).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_every_change_is_audited(app, as_user, opportunity, users):
    from portal.audit import AuditEvent

    client = as_user("rep")
    client.post(f"/opportunities/{opportunity}/stakeholders", data=_new(), headers=HX)
    [row] = _stakeholders(app, opportunity)
    client.post(f"/opportunities/{opportunity}/stakeholders/{row.id}/delete", headers=HX)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "stakeholder").order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == ["create", "delete"]
        assert all(e.user_id == users["rep"] and e.opportunity_id == opportunity for e in events)
        assert events[0].changes["name"] == [None, "Wang Fang 王芳"]


def test_version_field_is_rendered_for_the_edit_form(as_user, opportunity):
    client = as_user("rep")
    client.post(f"/opportunities/{opportunity}/stakeholders", data=_new(), headers=HX)
    page = client.get(f"/opportunities/{opportunity}").get_data(as_text=True)
    assert re.search(r'name="new-version" type="hidden" value="0"', page)
