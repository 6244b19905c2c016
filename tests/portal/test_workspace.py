"""Workspace pages: board, stage moves, NSABC activities, decision-chain map, matrix, grading."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db

HX = {"HX-Request": "true"}


def _switch(client, username):
    from tests.conftest import login

    client.post("/logout")
    login(client, username)
    return client


def _version(app, opportunity_id):
    from portal.deals.models import Opportunity

    with app.app_context():
        return db.session.get(Opportunity, opportunity_id).version


def _stage_position(app, opportunity_id):
    from portal.deals.models import Opportunity

    with app.app_context():
        return db.session.get(Opportunity, opportunity_id).stage.position


def _templates(app, opportunity_id, stage_position=None):
    from portal.deals.models import Opportunity, Stage
    from portal.workspace.models import ActivityTemplate
    from portal.workspace.queries import ensure_templates

    with app.app_context():
        opportunity = db.session.get(Opportunity, opportunity_id)
        ensure_templates(opportunity.stage.model_id)
        stmt = (
            select(ActivityTemplate.id)
            .join(Stage)
            .where(Stage.model_id == opportunity.stage.model_id)
        )
        if stage_position is not None:
            stmt = stmt.where(Stage.position == stage_position)
        return list(db.session.scalars(stmt.order_by(ActivityTemplate.id)))


def test_pages_render_for_every_role_that_sees_the_deal(app, as_user, opportunity):
    client = as_user("rep")
    for who in ("rep", "presales", "leader"):
        _switch(client, who)
        for url in ("/board", f"/opportunities/{opportunity}/workspace", "/competitors"):
            response = client.get(url)
            assert response.status_code == 200, (who, url)


def test_board_columns_follow_the_stage_model_with_totals_per_currency(
    app, as_user, make_opportunity
):
    make_opportunity(name="Alpha", stage_position=1, amount=Decimal("100.50"), currency="CNY")
    make_opportunity(name="Beta", stage_position=1, amount=Decimal("200.25"), currency="CNY")
    make_opportunity(name="Gamma", stage_position=1, amount=Decimal("7"), currency="EUR")
    make_opportunity(name="Other rep's", owner="rep2", stage_position=1)
    page = as_user("rep").get("/board").get_data(as_text=True)
    for stage in (
        "Demand stimulation",
        "Technical evaluation",
        "Business evaluation",
        "Bidding &amp; negotiation",
        "Delivery &amp; implementation",
    ):
        assert stage in page
    assert "CNY 300.75" in page and "EUR 7.00" in page
    assert "Alpha" in page and "Other rep&#39;s" not in page  # scoped to what the rep may see


def test_board_filters_by_owner_account_and_procurement_form(app, as_user, make_opportunity, users):
    make_opportunity(name="Tender deal", procurement_form="public_tender")
    make_opportunity(name="Inquiry deal", procurement_form="inquiry", account_name="Other Co")
    make_opportunity(name="Rep2 deal", owner="rep2", procurement_form="inquiry")
    client = as_user("leader")
    page = client.get("/board?form=inquiry", headers=HX).get_data(as_text=True)
    assert "Inquiry deal" in page and "Rep2 deal" in page and "Tender deal" not in page
    page = client.get(f"/board?owner={users['rep2']}", headers=HX).get_data(as_text=True)
    assert "Rep2 deal" in page and "Inquiry deal" not in page
    from portal.accounts.models import Account

    with app.app_context():
        other = db.session.scalars(select(Account.id).where(Account.name == "Other Co")).one()
    page = client.get(f"/board?account={other}&form=bogus&owner=x", headers=HX).get_data(
        as_text=True
    )
    assert "Inquiry deal" in page and "Tender deal" not in page


def test_forward_move_with_open_activities_asks_then_records_the_override(
    app, as_user, opportunity, users
):
    from portal.workspace.models import StageMove

    client = as_user("rep")
    assert _stage_position(app, opportunity) == 1
    data = {"direction": "forward", "version": _version(app, opportunity), "view": "board"}
    response = client.post(f"/opportunities/{opportunity}/move", data=data, headers=HX)
    assert response.status_code == 200
    assert "Leave this stage with open activities?" in response.get_data(as_text=True)
    assert _stage_position(app, opportunity) == 1  # nothing moved yet
    response = client.post(
        f"/opportunities/{opportunity}/move", data={**data, "confirm": "1"}, headers=HX
    )
    assert response.status_code == 200
    assert _stage_position(app, opportunity) == 2
    with app.app_context():
        move = db.session.scalars(select(StageMove)).one()
        assert move.moved_by_id == users["rep"] and move.moved_at is not None
        assert len(move.overridden) == 5
        assert {"template_id", "title"} <= set(move.overridden[0])
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "stage_move")
        ).first()
    assert "Moved by Rita Rep" in response.get_data(as_text=True)


def test_back_move_and_move_without_open_work_need_no_confirmation(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/move",
        headers=HX,
        data={"direction": "back", "version": _version(app, opportunity)},
    )
    assert response.status_code == 200 and _stage_position(app, opportunity) == 0
    for template_id in _templates(app, opportunity, stage_position=0):
        ticked = client.post(
            f"/opportunities/{opportunity}/activities/{template_id}/tick",
            data={"version": 0},
            headers=HX,
        )
        if ticked.status_code == 422:  # judged by the records (no competition matrix yet)
            client.post(
                f"/opportunities/{opportunity}/activities/{template_id}",
                data={"status": "done", "override_reason": "Analysed at kick-off", "version": 0},
                headers=HX,
            )
    response = client.post(
        f"/opportunities/{opportunity}/move",
        headers=HX,
        data={"direction": "forward", "version": _version(app, opportunity)},
    )
    assert response.status_code == 200 and _stage_position(app, opportunity) == 1


def test_move_with_a_stale_version_is_a_conflict_and_moves_outside_the_model_are_refused(
    app, as_user, make_opportunity
):
    first = make_opportunity(stage_position=0)
    client = as_user("rep")
    stale = _version(app, first) - 1
    response = client.post(
        f"/opportunities/{first}/move",
        headers=HX,
        data={"direction": "back", "version": _version(app, first)},
    )
    assert response.status_code == 422
    response = client.post(
        f"/opportunities/{first}/move",
        headers=HX,
        data={"direction": "forward", "version": stale, "confirm": "1"},
    )
    assert response.status_code == 409
    assert "Someone else changed this opportunity" in response.get_data(as_text=True)
    assert _stage_position(app, first) == 0


def test_move_without_htmx_redirects_back_to_the_board(app, as_user, opportunity):
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/move",
        data={
            "direction": "back",
            "version": _version(app, opportunity),
            "view": "board",
            "form": "public_tender",
        },
    )
    assert (
        response.status_code == 302 and "/board?form=public_tender" in response.headers["Location"]
    )


def test_tick_and_edit_an_activity(app, as_user, opportunity, users):
    from portal.workspace.models import OpportunityActivity

    client = as_user("rep")
    template_id = _templates(app, opportunity, stage_position=1)[0]
    response = client.post(
        f"/opportunities/{opportunity}/activities/{template_id}/tick",
        data={"version": 0},
        headers=HX,
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(OpportunityActivity)).one()
        assert row.status == "done" and row.version == 1
    # A stale tick (version 0 again) is a conflict, not a silent toggle.
    response = client.post(
        f"/opportunities/{opportunity}/activities/{template_id}/tick",
        data={"version": 0},
        headers=HX,
    )
    assert response.status_code == 409
    url = f"/opportunities/{opportunity}/activities/{template_id}"
    assert client.get(url, headers=HX).status_code == 200
    due = date.today() + timedelta(days=5)
    response = client.post(
        url,
        headers=HX,
        data={
            "status": "in_progress",
            "owner_id": users["presales"],
            "due_date": due.isoformat(),
            "evidence": "Workshop held 技术交流会",
            "version": 1,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(OpportunityActivity)).one()
        assert (row.status, row.owner_id, row.due_date) == ("in_progress", users["presales"], due)
        assert row.evidence == "Workshop held 技术交流会"
    response = client.post(
        url, headers=HX, data={"status": "finished", "evidence": "kept", "version": 2}
    )
    assert response.status_code == 422
    assert "kept" in response.get_data(as_text=True)
    response = client.post(
        url, headers=HX, data={"status": "done", "evidence": "mine", "version": 1}
    )
    assert response.status_code == 409
    assert "You changed this in another window" in response.get_data(as_text=True)


def test_activity_of_another_stage_model_is_not_found(app, as_user, opportunity):
    from portal.deals.models import Stage, StageModel
    from portal.workspace.models import ActivityTemplate

    with app.app_context():
        stage = db.session.scalars(
            select(Stage).join(StageModel).where(StageModel.key == "eight_step")
        ).first()
        template = ActivityTemplate(stage_id=stage.id, element="needs", title_en="X", title_zh="")
        db.session.add(template)
        db.session.commit()
        foreign = template.id
    client = as_user("rep")
    assert client.get(f"/opportunities/{opportunity}/activities/{foreign}").status_code == 404


def test_health_chart_and_current_stage_highlight(app, as_user, opportunity):
    page = as_user("rep").get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert 'class="current-stage"' in page
    assert "Health by element" in page and "<svg" in page


def _add_stakeholder(app, opportunity_id, **fields):
    from portal.deals.models import Stakeholder

    with app.app_context():
        person = Stakeholder(
            opportunity_id=opportunity_id,
            name=fields.pop("name", "Wang Wei"),
            influence=fields.pop("influence", 5),
            attitude=fields.pop("attitude", "supporter"),
            **fields,
        )
        db.session.add(person)
        db.session.commit()
        return person.id


def test_chain_map_shows_coverage_and_warnings(app, as_user, opportunity):
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert "No stakeholders recorded yet" in page
    person = _add_stakeholder(
        app,
        opportunity,
        map_role="money",
        buying_role="economic",
        decision_type="final",
        last_contact=date.today(),
    )
    page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert "No Money role identified" not in page and "100 %" in page
    response = client.post(
        f"/opportunities/{opportunity}/chain/{person}/attitude",
        headers=HX,
        data={"attitude": "opponent", "version": 1},
    )
    assert response.status_code == 200
    assert "A key decision maker opposes us." in response.get_data(as_text=True)
    assert (
        client.post(
            f"/opportunities/{opportunity}/chain/{person}/attitude",
            headers=HX,
            data={"attitude": "supporter", "version": 1},
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/opportunities/{opportunity}/chain/{person}/attitude",
            headers=HX,
            data={"attitude": "hostile", "version": 2},
        ).status_code
        == 422
    )


def _matrix_setup(app, client, opportunity):
    url = f"/opportunities/{opportunity}/matrix"
    assert (
        client.post(f"{url}/competitors", data={"new_name": "Rival One"}, headers=HX).status_code
        == 200
    )
    for name, weight, ours in (("Price", "30", "6"), ("Service", "30", "9")):
        response = client.post(
            f"{url}/criteria", data={"name": name, "weight": weight, "our_score": ours}, headers=HX
        )
        assert response.status_code == 200
    from portal.workspace.models import Competitor, MatrixCriterion

    with app.app_context():
        criteria = {c.name: c.id for c in db.session.scalars(select(MatrixCriterion))}
        rival = db.session.scalars(select(Competitor.id)).one()
    return url, criteria, rival


def test_matrix_totals_normalise_weights_and_say_so(app, as_user, opportunity):
    client = as_user("rep")
    url, criteria, rival = _matrix_setup(app, client, opportunity)
    page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert "The weights add up to 60, not 100" in page
    assert 'id="total-us"><strong>75.0</strong>' in page  # (6 + 9) / 2 × 10
    response = client.post(
        f"{url}/criteria/{criteria['Price']}",
        headers=HX,
        data={
            "name": "Price",
            "weight": "70",
            "our_score": "6",
            f"score-{rival}": "8",
            "version": 1,
        },
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "The weights add up" not in body  # 70 + 30 = 100
    assert 'id="total-us"><strong>69.0</strong>' in body  # 0.7 × 6 + 0.3 × 9
    assert f'id="total-{rival}">80.0' in body  # only scored on Price
    assert "weak where it counts" in body


def test_matrix_rejects_out_of_range_scores_at_the_field_and_keeps_input(app, as_user, opportunity):
    client = as_user("rep")
    url, criteria, rival = _matrix_setup(app, client, opportunity)
    response = client.post(
        f"{url}/criteria/{criteria['Price']}",
        headers=HX,
        data={
            "name": "Price renamed",
            "weight": "30",
            "our_score": "12",
            f"score-{rival}": "-1",
            "version": 1,
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Too high. Enter a number from 0 to 10." in body
    assert "Too low. Enter a number from 0 to 10." in body
    assert 'value="Price renamed"' in body and 'value="12"' in body
    response = client.post(
        f"{url}/criteria", headers=HX, data={"name": "", "weight": "150", "our_score": "x"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Name the criterion." in body and "Enter a number from 0 to 100." in body
    from portal.workspace.models import MatrixCriterion

    with app.app_context():
        assert db.session.get(MatrixCriterion, criteria["Price"]).our_score == Decimal("6.00")


def test_matrix_stale_row_is_a_conflict_and_delete_works(app, as_user, opportunity):
    client = as_user("rep")
    url, criteria, rival = _matrix_setup(app, client, opportunity)
    ok = {"name": "Price", "weight": "30", "our_score": "7", f"score-{rival}": "5", "version": 1}
    assert (
        client.post(f"{url}/criteria/{criteria['Price']}", headers=HX, data=ok).status_code == 200
    )
    response = client.post(
        f"{url}/criteria/{criteria['Price']}", headers=HX, data={**ok, "our_score": "2"}
    )
    assert response.status_code == 409
    assert client.post(f"{url}/criteria/{criteria['Price']}/delete", headers=HX).status_code == 200
    assert client.post(f"{url}/competitors/{rival}/remove", headers=HX).status_code == 200
    from portal.workspace.models import MatrixCompetitor, MatrixCriterion, MatrixScore

    with app.app_context():
        assert db.session.scalar(select(db.func.count(MatrixCriterion.id))) == 1
        assert db.session.scalar(select(db.func.count(MatrixScore.id))) == 0
        assert db.session.scalar(select(db.func.count(MatrixCompetitor.id))) == 0


def test_deleting_a_used_competitor_asks_and_keeps_history(app, as_user, opportunity):
    client = as_user("rep")
    url, criteria, rival = _matrix_setup(app, client, opportunity)
    client.post(
        f"{url}/criteria/{criteria['Price']}",
        headers=HX,
        data={
            "name": "Price",
            "weight": "30",
            "our_score": "6",
            f"score-{rival}": "8",
            "version": 1,
        },
    )
    assert client.post(f"/competitors/{rival}/delete").status_code == 403  # reps cannot
    leader = _switch(client, "leader")
    response = leader.post(f"/competitors/{rival}/delete")
    assert response.status_code == 200
    assert "is used by 1 competition matrix" in response.get_data(as_text=True)
    response = leader.post(f"/competitors/{rival}/delete", data={"confirm": "1"})
    assert response.status_code == 302
    from portal.workspace.models import Competitor, MatrixScore

    with app.app_context():
        assert db.session.get(Competitor, rival).deleted_at is not None
        assert db.session.scalar(select(db.func.count(MatrixScore.id))) == 1
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "competitor")
            .order_by(AuditEvent.id)  # without it PostgreSQL may return any order
        ).all()
        assert [e.action for e in events][-1] == "update"
    page = leader.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert "Rival One" in page and "(deleted from the list)" in page
    # It can no longer be picked for a new matrix.
    response = leader.post(f"{url}/competitors", data={"competitor_id": rival}, headers=HX)
    assert response.status_code == 422


def test_competitor_names_are_unique_and_validated(app, as_user):
    client = as_user("presales")
    assert client.post("/competitors", data={"name": "Acme Rival"}).status_code == 302
    response = client.post("/competitors", data={"name": "acme rival"})
    assert response.status_code == 422 and "already on the list" in response.get_data(as_text=True)
    assert client.post("/competitors", data={"name": ""}).status_code == 422


def test_likelihood_suggests_a_grade_and_the_account_page_shows_grading(
    app, as_user, make_opportunity
):
    soon = date.today() + timedelta(days=40)
    deal = make_opportunity(bid_deadline=soon - timedelta(days=10), close_date=soon)
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{deal}/likelihood", data={"percent": "80", "version": 0}, headers=HX
    )
    assert response.status_code == 200
    assert 'class="grade grade-A"' in response.get_data(as_text=True)
    assert (
        client.post(
            f"/opportunities/{deal}/likelihood", data={"percent": "101", "version": 1}, headers=HX
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/opportunities/{deal}/likelihood", data={"percent": "50", "version": 0}, headers=HX
        ).status_code
        == 409
    )
    from portal.deals.models import Opportunity

    with app.app_context():
        account_id = db.session.get(Opportunity, deal).account_id
    body = client.get(f"/accounts/{account_id}/grading", headers=HX).get_data(as_text=True)
    assert 'id="suggested-grade">A<' in body and "Customer value" in body
    detail = client.get(f"/accounts/{account_id}").get_data(as_text=True)
    assert f"/accounts/{account_id}/grading" in detail


def test_admin_renames_and_adds_activities(app, as_user, opportunity):
    from portal.deals.models import Stage
    from portal.workspace.models import ActivityTemplate

    template_id = _templates(app, opportunity, stage_position=0)[0]
    client = as_user("admin")
    assert client.get("/workspace/activity-templates").status_code == 200
    response = client.post(
        f"/workspace/activity-templates/{template_id}",
        data={
            "title_en": "Spark the need",
            "title_zh": "激发需求",
            "hint_en": "",
            "hint_zh": "",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert (
        client.post(
            f"/workspace/activity-templates/{template_id}",
            data={"title_en": "Other", "title_zh": "", "version": 1},
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/workspace/activity-templates/{template_id}", data={"title_en": "", "version": 2}
        ).status_code
        == 422
    )
    with app.app_context():
        stage = db.session.scalars(select(Stage).where(Stage.position == 0)).first()
        model_id = stage.model_id
    response = client.post(
        "/workspace/activity-templates",
        data={
            "model": model_id,
            "stage_id": stage.id,
            "element": "needs",
            "title_en": "Second need check",
            "title_zh": "",
            "hint_en": "",
            "hint_zh": "",
            "version": 0,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = (
        _switch(client, "rep").get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    )
    assert "Spark the need" in page and "Second need check" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ActivityTemplate.id))) == 26


def test_workspace_changes_are_audited(app, as_user, opportunity):
    client = as_user("rep")
    _matrix_setup(app, client, opportunity)
    template_id = _templates(app, opportunity, stage_position=1)[0]
    client.post(
        f"/opportunities/{opportunity}/activities/{template_id}/tick",
        data={"version": 0},
        headers=HX,
    )
    with app.app_context():
        entities = set(
            db.session.scalars(
                select(AuditEvent.entity).where(AuditEvent.opportunity_id == opportunity)
            )
        )
    assert {"matrix_criterion", "matrix_competitor", "opportunity_activity"} <= entities


def test_pages_work_without_javascript(app, as_user, opportunity):
    client = as_user("rep")
    template_id = _templates(app, opportunity, stage_position=1)[0]
    page = client.get(f"/opportunities/{opportunity}/workspace?activity={template_id}")
    assert page.status_code == 200 and "Save activity" in page.get_data(as_text=True)
    assert client.get(f"/opportunities/{opportunity}/workspace?activity=999999").status_code == 404
    response = client.post(
        f"/opportunities/{opportunity}/likelihood", data={"percent": "150", "version": 0}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="150"' in body and "Enter a whole percent from 0 to 100." in body
    response = client.post(
        f"/opportunities/{opportunity}/likelihood", data={"percent": "40", "version": 0}
    )
    assert response.status_code == 302
    response = client.post(
        f"/opportunities/{opportunity}/move",
        data={"direction": "forward", "version": _version(app, opportunity)},
    )
    assert response.status_code == 200 and "Move anyway" in response.get_data(as_text=True)
