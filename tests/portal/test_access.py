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
WORKERS = {"rep", "rep2", "admin"}
LEADERS = {"leader", "admin"}
DRAFT_EDITORS = {"presales", "presales2", "leader", "admin"}

# endpoint -> (users whose role may call it, whether it is scoped to the opportunity)
ACCESS: dict[str, tuple[set[str] | None, bool]] = {
    "auth.login": (None, False),
    "auth.language": (ALL, False),
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
    "history.opportunity_history": (ALL, True),
    "accounts.index": (ALL, False),
    "accounts.detail": (ALL, False),
    "accounts.suggest": (ALL, False),
    "accounts.create": (EDITORS_OF_ACCOUNTS, False),
    "accounts.edit": (EDITORS_OF_ACCOUNTS, False),
    "admin.users": ({"admin"}, False),
    "admin.create_user": ({"admin"}, False),
    "admin.edit_user": ({"admin"}, False),
    # Price strategy: everyone who sees the opportunity reads; presales do not edit.
    "pricescore.index": (ALL, True),
    "pricescore.scenario": (ALL, True),
    "pricescore.create": (CREATORS, True),
    "pricescore.save": (CREATORS, True),
    "pricescore.add_competitor": (CREATORS, True),
    "pricescore.delete_competitor": (CREATORS, True),
    "pricescore.choose": (CREATORS, True),
    "pricescore.link_option": (CREATORS, True),
    "pricescore.copy": (CREATORS, True),
    "pricescore.delete": (CREATORS, True),
    "pricescore.official": (CREATORS, True),
    "bid.override": (LEADERS, True),
    "workspace.rename_rival": (ALL, True),
    "bid.settings": ({"admin"}, False),
    "pricescore.planner": (ALL, True),
    "pricescore.planner_grid": (ALL, True),
    "pricescore.save_recommendation": (CREATORS, True),
    # Objections: reps (owner/team) and admins work them, everyone who sees the deal reads.
    "objections.index": (ALL, True),
    "objections.create": (WORKERS, True),
    "objections.detail": (ALL, True),
    "objections.complete_step": (WORKERS, True),
    "objections.close": (WORKERS, True),
    "objections.reopen": (WORKERS, True),
    "objections.link_section": (WORKERS, True),
    "objections.playbook": (ALL, False),
    "objections.add_response": (LEADERS, False),
    "objections.edit_response": (LEADERS, False),
    "objections.pipeline": (LEADERS, False),
    "objections.answer_form": (LEADERS, False),
    "objections.make_reusable": (LEADERS, False),
    # Negotiation sheet: reps (owner/team) and admins edit; presales and leaders read.
    "negotiation.sheet": (ALL, True),
    "negotiation.save": (WORKERS, True),
    "negotiation.add_goal": (WORKERS, True),
    "negotiation.delete_goal": (WORKERS, True),
    "negotiation.edit_goal": (WORKERS, True),
    "negotiation.save_goal": (WORKERS, True),
    "negotiation.add_interest": (WORKERS, True),
    "negotiation.delete_interest": (WORKERS, True),
    "negotiation.add_concession": (WORKERS, True),
    "negotiation.delete_concession": (WORKERS, True),
    "negotiation.add_round": (WORKERS, True),
    "negotiation.delete_round": (WORKERS, True),
    "negotiation.print_sheet": (ALL, True),
    "negotiation.history": (ALL, True),
    "negotiation.version": (ALL, True),
    "workspace.board": (ALL, False),
    "workspace.move": (ALL, True),
    "workspace.page": (ALL, True),
    "workspace.tick_activity": (ALL, True),
    "workspace.activity": (ALL, True),
    "workspace.set_attitude": (ALL, True),
    "workspace.add_chain_task": (ALL, True),
    "workspace.finish_chain_task": (ALL, True),
    "workspace.my_tasks": (ALL, False),
    "workspace.add_criterion": (ALL, True),
    "workspace.save_criterion": (ALL, True),
    "workspace.delete_criterion": (ALL, True),
    "workspace.add_matrix_competitor": (ALL, True),
    "workspace.remove_matrix_competitor": (ALL, True),
    "workspace.set_likelihood": (ALL, True),
    "workspace.set_qualification": (ALL, True),
    "workspace.account_grading": (ALL, False),
    "workspace.competitors": (ALL, False),
    "workspace.add_competitor": (ALL, False),
    "workspace.delete_competitor": ({"leader", "admin"}, False),
    "workspace.templates": ({"admin"}, False),
    "workspace.add_template": ({"admin"}, False),
    "workspace.rename_template": ({"admin"}, False),
    "workspace.coverage_rules": ({"admin"}, False),
    # PDF exports: the negotiation sheet for all who see the deal; the bid pack and the desk
    # for reps (their own bids), leaders and admins. Progress/file follow the documents' deals.
    "exports.negotiation_pdf": (ALL, True),
    "exports.bid_pack": (CREATORS, True),
    "exports.desk": (CREATORS, False),
    "exports.desk_zip": (CREATORS, False),
    "exports.desk_decide": ({"leader", "admin"}, True),
    "exports.progress": (ALL, True),
    "exports.file": (ALL, True),
    # Revision PDFs: the customer proposal and technical annex for all who see the deal; the
    # finance view (costs, margins: internal) for reps, leaders and admins.
    "exports.proposal_pdf": (ALL, True),
    "exports.finance_pdf": (CREATORS, True),
    "exports.technical_pdf": (ALL, True),
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
    "drafts.reorder_sections": (DRAFT_EDITORS, True),
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
    "approvals.bulk_approve": ({"leader", "admin"}, False),
    "approvals.rules": ({"admin"}, False),
    # Tender response: presales (and leaders/admins) edit, reps read and comment; leaders
    # accept deviations. Inbox, mention lookup and block reviews are each user's own.
    "tender.index": (ALL, True),
    "tender.add_row": (DRAFT_EDITORS, True),
    "tender.row": (ALL, True),
    "tender.edit_row": (DRAFT_EDITORS, True),
    "tender.save_row": (DRAFT_EDITORS, True),
    "tender.delete_row": (DRAFT_EDITORS, True),
    "tender.suggestions": (DRAFT_EDITORS, True),
    "tender.use_suggestion": (DRAFT_EDITORS, True),
    "tender.assign_row": (DRAFT_EDITORS, True),
    "tender.accept_deviation": (LEADERS, True),
    "tender.row_comments": (ALL, True),
    "tender.import_preview": (DRAFT_EDITORS, True),
    "tender.apply_import": (DRAFT_EDITORS, True),
    "tender.gate": (ALL, True),
    "tender.docx_export": (ALL, True),
    "work.assign_section": (DRAFT_EDITORS, True),
    "work.section_comments": (ALL, True),
    "work.people": (ALL, False),
    "work.inbox": (ALL, False),
    "work.inbox_counts": (ALL, False),
    # Notifications: each user opens and marks only their own (the fixture item is the
    # admin's: anyone else gets 404, see OWN_ITEM); everyone has their own settings.
    "notifications.open_item": (ALL, False),
    "notifications.mark_read": (ALL, False),
    "notifications.mark_all_read": (ALL, False),
    "notifications.settings": (ALL, False),
    "work.block_reviews": (ALL, False),
    "work.review_block": (ALL, False),
    # Analytics: leaders and admins; calibration also for reps (their own bids).
    "analytics.index": (LEADERS, False),
    "analytics.export": (LEADERS, False),
    "analytics.opportunities": (LEADERS, False),
    "analytics.calibration": ({"rep", "rep2", "leader", "admin"}, False),
    # Outcomes: the rep (owner/team), leaders and admins record them; everyone who sees the
    # deal reads; rival histories are for everyone (hidden deals are not named there).
    "outcomes.outcome": (ALL, True),
    "outcomes.save": (CREATORS, True),
    "outcomes.read_notice": (CREATORS, True),
    "outcomes.edit_rows": (CREATORS, True),
    "outcomes.rival": (ALL, False),
}
# Routes on one user's inbox item: the fixture item (make_tender_objects) is the admin's.
OWN_ITEM = {"notifications.open_item": "admin", "notifications.mark_read": "admin"}
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
    """(endpoint, rule, method) of every route: each is called as every user in one test."""
    from portal import create_app
    from portal.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return [
        pytest.param(rule.endpoint, rule.rule, method, id=f"{method} {rule.rule}")
        for rule, method in _routes(app)
    ]


