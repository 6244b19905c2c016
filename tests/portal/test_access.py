"""Every registered route, called as every role: who gets in, who is refused.

A route added without an entry in ACCESS fails this test, so no route ships without
a stated rule. "scoped" routes belong to one opportunity: users outside it get 404.
"""

from __future__ import annotations

import pytest

from tests.conftest import login

ALL = {"rep", "rep2", "presales", "presales2", "leader", "admin"}
EDITORS_OF_ACCOUNTS = {"rep", "rep2", "leader", "admin"}
CREATORS = {"rep", "rep2", "leader", "admin"}
DRAFT_EDITORS = {"presales", "presales2", "leader", "admin"}

# endpoint -> (users whose role may call it, whether it is scoped to the opportunity)
ACCESS: dict[str, tuple[set[str] | None, bool]] = {
    "auth.login": (None, False),
    "auth.language": (None, False),
    "auth.logout": (ALL, False),
    "deals.home": (ALL, False),
    "deals.index": (ALL, False),
    "deals.create": (CREATORS, False),
    "deals.detail": (ALL, True),
    "deals.edit": (ALL, True),
    "deals.add_stakeholder": (ALL, True),
    "deals.stakeholder": (ALL, True),
    "deals.edit_stakeholder": (ALL, True),
    "deals.delete_stakeholder": (ALL, True),
    "accounts.index": (ALL, False),
    "accounts.detail": (ALL, False),
    "accounts.create": (EDITORS_OF_ACCOUNTS, False),
    "accounts.edit": (EDITORS_OF_ACCOUNTS, False),
    "admin.users": ({"admin"}, False),
    "admin.create_user": ({"admin"}, False),
    "admin.edit_user": ({"admin"}, False),
    # proposal drafts: presales (and leaders/admins) edit, reps read and comment
    "drafts.index": (ALL, True),
    "drafts.create": (DRAFT_EDITORS, True),
    "drafts.detail": (ALL, True),
    "drafts.settings": (DRAFT_EDITORS, True),
    "drafts.section": (ALL, True),
    "drafts.edit_section": (DRAFT_EDITORS, True),
    "drafts.save_section": (DRAFT_EDITORS, True),
    "drafts.add_section": (DRAFT_EDITORS, True),
    "drafts.move_section": (DRAFT_EDITORS, True),
    "drafts.delete_section": (DRAFT_EDITORS, True),
    "drafts.block_picker": (DRAFT_EDITORS, True),
    "drafts.insert_block": (DRAFT_EDITORS, True),
    "drafts.quote": (ALL, True),
    "drafts.add_option": (DRAFT_EDITORS, True),
    "drafts.save_option": (DRAFT_EDITORS, True),
    "drafts.delete_option": (DRAFT_EDITORS, True),
    "drafts.add_line": (DRAFT_EDITORS, True),
    "drafts.save_line": (DRAFT_EDITORS, True),
    "drafts.delete_line": (DRAFT_EDITORS, True),
    "drafts.change": (DRAFT_EDITORS, True),
    "drafts.save_version": (DRAFT_EDITORS, True),
    "drafts.revisions": (ALL, True),
    "drafts.revision": (ALL, True),
    "drafts.compare": (ALL, True),
    "drafts.add_comment": (ALL, True),
    "library.index": (ALL, False),
    "library.create": (DRAFT_EDITORS, False),
    "library.edit": (DRAFT_EDITORS, False),
    "approvals.queue": ({"leader", "admin"}, False),
    "approvals.decide": ({"leader", "admin"}, True),
    "approvals.rules": ({"admin"}, False),
}
# Users who can see the fixture opportunity (owner rep, assigned presales, leader, admin).
SEES_OPPORTUNITY = {"rep", "presales", "leader", "admin"}


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return out


def test_every_route_has_an_access_rule(app):
    missing = {rule.endpoint for rule, _ in _routes(app)} - set(ACCESS)
    assert not missing, f"routes without an entry in ACCESS: {sorted(missing)}"


def _cases():
    from portal import create_app
    from portal.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    cases = []
    for rule, method in _routes(app):
        for who in ["anonymous", *sorted(ALL)]:
            cases.append(pytest.param(rule.endpoint, rule.rule, method, who,
                                      id=f"{method} {rule.rule} as {who}"))
    return cases


def _url(rule: str, ids: dict) -> str:
    for name, value in ids.items():
        rule = rule.replace(f"<int:{name}>", str(value))
    assert "<" not in rule, f"no test id for {rule}"
    return rule


@pytest.mark.parametrize(("endpoint", "rule", "method", "who"), _cases())
def test_route_access(app, client, users, opportunity, endpoint, rule, method, who):
    from portal.deals.models import Stakeholder
    from portal.extensions import db

    with app.app_context():
        stakeholder = Stakeholder(opportunity_id=opportunity, name="Zhang San", influence=3,
                                  attitude="neutral")
        db.session.add(stakeholder)
        db.session.commit()
        account_id = db.session.get(Stakeholder, stakeholder.id).opportunity.account_id
        ids = {"opportunity_id": opportunity, "stakeholder_id": stakeholder.id,
               "account_id": account_id, "user_id": users["rep"]}
    from tests.portal.test_drafts import make_proposal_objects

    ids.update(make_proposal_objects(app, opportunity, users))
    url = _url(rule, ids)
    if who != "anonymous":
        login(client, who)
    response = client.open(url, method=method, data={})

    allowed_users, scoped = ACCESS[endpoint]
    if allowed_users is None:
        assert response.status_code not in (401, 403, 404), response.status_code
        return
    if who == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif who not in allowed_users:
        assert response.status_code == 403
    elif scoped and who not in SEES_OPPORTUNITY:
        assert response.status_code == 404  # never reveal that it exists
    else:
        assert response.status_code in (200, 302, 400, 409, 422), response.status_code
        if response.status_code == 302 and endpoint != "auth.logout":
            assert "/login" not in response.headers["Location"]


def test_htmx_request_without_session_gets_a_full_page_redirect(client, opportunity):
    response = client.get(f"/opportunities/{opportunity}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
