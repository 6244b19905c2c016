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


def test_a_plain_form_post_is_redirected_to_the_objection(as_user, opportunity, stakeholder):
    """Without htmx (no script, or a click before htmx bound the swapped-in form), a saved
    step, close or reopen answers with a redirect to the objection's page: a reload then
    shows the page instead of posting the form again. A refused step still answers 422 with
    the typed text kept."""
    client = as_user("rep")
    objection = _log(client, opportunity, stakeholder)
    base = f"/opportunities/{opportunity}/objections/{objection}"
    refused = client.post(f"{base}/lscpa", data={"step-step": "sympathize", "step-notes": "Ahead"})
    assert refused.status_code == 422
    assert "Ahead" in refused.get_data(as_text=True)
    saved = client.post(f"{base}/lscpa", data={"step-step": "listen", "step-notes": "Too dear"})
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(base)
    page = client.get(base).get_data(as_text=True)
    assert "Step 2: Sympathize" in page and "Too dear" in page
    closed = client.post(f"{base}/close", data={"outcome": "escalated"})
    assert (closed.status_code, closed.headers["Location"].endswith(base)) == (302, True)
    assert "Closed as Escalated" in client.get(base).get_data(as_text=True)
    reopened = client.post(f"{base}/reopen", data={})
    assert (reopened.status_code, reopened.headers["Location"].endswith(base)) == (302, True)


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
    from proposals.objections import wording_key

    with app.app_context():
        objection = _objection(opportunity, "The PRICE is 太高了")
        db.session.add(objection)
        db.session.commit()
        assert objection.match_tokens == "price 太高 高了"
        assert objection.wording_key == wording_key("The PRICE is 太高了")
        objection.customer_words = "Delivery too late"
        db.session.commit()
        stored = db.session.get(Objection, objection.id)
        assert stored.match_tokens.split() == ["delivery", "late"]
        assert stored.wording_key == wording_key("Delivery too late")


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


def test_demo_objections_are_grouped_as_the_pure_assigner_groups_them(app):
    """The save hook (one query over the inverted index per objection, groups founded
    mid-flush) places the demo's objections exactly as the pure rule does in id order.
    Their Confirm notes name the concern in words, in the language the customer spoke: no
    internal type key ("risk") inside a Chinese sentence. (One test: loading the demo is
    most of its cost.)"""
    from sqlalchemy import select

    from portal.demo import load_demo_data
    from portal.objections.models import Objection, ObjectionStep
    from proposals.objections import GroupAssigner, objection_tokens

    with app.test_request_context():
        load_demo_data()
        rows = db.session.execute(
            select(Objection.objection_type, Objection.customer_words, Objection.group_id).order_by(
                Objection.id
            )
        ).all()
        assert len(rows) >= 10
        assigner = GroupAssigner()
        expected = [assigner.assign(t, objection_tokens(words)) for t, words, _g in rows]
        stored = [group for _t, _w, group in rows]
        assert _partition(stored) == _partition(expected)
        # Some demo objections recur: a group holds more than one of them.
        assert len(set(stored)) < len(stored)

        notes = db.session.execute(
            select(Objection.customer_words, ObjectionStep.notes)
            .join(ObjectionStep, ObjectionStep.objection_id == Objection.id)
            .where(ObjectionStep.step == "confirm")
        ).all()
        assert len(notes) >= 3
        for words, note in notes:
            chinese = any("\u4e00" <= ch <= "\u9fff" for ch in words)
            assert chinese == any("\u4e00" <= ch <= "\u9fff" for ch in note), note
            if chinese:
                assert not any(ch.isascii() and ch.isalpha() for ch in note), note


def _partition(labels):
    """Group labels renamed by first appearance (ids differ between a database and the
    in-memory assigner; the grouping must not)."""
    names: dict = {}
    return [None if x is None else names.setdefault(x, len(names)) for x in labels]


# --- groups placed at save time -------------------------------------------------------------


def _group_of(objection_id):
    from portal.objections.models import Objection

    return db.session.get(Objection, objection_id).group_id


def test_two_saves_of_one_new_wording_at_once_found_one_group(app, make_opportunity):
    """Two reps log the same new objection on two opportunities at the same moment: the
    second save waits for the first to commit, then joins the group it founded (before,
    each found no group and founded its own, splitting the recurring count)."""
    import threading
    import time

    from sqlalchemy.orm import Session

    first, second = make_opportunity(name="A"), make_opportunity(name="B")
    words = "Your maintenance fee is far above the market rate"
    with app.app_context():
        engine = db.engine
        early, late = Session(engine), Session(engine)
        try:
            founder = _objection(first, words)
            early.add(founder)
            early.flush()  # founds the group; not committed yet
            joined: list = []

            def save_late():
                objection = _objection(second, words)
                late.add(objection)
                late.commit()
                joined.append(objection.group_id)

            thread = threading.Thread(target=save_late)
            thread.start()
            time.sleep(0.5)
            assert thread.is_alive(), "the second save did not wait for the first"
            early.commit()
            thread.join(30)
            assert joined == [founder.group_id]
        finally:
            early.close()
            late.close()