WHO = ["anonymous", *sorted(ALL)]


def _expectation(endpoint: str, who: str) -> str:
    allowed_users, scoped = ACCESS[endpoint]
    if allowed_users is None:
        return "open"
    if who == "anonymous":
        return "login"
    if who not in allowed_users:
        return "refused"
    if scoped and who not in SEES_OPPORTUNITY:
        return "hidden"  # never reveal that it exists
    if endpoint in OWN_ITEM and who != OWN_ITEM[endpoint]:
        return "hidden"  # another user's notification
    return "allowed"


def _answered_as_expected(endpoint: str, expectation: str, response) -> bool:
    status = response.status_code
    location = response.headers.get("Location", "")
    if expectation == "open":
        return status not in (401, 403, 404)
    if expectation == "login":
        return status == 302 and "/login" in location
    if expectation == "refused":
        return status == 403
    if expectation == "hidden":
        return status == 404
    if status == 302 and endpoint != "auth.logout":
        return "/login" not in location
    return status in (200, 302, 400, 409, 422)


def _generation(app) -> int:
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        value = db.session.execute(text("SELECT value FROM data_generation WHERE id = 1"))
        return value.scalar() or 0


def _url(rule: str, ids: dict) -> str:
    for name, value in ids.items():
        rule = rule.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in rule, f"no test id for {rule}"
    return rule


