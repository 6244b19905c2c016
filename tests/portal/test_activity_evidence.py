"""NSABC activities judged by the records: evidence shown, done only with a reason."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db

HX = {"HX-Request": "true"}


def _chain_template(app, opportunity):
    from portal.deals.models import Opportunity, Stage
    from portal.workspace.models import ActivityTemplate
    from portal.workspace.queries import ensure_templates

    with app.app_context():
        opp = db.session.get(Opportunity, opportunity)
        ensure_templates(opp.stage.model_id)
        return db.session.scalars(
            select(ActivityTemplate.id)
            .join(Stage)
            .where(
                Stage.model_id == opp.stage.model_id,
                Stage.code == "business",
                ActivityTemplate.element == "authority",
            )
        ).first()


def test_decision_chain_activity_cannot_be_ticked_against_its_evidence(app, as_user, opportunity):
    from portal.audit import AuditEvent

    template_id = _chain_template(app, opportunity)
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert f'id="evidence-{template_id}"' in page
    assert "Supporters in 0 of 3 MAP roles, no coach." in page

    tick = client.post(
        f"/opportunities/{opportunity}/activities/{template_id}/tick",
        data={"version": 0},
        headers=HX,
    )
    assert tick.status_code == 422
    assert "The records do not show this as done" in tick.get_data(as_text=True)

    edit = f"/opportunities/{opportunity}/activities/{template_id}"
    no_reason = client.post(
        edit, data={"status": "done", "evidence": "Met the CFO", "version": 0}, headers=HX
    )
    assert no_reason.status_code == 422
    assert "Met the CFO" in no_reason.get_data(as_text=True)  # the typed text is kept

    reason = "Chain confirmed by the coach in a call; stakeholders not yet entered"
    saved = client.post(
        edit,
        data={
            "status": "done",
            "evidence": "Met the CFO",
            "override_reason": reason,
            "version": 0,
        },  # fmt: skip
        headers=HX,
    )
    assert saved.status_code == 200
    assert f"done by reason: {reason}" in saved.get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "opportunity_activity")
        ).all()
        assert any("override_reason" in (e.changes or {}) for e in events)


def test_evidence_shown_in_chinese(app, as_user, opportunity):
    client = as_user("rep")
    client.post("/language", data={"locale": "zh_CN"})
    page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert "MAP 角色中 0/3 类有支持者，无内线。" in page