def test_an_objection_joins_the_most_similar_group_of_its_type_when_saved(app, make_opportunity):
    from sqlalchemy import select

    from portal.objections.models import ObjectionGroup, ObjectionGroupToken

    first, second = make_opportunity(name="A"), make_opportunity(name="B")
    with app.app_context():
        founder = _objection(first, "Your price is 20% higher than the competitor")
        similar = _objection(second, "price 20% higher than competitor offered")
        other = _objection(second, "The delivery date is far too late")
        empty = _objection(first, "... !!! the")
        # One flush: the second objection finds the group the first one founded.
        db.session.add_all([founder, similar, other, empty])
        db.session.commit()
        assert founder.group_id is not None
        assert similar.group_id == founder.group_id
        assert other.group_id not in (None, founder.group_id)
        assert empty.group_id is None
        group = db.session.get(ObjectionGroup, founder.group_id)
        assert (group.objection_type, group.token_count) == ("price", 5)
        assert group.tokens == "20 competitor higher price than"
        indexed = db.session.scalars(
            select(ObjectionGroupToken.token)
            .where(ObjectionGroupToken.group_id == group.id)
            .order_by(ObjectionGroupToken.token)
        ).all()
        assert indexed == ["20", "competitor", "higher", "price", "than"]
        # A later, separate save finds it through the index too.
        later = _objection(first, "price is higher than the competitor")
        db.session.add(later)
        db.session.commit()
        assert later.group_id == founder.group_id


def test_editing_the_words_or_the_type_places_the_objection_again(app, make_opportunity):
    first, second = make_opportunity(name="A"), make_opportunity(name="B")
    with app.app_context():
        price = _objection(first, "Your price is 20% higher than the competitor")
        late = _objection(second, "The delivery date is far too late")
        db.session.add_all([price, late])
        db.session.commit()
        price_group, late_group = price.group_id, late.group_id
        late.customer_words = "Price 20% higher than the competitor"
        db.session.commit()
        assert _group_of(late.id) == price_group
        # The type changed: a group of the new type (the price group is not a candidate).
        late.objection_type = "risk"
        db.session.commit()
        assert _group_of(late.id) not in (price_group, late_group, None)
        # Another change (not of the words or type) leaves the group alone.
        group_now = _group_of(late.id)
        late.severity = "low"
        db.session.commit()
        assert _group_of(late.id) == group_now
        late.customer_words = "..."
        db.session.commit()
        assert _group_of(late.id) is None


def test_an_objection_logged_through_the_page_gets_its_group(
    app, client, users, opportunity, stakeholder
):
    login(client, "rep")
    first = _log(client, opportunity, stakeholder, words="Budget was cut for this year")
    second = _log(client, opportunity, stakeholder, words="budget cut this year")
    with app.app_context():
        assert _group_of(first) is not None
        assert _group_of(second) == _group_of(first)


