"""Decision-chain coverage plan: warnings by stage, tasks raised from them, the assignee's
task list and the bid desk's roll-up."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db


def _people(app, opportunity_id, *specs):
    from portal.deals.models import Stakeholder

    with app.app_context():
        ids = []
        for name, fields in specs:
            person = Stakeholder(opportunity_id=opportunity_id, name=name, **fields)
            db.session.add(person)
            db.session.flush()
            ids.append(person.id)
        db.session.commit()
        return ids


def test_business_stage_warns_gatekeeper_and_roles_and_a_task_reaches_list_and_desk(
    app, as_user, users, make_opportunity
):
    # Stage position 2 = business evaluation in the default model.
    opportunity = make_opportunity(stage_position=2, name="Grid upgrade")
    [gatekeeper] = _people(
        app,
        opportunity,
        (
            "Wang Gong",
            dict(
                map_role="product",
                buying_role="technical",
                decision_type="technical",
                influence=5,
                attitude="opponent",
                last_contact=date.today(),
            ),
        ),  # fmt: skip
    )
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    for code in ("gatekeeper_opponent", "no_authority_role", "role_without_supporter",
                 "single_threaded", "opponent_without_plan"):  # fmt: skip
        assert f'id="warning-{code}"' in page, code

    due = (date.today() - timedelta(days=1)).isoformat()
    bad = client.post(
        f"/opportunities/{opportunity}/chain/tasks",
        data={
            "warning_code": "gatekeeper_opponent",
            "level": "specialist",
            "stakeholder_id": gatekeeper,
            "title": "Technical exchange with Wang",
            "assignee_id": users["presales"],
            "due_date": due,
        },  # fmt: skip
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "The due date cannot be in the past." in text
    assert "Technical exchange with Wang" in text  # the typed title is kept

    soon = (date.today() + timedelta(days=3)).isoformat()
    ok = client.post(
        f"/opportunities/{opportunity}/chain/tasks",
        data={
            "warning_code": "gatekeeper_opponent",
            "level": "specialist",
            "stakeholder_id": gatekeeper,
            "title": "Technical exchange with Wang",
            "assignee_id": users["presales"],
            "due_date": soon,
        },  # fmt: skip
        headers={"HX-Request": "true"},
    )
    assert ok.status_code == 200
    text = ok.get_data(as_text=True)
    assert "Technical exchange with Wang" in text and "Pia Presales" in text
    # The opponent now has a plan: the "no plan" warning is gone.
    assert 'id="warning-opponent_without_plan"' not in text

    mine = as_user("presales").get("/tasks").get_data(as_text=True)
    assert "Technical exchange with Wang" in mine and "Grid upgrade" in mine

    desk = as_user("rep").get("/desk").get_data(as_text=True)
    assert f'id="chain-rollup-{opportunity}"' in desk
    assert "supporters 0/3 · no coach · 1 open task" in desk


def test_overdue_task_rolls_up_on_the_desk_and_done_clears_it(app, as_user, users, opportunity):
    from portal.workspace.models import ChainTask

    with app.app_context():
        task = ChainTask(
            opportunity_id=opportunity,
            warning_code="no_coach",
            title="Find a coach",
            assignee_id=users["rep"],
            due_date=date.today() - timedelta(days=2),
        )
        db.session.add(task)
        db.session.commit()
        task_id = task.id
    client = as_user("rep")
    assert "1 task overdue" in client.get("/desk").get_data(as_text=True)
    stale = client.post(f"/opportunities/{opportunity}/chain/tasks/{task_id}/done",
                        data={"version": 99}, headers={"HX-Request": "true"})  # fmt: skip
    assert stale.status_code == 409
    done = client.post(f"/opportunities/{opportunity}/chain/tasks/{task_id}/done",
                       data={"version": 1}, headers={"HX-Request": "true"})  # fmt: skip
    assert done.status_code == 200
    assert "Find a coach" not in client.get("/tasks").get_data(as_text=True)
    rollup = client.get("/desk").get_data(as_text=True)
    rollup = rollup[rollup.index(f'id="chain-rollup-{opportunity}"') :]
    assert "overdue" not in rollup[: rollup.index("</a>")]  # the filter bar says "overdue" too


def test_a_forged_warning_code_is_refused(as_user, users, opportunity):
    response = as_user("rep").post(
        f"/opportunities/{opportunity}/chain/tasks",
        data={
            "warning_code": "nonsense",
            "level": "manager",
            "title": "x",
            "assignee_id": users["rep"],
            "due_date": date.today().isoformat(),
        },  # fmt: skip
    )
    assert response.status_code == 400


def test_admin_tunes_the_rules_and_the_chain_map_follows(app, as_user, make_opportunity):
    # Demand stage by default asks nothing of contacts; the admin raises it to 2.
    opportunity = make_opportunity(stage_position=0)
    _people(app, opportunity, ("Zhao", dict(map_role="money", influence=3, attitude="neutral")))
    admin = as_user("admin")
    page = admin.get("/workspace/coverage-rules").get_data(as_text=True)
    stamp = page.split('name="stamp" value="')[1].split('"')[0]
    data = {"stamp": stamp}
    for code, (contacts, window) in {"demand": ("2", "60"), "technical": ("2", "60"),
                                     "business": ("2", "60"), "bidding": ("3", "60"),
                                     "delivery": ("2", "60")}.items():  # fmt: skip
        data[f"{code}-contacts"], data[f"{code}-window"] = contacts, window
    bad = admin.post("/workspace/coverage-rules", data={**data, "demand-window": "0"})
    assert bad.status_code == 422 and "from 1 to 365" in bad.get_data(as_text=True)
    assert admin.post("/workspace/coverage-rules", data=data).status_code == 302
    stale = admin.post("/workspace/coverage-rules", data=data)
    assert stale.status_code == 409  # posted over rules saved since the page was read
    assert "Someone else changed the rules meanwhile" in stale.get_data(as_text=True)
    rep = as_user("rep")
    page = rep.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert 'id="warning-single_threaded"' in page


def test_a_task_with_the_warnings_wording_reads_in_each_viewers_language(
    app, as_user, users, make_opportunity
):
    """Issue 15: a coverage task raised with its suggested title stores the rule (code and
    the person it names), not the creator's words, so the assignee reads it in their own
    language; a title the creator rewrote stays as typed."""
    from portal.auth.models import User
    from portal.workspace.models import ChainTask
    from proposals.coverage import PLAN_WARNINGS

    opportunity = make_opportunity(stage_position=2, name="Grid upgrade")
    [gatekeeper] = _people(
        app,
        opportunity,
        ("Wang Gong", dict(map_role="product", buying_role="technical",
                           decision_type="technical", influence=5, attitude="opponent",
                           last_contact=date.today())),
    )  # fmt: skip
    text = PLAN_WARNINGS["gatekeeper_opponent"]
    soon = (date.today() + timedelta(days=3)).isoformat()
    client = as_user("rep")  # writes in English: the form suggests the English wording
    for title in (f"{text['en']} — Wang Gong", "Lunch with Wang"):
        response = client.post(
            f"/opportunities/{opportunity}/chain/tasks",
            data={"warning_code": "gatekeeper_opponent", "level": "specialist",
                  "stakeholder_id": gatekeeper, "title": title,
                  "assignee_id": users["presales"], "due_date": soon},
            headers={"HX-Request": "true"},
        )  # fmt: skip
        assert response.status_code == 200
    with app.app_context():
        rule, typed = db.session.query(ChainTask).order_by(ChainTask.id).all()
        assert rule.title is None and rule.title_params == {"name": "Wang Gong"}
        assert typed.title == "Lunch with Wang"
        db.session.get(User, users["presales"]).locale = "zh_CN"
        db.session.commit()
    page = as_user("presales").get("/tasks").get_data(as_text=True)
    assert f"{text['zh_CN']} — Wang Gong" in page and text["en"] not in page
    assert "Lunch with Wang" in page
    rep = as_user("rep")
    chain = rep.get(f"/opportunities/{opportunity}/workspace").get_data(as_text=True)
    assert f"{text['en']} — Wang Gong" in chain  # the English reader still reads English