def _route_ids(app, users, opportunity, endpoint) -> dict:
    """An id for every URL parameter: one row of each kind, on the fixture opportunity."""
    from portal.deals.models import Stakeholder
    from portal.extensions import db

    with app.app_context():
        stakeholder = Stakeholder(
            opportunity_id=opportunity, name="Zhang San", influence=3, attitude="neutral"
        )
        db.session.add(stakeholder)
        db.session.commit()
        account_id = db.session.get(Stakeholder, stakeholder.id).opportunity.account_id
        from portal.pricescore.demo import demo_scenario

        scenario = demo_scenario(opportunity)
        ids = {
            "opportunity_id": opportunity,
            "stakeholder_id": stakeholder.id,
            "account_id": account_id,
            "user_id": users["rep"],
            "scenario_id": scenario.id,
            "competitor_id": scenario.competitors[0].id,
        }
        ids.update(_objection_and_sheet_ids(opportunity, stakeholder.id))
        ids.update(_workspace_ids(db, opportunity))
        ids["token"] = _export_token(app, opportunity)
        ids["key"] = "form"  # an analytics table
        ids["scenario_competitor_id"] = scenario.competitors[0].id
        if endpoint.startswith("pricescore."):  # its competitors belong to a scenario
            ids["competitor_id"] = ids["scenario_competitor_id"]
    from tests.portal.test_drafts import make_proposal_objects

    ids.update(make_proposal_objects(app, opportunity, users))
    from tests.portal.test_tender import make_tender_objects

    ids.update(make_tender_objects(app, ids["proposal_id"], ids["section_id"], users))
    return ids


@pytest.mark.parametrize(("endpoint", "rule", "method"), _cases())
def test_route_access(app, client, users, opportunity, endpoint, rule, method):
    """The route called as anonymous and as every user. The ones it refuses go first, on
    one data set, and must leave every row as it was; a write by an allowed user gets
    fresh data when an allowed write before it succeeded or changed a row (the empty form
    of most writes is refused as invalid and changes nothing), which keeps the walk of
    every route affordable."""
    from tests.conftest import OPPORTUNITY_NAME, create_opportunity, create_users, reset_rows

    ids = _route_ids(app, users, opportunity, endpoint)
    refused_first = sorted(WHO, key=lambda w: _expectation(endpoint, w) in ("allowed", "open"))
    problems, written = [], False
    for who in refused_first:
        expectation = _expectation(endpoint, who)
        writes = method != "GET" and expectation in ("allowed", "open")
        if writes and written:
            reset_rows(app)
            users = create_users(app)
            opportunity = create_opportunity(app, users, name=OPPORTUNITY_NAME)
            ids = _route_ids(app, users, opportunity, endpoint)
            written = False
        client.delete_cookie("session")
        client.csrf_token = None
        if who != "anonymous":
            login(client, who)
        generation = _generation(app)
        response = client.open(_url(rule, ids), method=method, data={})
        changed = _generation(app) != generation
        if not _answered_as_expected(endpoint, expectation, response):
            problems.append(f"as {who}: {response.status_code}, expected {expectation}")
        elif expectation in ("login", "refused", "hidden") and changed:
            problems.append(f"as {who}: refused ({response.status_code}) but data changed")
        # A write refused as invalid (4xx) that changed no row leaves the data as they were.
        written = written or (writes and (changed or response.status_code < 400))
    assert problems == [], f"{method} {rule}"


