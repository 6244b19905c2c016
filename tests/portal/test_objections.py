"""Objections: logging, the LSCPA steps in order, closing, the playbook and the leaders' view."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.extensions import db
from tests.conftest import login

HX = {"HX-Request": "true"}


def switch(client, username):
    client.post("/logout")
    login(client, username)


@pytest.fixture
def stakeholder(app, opportunity):
    from portal.deals.models import Stakeholder

    with app.app_context():
        row = Stakeholder(
            opportunity_id=opportunity,
            name="王芳 Wang Fang",
            title="CFO",
            influence=4,
            attitude="neutral",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def _log(
    client, opportunity, stakeholder, words="你们的价格太高了 Your price is too high", otype="price"
):
    response = client.post(
        f"/opportunities/{opportunity}/objections",
        data={
            "new-customer_words": words,
            "new-objection_type": otype,
            "new-severity": "high",
            "new-stakeholder_id": str(stakeholder),
            "new-raised_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _step(client, opportunity, objection, step, **fields):
    data = {"step-step": step, **{f"step-{k}": v for k, v in fields.items()}}
    return client.post(
        f"/opportunities/{opportunity}/objections/{objection}/lscpa", data=data, headers=HX
    )


def _price_response_id(app, key="price_tco"):
    from portal.objections.models import PlaybookResponse
    from portal.objections.queries import ensure_playbook

    with app.app_context():
        ensure_playbook()
        return db.session.query(PlaybookResponse).filter_by(key=key).one().id


def _walk(client, app, opportunity, objection, users, response_id=None):
    assert _step(client, opportunity, objection, "listen", notes="Too expensive").status_code == 200
    assert (
        _step(client, opportunity, objection, "sympathize", notes="I hear you").status_code == 200
    )
    assert (
        _step(
            client, opportunity, objection, "confirm", notes="Budget", customer_confirmed="y"
        ).status_code
        == 200
    )
    rid = response_id or _price_response_id(app)
    assert (
        _step(
            client, opportunity, objection, "process", response=str(rid), evidence="TCO sheet"
        ).status_code
        == 200
    )
    due = (date.today() + timedelta(days=7)).isoformat()
    assert (
        _step(
            client,
            opportunity,
            objection,
            "assure",
            commitment="Written TCO",
            owner_id=str(users["rep"]),
            due_date=due,
        ).status_code
        == 200
    )


def test_log_an_objection_and_see_it_listed(as_user, opportunity, stakeholder):
    client = as_user("rep")
    objection = _log(client, opportunity, stakeholder)
    page = client.get(f"/opportunities/{opportunity}/objections").get_data(as_text=True)
    assert "你们的价格太高了" in page and "王芳 Wang Fang" in page
    detail = client.get(f"/opportunities/{opportunity}/objections/{objection}").get_data(
        as_text=True
    )
    assert "Step 1: Listen" in detail


def test_logging_without_words_keeps_the_input(as_user, opportunity, stakeholder):
    client = as_user("rep")
    response = client.post(
        f"/opportunities/{opportunity}/objections",
        data={
            "new-customer_words": "  ",
            "new-objection_type": "risk",
            "new-severity": "low",
            "new-stakeholder_id": str(stakeholder),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write down what the customer said." in page
    assert 'selected value="risk"' in page


def test_steps_cannot_be_done_out_of_order_and_input_is_kept(as_user, opportunity, stakeholder):
    client = as_user("rep")
    objection = _log(client, opportunity, stakeholder)
    response = _step(
        client,
        opportunity,
        objection,
        "confirm",
        notes="Real concern: budget timing",
        customer_confirmed="y",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Finish the “Listen” step first" in page
    assert "Real concern: budget timing" in page
    from portal.objections.models import ObjectionStep

    with client.application.app_context():
        assert db.session.query(ObjectionStep).count() == 0


def test_each_step_checks_its_own_fields(as_user, opportunity, stakeholder):
    client = as_user("rep")
    objection = _log(client, opportunity, stakeholder)
    assert _step(client, opportunity, objection, "listen", notes="").status_code == 422
    _step(client, opportunity, objection, "listen", notes="said")
    _step(client, opportunity, objection, "sympathize")
    unconfirmed = _step(client, opportunity, objection, "confirm", notes="budget")
    assert unconfirmed.status_code == 422
    assert "The customer must confirm" in unconfirmed.get_data(as_text=True)
    _step(client, opportunity, objection, "confirm", notes="budget", customer_confirmed="y")
    no_answer = _step(client, opportunity, objection, "process")
    assert "Choose how you answered" in no_answer.get_data(as_text=True)
    custom = _step(client, opportunity, objection, "process", response="custom")
    assert "Describe the answer you gave." in custom.get_data(as_text=True)
    assert (
        _step(
            client, opportunity, objection, "process", response="custom", notes="Own words"
        ).status_code
        == 200
    )
    past = _step(
        client, opportunity, objection, "assure", commitment="x", owner_id="", due_date="2000-01-01"
    )
    assert past.status_code == 422
    text = past.get_data(as_text=True)
    assert "Name who owns the commitment." in text and "The due date is in the past." in text


def test_walk_all_five_steps_resolve_and_the_playbook_counts_it(
    app, as_user, opportunity, stakeholder, users
):
    client = as_user("rep")
    objection = _log(client, opportunity, stakeholder)
    early = client.post(
        f"/opportunities/{opportunity}/objections/{objection}/close",
        data={"outcome": "resolved"},
        headers=HX,
    )
    assert early.status_code == 422
    assert "Work through all five steps" in early.get_data(as_text=True)
    _walk(client, app, opportunity, objection, users)
    closed = client.post(
        f"/opportunities/{opportunity}/objections/{objection}/close",
        data={"outcome": "resolved", "close_note": "Accepted"},
        headers=HX,
    )
    assert closed.status_code == 200
    assert "Closed as Resolved" in closed.get_data(as_text=True)
    playbook = client.get("/objections/playbook").get_data(as_text=True)
    assert "used 1 · resolved 1" in playbook
    # A closed objection refuses step changes until reopened.
    assert _step(client, opportunity, objection, "listen", notes="again").status_code == 422
    client.post(f"/opportunities/{opportunity}/objections/{objection}/reopen", data={}, headers=HX)
    assert _step(client, opportunity, objection, "listen", notes="again").status_code == 200


def test_escalated_can_close_at_any_step(as_user, opportunity, stakeholder):
    client = as_user("rep")
    objection = _log(client, opportunity, stakeholder)
    response = client.post(
        f"/opportunities/{opportunity}/objections/{objection}/close",
        data={"outcome": "escalated"},
        headers=HX,
    )
    assert response.status_code == 200


def test_presales_read_but_do_not_work_objections(client, users, opportunity, stakeholder):
    login(client, "rep")
    objection = _log(client, opportunity, stakeholder)
    switch(client, "presales")
    assert client.get(f"/opportunities/{opportunity}/objections/{objection}").status_code == 200
    page = client.get(f"/opportunities/{opportunity}/objections").get_data(as_text=True)
    assert "Log an objection" not in page
    assert _step(client, opportunity, objection, "listen", notes="x").status_code == 403
    switch(client, "rep2")
    assert client.get(f"/opportunities/{opportunity}/objections/{objection}").status_code == 404


def test_leader_edits_the_playbook_and_a_stale_save_conflicts(app, as_user):
    rid = _price_response_id(app)
    client = as_user("leader")
    form = {
        "objection_type": "price",
        "title_en": "Compare TCO",
        "title_zh": "比较总成本",
        "body_en": "Lay it out.",
        "body_zh": "列出来。",
        "active": "y",
        "version": "1",
    }
    assert client.post(f"/objections/playbook/{rid}", data=form).status_code == 302
    stale = client.post(f"/objections/playbook/{rid}", data={**form, "title_en": "Other"})
    assert stale.status_code == 409
    assert "You changed this in another window" in stale.get_data(as_text=True)
    empty = client.post(
        f"/objections/playbook/{rid}", data={**form, "title_en": "", "version": "2"}
    )
    assert empty.status_code == 422


def test_playbook_is_shown_in_the_readers_language(app, client, users):
    from portal.auth.models import User

    with app.app_context():
        db.session.get(User, users["rep"]).locale = "zh_CN"
        db.session.commit()
    login(client, "rep")
    page = client.get("/objections/playbook").get_data(as_text=True)
    assert "比总拥有成本，而不是比标价" in page
    assert "Compare total cost, not the sticker price" not in page


def test_pipeline_counts_open_objections_and_turns_a_recurring_one_into_an_answer(
    app, client, users, make_opportunity
):
    first = make_opportunity(name="A")
    second = make_opportunity(name="B", owner="rep2")
    from portal.objections.models import Objection, ReusableAnswer

    with app.app_context():
        for opp, days in ((first, 3), (second, 40)):
            db.session.add(
                Objection(
                    opportunity_id=opp,
                    objection_type="price",
                    severity="high",
                    customer_words="Your price is 20% higher than the competitor",
                    raised_on=date.today() - timedelta(days=days),
                )
            )
        db.session.commit()
    login(client, "leader")
    page = client.get("/objections/pipeline").get_data(as_text=True)
    assert "Raised in 2 opportunities" in page
    response = client.post(
        "/objections/reusable-answers",
        data={
            "prefix": "g0",
            "g0-objection_type": "price",
            "g0-title": "Price vs competitor",
            "g0-body": "Show the five-year TCO first.",
            "g0-language": "en",
            "g0-source_words": "Your price",
            "g0-opportunity_count": "2",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.query(ReusableAnswer).one()
        assert answer.opportunity_count == 2 and answer.language == "en"
    missing = client.post(
        "/objections/reusable-answers",
        data={
            "prefix": "g0",
            "g0-objection_type": "price",
            "g0-title": "t",
            "g0-body": "",
            "g0-language": "en",
        },
    )
    assert missing.status_code == 422
    switch(client, "rep")
    assert client.get("/objections/pipeline").status_code == 403


def _objection(opportunity_id, words, days=3, status="open", kind="price"):
    from portal.objections.models import Objection

    return Objection(
        opportunity_id=opportunity_id,
        objection_type=kind,
        severity="high",
        customer_words=words,
        status=status,
        raised_on=date.today() - timedelta(days=days),
    )


def test_match_tokens_are_stored_when_the_words_are_saved(app, opportunity):
    from portal.objections.models import Objection

    with app.app_context():
        objection = _objection(opportunity, "The PRICE is 太高了")
        db.session.add(objection)
        db.session.commit()
        assert objection.match_tokens == "price 太高 高了"
        objection.customer_words = "Delivery too late"
        db.session.commit()
        stored = db.session.get(Objection, objection.id)
        assert stored.match_tokens.split() == ["delivery", "late"]


def test_pipeline_groups_open_recent_objections_and_widens_on_request(
    app, client, users, make_opportunity
):
    first, second, third = (make_opportunity(name=n) for n in ("A", "B", "C"))
    with app.app_context():
        # Recurring only when the closed and the year-old objection count.
        db.session.add(_objection(first, "Budget was cut for this year", days=5))
        db.session.add(_objection(second, "Budget was cut this year", status="resolved"))
        db.session.add(_objection(third, "budget cut for the year", days=400))
        db.session.commit()
    login(client, "leader")
    default = client.get("/objections/pipeline").get_data(as_text=True)
    assert "Raised in" not in default
    assert "Include closed and older objections" in default
    widened = client.get("/objections/pipeline?recurring=all").get_data(as_text=True)
    assert "Raised in 3 opportunities" in widened


def test_demo_objections_group_as_the_pairwise_rule_grouped_them(app):
    from sqlalchemy import true

    from portal.demo import load_demo_data
    from portal.objections import queries
    from proposals.objections import recurring_objections
    from tests.proposals.test_objections import _pairwise_groups

    with app.test_request_context():
        load_demo_data()
        records = queries.objection_records(true())
        assert len(records) >= 10
        # The stored tokens are the ones the text gives.
        from proposals.objections import objection_tokens

        assert all(r.tokens == objection_tokens(r.text) for r in records)
        position = {id(r): i for i, r in enumerate(records)}
        groups = recurring_objections(records)
        assert groups
        found = sorted(sorted(position[id(o)] for o in g.objections) for g in groups)
        assert found == _pairwise_groups(records)
