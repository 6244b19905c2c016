"""The audit trail: complete events, append-only on PostgreSQL, a history view, kept on reset."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, text

from portal.extensions import db


def _events(app, entity):
    from portal.audit import AuditEvent

    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
        ).all()


def test_create_events_carry_the_new_rows_id(app, opportunity):
    [created] = [e for e in _events(app, "opportunity") if e.action == "create"]
    assert created.entity_id == opportunity and created.opportunity_id == opportunity


def test_section_option_line_and_block_use_events_carry_the_opportunity(
    app, as_user, users, opportunity
):
    from portal.drafts.models import ProposalSection
    from tests.portal.test_drafts import make_proposal_objects

    ids = make_proposal_objects(app, opportunity, users)
    with app.app_context():
        version = db.session.get(ProposalSection, ids["section_id"]).version
    client = as_user("presales")
    response = client.post(
        f"/opportunities/{opportunity}/proposals/{ids['proposal_id']}/sections/"
        f"{ids['section_id']}/insert",
        data={"block_id": ids["block_id"], "title": "Scope", "body": "Text", "version": version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    for entity in ("proposal_section", "proposal_option", "proposal_line", "section_block_use"):
        events = _events(app, entity)
        assert events, entity
        assert all(e.opportunity_id == opportunity for e in events), entity
        assert all(e.entity_id for e in events), entity


def test_the_history_view_lists_the_deals_changes_to_those_who_see_it(app, as_user, opportunity):
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/history").get_data(as_text=True)
    assert f"Opportunity #{opportunity} created" in page
    assert client.get(f"/opportunities/{opportunity}/history").status_code == 200
    client.post("/logout")
    other = as_user("rep2")
    assert other.get(f"/opportunities/{opportunity}/history").status_code == 404


@pytest.mark.long
def test_a_demo_reset_keeps_the_audit_log(app):
    from portal.audit import AuditEvent
    from portal.demo import load_demo_data

    with app.app_context():
        load_demo_data()
        first = db.session.scalar(select(db.func.count(AuditEvent.id)))
        load_demo_data(reset=True)
        after = db.session.scalar(select(db.func.count(AuditEvent.id)))
    assert after > first


def test_a_blank_authority_matrix_is_refused(app, as_user):
    from portal.drafts.models import AuthorityRule

    client = as_user("admin")
    response = client.post("/admin/approval-rules", data={})
    assert response.status_code == 422
    assert "blank matrix" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AuthorityRule)).all() == []


def test_the_app_role_can_only_append_to_the_audit_log(app, opportunity):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("database roles are PostgreSQL's")
    role = f"biddesk_app_{os.getpid()}"
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.execute(text(f"DROP ROLE IF EXISTS {role}"))
        db.session.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        db.session.commit()
    try:
        result = runner.invoke(args=["grant-app-role", role])
        assert result.exit_code == 0, result.output
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text(f"SET ROLE {role}"))
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, entity, action, changes) "
                    "VALUES (now(), 'test', 'create', '{}')"
                )
            )
            connection.execute(text("UPDATE opportunity SET name = name"))
            # The triggers that keep the board's stage totals write as the app role too.
            connection.execute(text("UPDATE opportunity SET amount = amount + 1"))
            assert connection.execute(text("SELECT sum(cards) FROM stage_total")).scalar() == 1
            for statement in ("UPDATE audit_event SET entity = 'x'", "DELETE FROM audit_event"):
                savepoint = connection.begin_nested()
                with pytest.raises(Exception, match="permission denied"):
                    connection.execute(text(statement))
                savepoint.rollback()
            connection.rollback()
    finally:
        with app.app_context():
            db.session.execute(text(f"DROP OWNED BY {role}"))
            db.session.execute(text(f"DROP ROLE {role}"))
            db.session.commit()