def test_migration_places_the_objections_already_logged(tmp_path):
    """0021_objection_groups: the objections logged before it are placed in id order by
    the pure assigner, from their stored match tokens; downgrade removes the groups."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from portal import create_app
    from portal.config import TestingConfig
    from proposals.objections import GroupAssigner, objection_tokens, wording_key
    from tests.portal.test_migrations import _scratch_url

    url, drop = _scratch_url(tmp_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    words = [
        ("price", "Your price is 20% higher than the competitor"),
        ("price", "price 20% higher than competitor"),
        ("risk", "price 20% higher than competitor"),
        ("time", "..."),
        ("price", "交付时间赶不上年底验收"),
        ("time", "交付时间赶不上年底验收"),
        ("time", "交付时间赶不上年底的验收"),
    ]
    try:
        with app.app_context():
            upgrade(revision="0022_quote_summary")
            for statement in (
                "INSERT INTO user_account (username, display_name, password_hash, role, locale,"
                " active, created_at, session_generation) VALUES ('r', 'R', 'x', 'rep', 'en',"
                " true, CURRENT_TIMESTAMP, 0)",
                "INSERT INTO stage_model (key, name_en, name_zh) VALUES ('m', 'M', 'M')",
                "INSERT INTO stage (model_id, position, code, name_en, name_zh, milestone_en,"
                " milestone_zh) VALUES ((SELECT max(id) FROM stage_model), 0, 's', 'S', 'S',"
                " '', '')",
                "INSERT INTO account (name, industry, region, grade, decision_mode,"
                " value_current, value_potential, value_relationship, value_strategic, notes,"
                " created_at, version) VALUES ('Acme', '', '', 'A', 'centralized', 5, 5, 5, 5,"
                " '', CURRENT_TIMESTAMP, 1)",
                "INSERT INTO opportunity (account_id, name, stage_id, procurement_form, amount,"
                " currency, owner_id, status, status_reason, description, created_at,"
                " updated_at, version) VALUES ((SELECT max(id) FROM account), 'Deal',"
                " (SELECT max(id) FROM stage), 'public_tender', 100, 'CNY',"
                " (SELECT max(id) FROM user_account), 'open', '', '', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1)",
            ):
                db.session.execute(text(statement))
            for kind, text_ in words:
                db.session.execute(
                    text(
                        "INSERT INTO objection (opportunity_id, objection_type, customer_words,"
                        " match_tokens, severity, status, raised_on, close_note, created_at,"
                        " version) VALUES ((SELECT max(id) FROM opportunity), :t, :w, :m,"
                        " 'high', 'open', CURRENT_DATE, '', CURRENT_TIMESTAMP, 1)"
                    ),
                    {"t": kind, "w": text_, "m": " ".join(sorted(objection_tokens(text_)))},
                )
            db.session.commit()
            upgrade(revision="0021_objection_groups")
            stored = (
                db.session.execute(text("SELECT group_id FROM objection ORDER BY id"))
                .scalars()
                .all()
            )
            keys = db.session.execute(text("SELECT wording_key FROM objection ORDER BY id"))
            assert keys.scalars().all() == [wording_key(t) for _kind, t in words]
            assigner = GroupAssigner()
            expected = [assigner.assign(kind, objection_tokens(t)) for kind, t in words]
            assert stored == expected == [1, 1, 2, None, 3, 4, 4]
            groups = db.session.execute(
                text("SELECT id, objection_type, token_count FROM objection_group ORDER BY id")
            ).all()
            assert [tuple(g) for g in groups] == [
                (g.group_id, g.objection_type, len(g.tokens)) for g in assigner.founded
            ]
            indexed = db.session.execute(
                text("SELECT count(*) FROM objection_group_token WHERE group_id = 1")
            ).scalar()
            assert indexed == 5
            db.session.commit()
            # The next group founded at save time takes the next id (PostgreSQL's sequence
            # was moved past the backfilled ones).
            db.session.execute(
                text(
                    "INSERT INTO objection_group (objection_type, tokens, token_count)"
                    " VALUES ('other', 'x', 1)"
                )
            )
            assert db.session.execute(text("SELECT max(id) FROM objection_group")).scalar() == 5
            db.session.commit()
            downgrade(revision="0022_quote_summary")
            tables = inspect(db.engine).get_table_names()
            assert "objection_group" not in tables
            assert "group_id" not in {
                c["name"] for c in inspect(db.engine).get_columns("objection")
            }
            upgrade()
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


# --- the pipeline ---------------------------------------------------------------------------


def _group_id_of(app, words):
    from sqlalchemy import select

    from portal.objections.models import Objection

    with app.app_context():
        return db.session.scalars(
            select(Objection.group_id).where(Objection.customer_words == words)
        ).first()


@pytest.fixture
def recurring(app, make_opportunity):
    """A price group raised in three opportunities (four objections, two wordings, one of
    them said twice in A), a time group in two, and a risk objection said in one only."""
    a, b, c = (make_opportunity(name=n) for n in ("Deal A", "Deal B", "Deal C"))
    d = make_opportunity(name="Deal D", owner="rep2")
    with app.app_context():
        db.session.add_all(
            [
                _objection(a, "Delivery takes too long for our fiscal year", kind="time"),
                _objection(a, "Your price is 20% higher than the competitor"),
                _objection(a, "Your price is 20% higher than the competitor"),
                _objection(b, "Price 20% higher than the competitor offered"),
                _objection(d, "Your price is 20% higher than the competitor"),
                _objection(d, "Delivery takes too long for the fiscal year", kind="time"),
                _objection(c, "We worry about the data migration", kind="risk"),
                _objection(c, "Data migration worries us", kind="risk"),
            ]
        )
        db.session.commit()
    return {"A": a, "B": b, "C": c, "D": d}


def test_age_grid_counts_open_objections_by_type_and_age_in_the_database(
    app, client, users, make_opportunity
):
    from sqlalchemy import true

    from portal.objections import queries
    from portal.security import scope_for_role
    from proposals.objections import AgeBucket, ObjectionType, OpenObjection, objection_age_buckets

    mine, other = make_opportunity(name="Mine"), make_opportunity(name="Other", owner="rep2")
    ages = [-2, 0, 7, 8, 30, 31, 90, 91, 400]
    with app.app_context():
        rows = [_objection(mine, "Too dear", days=a) for a in ages]
        rows += [_objection(mine, "Too late", days=a, kind="time") for a in (3, 100)]
        rows.append(_objection(mine, "Too dear", days=3, status="resolved"))  # closed
        rows.append(_objection(other, "Too dear", days=3))
        db.session.add_all(rows)
        db.session.commit()
        today = date.today()
        counted = queries.open_objection_counts(true(), today)
        expected = objection_age_buckets(
            [OpenObjection(r.objection_type, r.raised_on) for r in rows if r.status == "open"],
            today,
        )
        assert counted == expected
        assert counted[ObjectionType.PRICE] == {
            AgeBucket.DAYS_0_7: 4,
            AgeBucket.DAYS_8_30: 2,
            AgeBucket.DAYS_31_90: 2,
            AgeBucket.OVER_90: 2,
        }
        rep = queries.open_objection_counts(scope_for_role("rep", users["rep2"]), today)
        assert sum(sum(row.values()) for row in rep.values()) == 1
    login(client, "leader")
    page = client.get("/objections/pipeline").get_data(as_text=True)
    assert "<strong>10</strong>" in page  # the price row's total


def test_pipeline_lists_groups_by_distinct_opportunities_with_each_wording_once(
    app, client, users, recurring
):
    login(client, "leader")
    page = client.get("/objections/pipeline").get_data(as_text=True)
    assert page.count('class="recurring"') == 2  # the risk group stays in one opportunity
    price = page.index("Raised in 3 opportunities")
    time = page.index("Raised in 2 opportunities")
    assert price < time
    price_quotes = page[price:time]
    # Each wording once, in the order first raised, with the opportunity that raised it.
    assert price_quotes.count("“Your price is 20% higher than the competitor”") == 1
    assert price_quotes.index("“Your price is 20%") < price_quotes.index("“Price 20% higher")
    assert "Deal A" in price_quotes and "Deal B" in price_quotes
    assert "Deal D" not in price_quotes  # its wording was quoted from Deal A already
    assert "worry about the data migration" not in page


def test_pipeline_page_loads_each_answer_form_only_when_asked(app, client, users, recurring):
    login(client, "leader")
    group = _group_id_of(app, "Price 20% higher than the competitor offered")
    page = client.get("/objections/pipeline").get_data(as_text=True)
    form_url = f"/objections/groups/{group}/answer-form"
    assert f'hx-get="{form_url}"' in page
    assert 'hx-trigger="toggle once"' in page
    assert f'<a href="{form_url}">' in page  # without JavaScript: the form as a page
    assert "name=" not in page.split('id="recurring"')[1]  # no form field on the page
    widened = client.get("/objections/pipeline?recurring=all").get_data(as_text=True)
    assert f"{form_url}?recurring=all" in widened


def test_recurring_groups_count_only_the_opportunities_in_scope(app, users, recurring):
    from sqlalchemy import true

    from portal.objections import queries
    from portal.security import scope_for_role

    price = _group_id_of(app, "Price 20% higher than the competitor offered")
    time = _group_id_of(app, "Delivery takes too long for our fiscal year")
    with app.app_context():
        everyone = queries.recurring_groups(true(), None, 20, 8)
        assert [(g.group_id, g.opportunity_count) for g in everyone] == [(price, 3), (time, 2)]
        # rep sees A, B and C: the price group in two of them, the time group in one.
        rep = queries.recurring_groups(scope_for_role("rep", users["rep"]), None, 20, 8)
        assert [(g.group_id, g.opportunity_count) for g in rep] == [(price, 2)]
        assert {q.opportunity_name for q in rep[0].quotes} == {"Deal A", "Deal B"}
        # rep2 sees only D: nothing recurs there.
        assert queries.recurring_groups(scope_for_role("rep", users["rep2"]), None, 20, 8) == []
        assert queries.group_seen_by(time, scope_for_role("rep", users["rep2"]), None, 8)
        risk = _group_id_of(app, "Data migration worries us")
        assert queries.group_seen_by(risk, scope_for_role("rep", users["rep2"]), None, 8) is None
        # The limits: the most recurring group only, one quote each.
        top = queries.recurring_groups(true(), None, 1, 1)
        assert [(g.group_id, len(g.quotes)) for g in top] == [(price, 1)]


def _answer_form_url(group_id, query=""):
    return f"/objections/groups/{group_id}/answer-form{query}"


def test_answer_form_is_prefilled_from_the_group(app, client, users, recurring):
    login(client, "leader")
    group = _group_id_of(app, "Price 20% higher than the competitor offered")
    fragment = client.get(_answer_form_url(group), headers=HX)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html
    assert f'name="g{group}-title"' in html
    assert 'value="Your price is 20% higher than the competitor"' in html
    assert f'name="g{group}-opportunity_count" type="hidden" value="3"' in html
    assert (
        "Your price is 20% higher than the competitor\nPrice 20% higher than the competitor"
        " offered" in html
    )
    assert '<option selected value="price">' in html
    page = client.get(_answer_form_url(group)).get_data(as_text=True)
    assert "<html" in page and f'name="g{group}-title"' in page
    assert "Raised in 3 opportunities" in page


def test_answer_form_access(app, client, users, recurring):
    from portal.objections.models import Objection

    group = _group_id_of(app, "Price 20% higher than the competitor offered")
    anonymous = client.get(_answer_form_url(group))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, "rep")
    assert client.get(_answer_form_url(group)).status_code == 403
    switch(client, "presales")
    assert client.get(_answer_form_url(group)).status_code == 403
    switch(client, "leader")
    assert client.get(_answer_form_url(group)).status_code == 200
    assert client.get(_answer_form_url(999_999)).status_code == 404
    # A group none of whose objections the reader can see (here: none left at all).
    with app.app_context():
        for objection in db.session.query(Objection).filter_by(group_id=group):
            objection.customer_words = "Something else entirely, about support"
        db.session.commit()
    assert client.get(_answer_form_url(group)).status_code == 404
    assert client.post(f"/objections/groups/{group}/reusable-answer", data={}).status_code == 404


def _answer(group, **fields):
    data = {
        f"g{group}-objection_type": "price",
        f"g{group}-title": "Price vs competitor",
        f"g{group}-body": "Show the five-year TCO first.",
        f"g{group}-language": "en",
        f"g{group}-source_words": "Your price",
        f"g{group}-opportunity_count": "3",
    }
    data.update({f"g{group}-{k}": v for k, v in fields.items()})
    return data


def test_reusable_answer_is_saved_as_a_library_block(app, client, users, recurring):
    from portal.drafts.models import LibraryBlock
    from portal.objections.models import ReusableAnswer

    group = _group_id_of(app, "Price 20% higher than the competitor offered")
    login(client, "leader")
    url = f"/objections/groups/{group}/reusable-answer"
    response = client.post(url, data=_answer(group))
    assert response.status_code == 302
    with app.app_context():
        answer = db.session.query(ReusableAnswer).one()
        assert (answer.opportunity_count, answer.language) == (3, "en")
        assert response.headers["Location"].endswith(f"/library/{answer.library_block_id}")
    # From the htmx form: a full navigation to the block, not a redirect swapped in.
    htmx = client.post(url, data=_answer(group, title="Again"), headers=HX)
    assert htmx.status_code == 200
    with app.app_context():
        block = db.session.query(LibraryBlock).filter_by(title="Again").one()
        assert htmx.headers["HX-Redirect"].endswith(f"/library/{block.id}")


def test_reusable_answer_errors_come_back_with_the_input_kept(app, client, users, recurring):
    from portal.objections.models import ReusableAnswer

    group = _group_id_of(app, "Price 20% higher than the competitor offered")
    login(client, "leader")
    url = f"/objections/groups/{group}/reusable-answer"
    for headers in (HX, {}):
        response = client.post(
            url, data=_answer(group, title="My own title", body=""), headers=headers
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert ("<html" in html) is (not headers)
        assert 'value="My own title"' in html
        assert f'id="g{group}-body-error"' in html
        assert "Write the answer the next proposal should give." in html
    with app.app_context():
        assert db.session.query(ReusableAnswer).count() == 0


def test_reusable_answer_refused_without_csrf_token(app, client, users, recurring):
    from portal.objections.models import ReusableAnswer

    group = _group_id_of(app, "Price 20% higher than the competitor offered")
    login(client, "leader")
    response = client.post(
        f"/objections/groups/{group}/reusable-answer", data=_answer(group), csrf=False
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(ReusableAnswer).count() == 0


def test_pipeline_is_for_leaders_and_admins(app, client, users):
    login(client, "rep")
    assert client.get("/objections/pipeline").status_code == 403
    switch(client, "admin")
    assert client.get("/objections/pipeline").status_code == 200
