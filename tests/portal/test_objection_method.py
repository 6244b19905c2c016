"""Objections: Confirm re-types (history kept); the playbook ranked for the raiser."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from tests.portal.test_objections import _log, _price_response_id, _step


@pytest.fixture
def raiser(app, opportunity):
    from portal.deals.models import Stakeholder

    with app.app_context():
        row = Stakeholder(opportunity_id=opportunity, name="Wang Fang", influence=4)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_confirm_can_retype_the_objection_and_keeps_the_old_type(app, as_user, opportunity, raiser):
    from portal.objections.models import Objection

    client = as_user("rep")
    objection = _log(client, opportunity, raiser, words="Budget not approved yet")
    _step(client, opportunity, objection, "listen", notes="Budget not approved yet")
    _step(client, opportunity, objection, "sympathize", notes="Understood")
    bad = _step(
        client,
        opportunity,
        objection,
        "confirm",
        notes="No budget",
        customer_confirmed="y",
        objection_type="nonsense",
    )
    assert bad.status_code == 422
    page = _step(
        client,
        opportunity,
        objection,
        "confirm",
        notes="No budget",
        customer_confirmed="y",
        objection_type="decision",
    ).get_data(as_text=True)
    assert 'id="retyped"' in page
    with app.app_context():
        row = db.session.get(Objection, objection)
        assert row.objection_type == "decision"
        assert row.step("confirm").retyped_from == "price"


def test_playbook_ranked_by_what_worked_with_people_like_the_raiser(
    app, as_user, opportunity, users
):
    from portal.deals.models import Stakeholder
    from portal.objections.models import Objection, ObjectionStep

    tco = _price_response_id(app, "price_tco")
    points = _price_response_id(app, "price_value_points")
    with app.app_context():
        engineer = Stakeholder(
            opportunity_id=opportunity,
            name="Li Gong",
            influence=4,
            attitude="neutral",
            decision_type="technical",
            map_role="product",
        )
        db.session.add(engineer)
        db.session.flush()

        def history(raiser_id, response_id, resolved, count):
            for _ in range(count):
                o = Objection(
                    opportunity_id=opportunity,
                    stakeholder_id=raiser_id,
                    objection_type="price",
                    customer_words="too dear",
                    status="resolved" if resolved else "open",
                    raised_on=date.today(),
                )
                db.session.add(o)
                db.session.flush()
                db.session.add(
                    ObjectionStep(
                        objection_id=o.id,
                        opportunity_id=opportunity,
                        step="process",
                        response_id=response_id,
                    )
                )

        history(None, tco, True, 12)  # TCO works in general…
        history(engineer.id, tco, False, 3)  # …but not with engineers in the Product role,
        history(engineer.id, points, True, 3)  # where splitting the price into value does.
        db.session.commit()
        engineer_id = engineer.id
    client = as_user("rep")
    objection = _log(client, opportunity, engineer_id)
    _step(client, opportunity, objection, "listen", notes="Too dear", stakeholder_id=engineer_id)
    _step(client, opportunity, objection, "sympathize", notes="I see")
    page = _step(
        client, opportunity, objection, "confirm", notes="Price", customer_confirmed="y"
    ).get_data(as_text=True)
    assert "Ranked by what worked with people like Li Gong" in page
    assert page.index(f'value="{points}"') < page.index(f'value="{tco}"')