def _objection_and_sheet_ids(opportunity_id: int, stakeholder_id: int) -> dict:
    """One objection, playbook response and negotiation sheet with one row of each part."""
    from datetime import date
    from decimal import Decimal

    from portal.extensions import db
    from portal.negotiation import models as n
    from portal.objections.models import Objection, PlaybookResponse

    response = PlaybookResponse(objection_type="price", title_en="T", title_zh="T")
    objection = Objection(
        opportunity_id=opportunity_id,
        stakeholder_id=stakeholder_id,
        objection_type="price",
        customer_words="Too expensive",
        raised_on=date.today(),
    )
    sheet = n.NegotiationSheet(opportunity_id=opportunity_id, checklist=[])
    db.session.add_all([response, objection, sheet])
    db.session.flush()
    common = {"sheet_id": sheet.id, "opportunity_id": opportunity_id}
    one = Decimal(1)
    rows = {
        "goal_id": n.NegotiationGoal(term="price", best=one, expected=one, walk_away=one, **common),
        "interest_id": n.CounterpartInterest(position="p", interest="i", **common),
        "concession_id": n.PlannedConcession(
            position=1, kind="discount_pct", part="solution", amount=one, **common
        ),
        "round_id": n.NegotiationRoundLog(number=1, our_offer=one, **common),
        "version_id": n.SheetVersion(sheet_id=sheet.id, number=1, change="created", data={}),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return {
        "objection_id": objection.id,
        "group_id": objection.group_id,
        "response_id": response.id,
        **{name: row.id for name, row in rows.items()},
    }


def _export_token(app, opportunity_id) -> str:
    """A queued (never run) negotiation-sheet download of the fixture opportunity."""
    from portal.exports.rendering import JobItem, sign_download

    with app.test_request_context():
        return sign_download(
            "negotiation", [JobItem(opportunity_id, "0" * 64, "job", "x.pdf")], None
        )


def _workspace_ids(db, opportunity_id) -> dict:
    from portal.deals.models import Opportunity
    from portal.workspace.models import (
        ActivityTemplate,
        Competitor,
        MatrixCompetitor,
        MatrixCriterion,
    )
    from portal.workspace.queries import ensure_templates

    opportunity = db.session.get(Opportunity, opportunity_id)
    ensure_templates(opportunity.stage.model_id)
    template = db.session.query(ActivityTemplate).filter_by(stage_id=opportunity.stage_id).first()
    competitor = Competitor(name="Rival Co", notes="")
    criterion = MatrixCriterion(opportunity_id=opportunity_id, name="Price", weight=50, our_score=6)
    db.session.add_all([competitor, criterion])
    db.session.flush()
    db.session.add(MatrixCompetitor(opportunity_id=opportunity_id, competitor_id=competitor.id))
    from datetime import date

    from portal.workspace.models import ChainTask

    task = ChainTask(
        opportunity_id=opportunity_id,
        warning_code="no_coach",
        title="Find a coach",
        assignee_id=opportunity.owner_id,
        due_date=date(2030, 1, 1),
    )
    db.session.add(task)
    db.session.commit()
    return {
        "task_id": task.id,
        "template_id": template.id,
        "criterion_id": criterion.id,
        "competitor_id": competitor.id,
    }


def test_htmx_request_without_session_gets_a_full_page_redirect(client, opportunity):
    response = client.get(f"/opportunities/{opportunity}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_every_page_renders_in_chinese(app, client, users, opportunity):
    """Translations are applied with "%" formatting: a bad one breaks only the Chinese page.
    Every page an admin can open, on one data set (reading changes nothing another page
    shows), full and as an htmx fragment."""
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.get(User, users["admin"]).locale = "zh_CN"
        db.session.commit()
    ids = _route_ids(app, users, opportunity, "")
    login(client, "admin")
    problems = []
    for endpoint, rule in sorted(
        {(c.values[0], c.values[1]) for c in _cases() if c.values[2] == "GET"}
    ):
        route_ids = ids
        if endpoint.startswith("pricescore."):  # its competitors belong to a scenario
            route_ids = {**ids, "competitor_id": ids["scenario_competitor_id"]}
        url = _url(rule, route_ids)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            if response.status_code >= 500:
                problems.append(f"{url} {headers}: {response.status_code}")
            elif (
                response.status_code == 200
                and not headers
                and response.mimetype == "text/html"
                and '<html lang="zh-CN">' not in response.get_data(as_text=True)
            ):
                problems.append(f"{url}: not in Chinese")
    assert problems == []
