"""One bid, one truth: the official scenario, the bid price, shared rivals and the
consistency check, as every page and PDF shows them."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from tests.portal.test_integration import _proposal

HX = {"HX-Request": "true"}


def _scenario(app, opportunity_id, name, *, official=False, price="950000", option_id=None):
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity_id, name=name, official=official)
        scenario.chosen_price = Decimal(price) if price else None
        scenario.linked_option_id = option_id
        db.session.commit()
        return scenario.id


def _official_url(opportunity, scenario):
    return f"/opportunities/{opportunity}/price-scores/{scenario}/official"


def _desk_row(page: str, opportunity: int) -> str:
    row = page[page.index(f'id="bid-{opportunity}"') :]
    return row[: row.index("</tr>")]


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


# --- the official scenario -----------------------------------------------------------------


def test_a_what_if_never_reaches_the_desk_or_the_pack(app, as_user, opportunity):
    _scenario(app, opportunity, "If the buyer switches to average", price="1200000")
    client = as_user("leader")
    row = _desk_row(client.get("/desk").get_data(as_text=True), opportunity)
    assert "no official price-score scenario" in row
    assert "P(win)" not in row and "1,200,000" not in row
    pack = _pdf_text(client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en").get_data())
    assert "No official price-score scenario" in pack
    assert "If the buyer switches to average" not in pack


def test_marking_a_scenario_official_changes_what_the_desk_and_pack_show(app, as_user, opportunity):
    from portal.audit import AuditEvent

    published = _scenario(app, opportunity, "As published", price="900000")
    what_if = _scenario(app, opportunity, "What if K changes", price="1000000")
    rep = as_user("rep")
    response = rep.post(_official_url(opportunity, published), data={"official": "1"}, headers=HX)
    assert response.status_code == 200
    assert "Official" in response.get_data(as_text=True)
    client = as_user("leader")
    row = _desk_row(client.get("/desk").get_data(as_text=True), opportunity)
    assert "As published" in row and "900,000" in row and "P(win)" in row
    pack = _pdf_text(client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en").get_data())
    assert "As published" in pack and "What if K changes" not in pack

    # The other scenario becomes the official one: the first loses the mark.
    rep = as_user("rep")
    rep.post(_official_url(opportunity, what_if), data={"official": "1"}, headers=HX)
    client = as_user("leader")
    row = _desk_row(client.get("/desk").get_data(as_text=True), opportunity)
    assert "What if K changes" in row and "1,000,000" in row and "As published" not in row
    with app.app_context():
        from portal.pricescore.models import PriceScenario

        officials = db.session.scalars(
            select(PriceScenario).where(PriceScenario.official.is_(True))
        ).all()
        assert [s.id for s in officials] == [what_if]
        marks = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "price_scenario")
        ).all()
        assert any("official" in (e.changes or {}) for e in marks)


def test_the_opportunity_amount_follows_the_bid_price(app, as_user, opportunity):
    from portal.deals.models import Opportunity

    scenario = _scenario(app, opportunity, "As published", price="870000")
    client = as_user("rep")
    client.post(_official_url(opportunity, scenario), data={"official": "1"}, headers=HX)
    with app.app_context():
        assert db.session.get(Opportunity, opportunity).amount == Decimal("870000.00")
    # Choosing another price on the official scenario moves the amount with it.
    client.post(
        f"/opportunities/{opportunity}/price-scores/{scenario}/choose",
        data={"use_price": "880000.00"},
        headers=HX,
    )
    with app.app_context():
        assert db.session.get(Opportunity, opportunity).amount == Decimal("880000.00")
    page = client.get(f"/opportunities/{opportunity}").get_data(as_text=True)
    assert "follows the bid price" in page


def test_the_edit_form_refuses_an_amount_other_than_the_bid_price(app, as_user, opportunity):
    from portal.deals.models import Opportunity

    scenario = _scenario(app, opportunity, "As published", price="870000")
    client = as_user("rep")
    client.post(_official_url(opportunity, scenario), data={"official": "1"}, headers=HX)
    with app.app_context():
        o = db.session.get(Opportunity, opportunity)
        data = {
            "account_id": o.account_id,
            "name": o.name,
            "stage_id": o.stage_id,
            "procurement_form": o.procurement_form,
            "amount": "999999",
            "currency": o.currency,
            "bid_deadline": o.bid_deadline.isoformat(),
            "owner_id": o.owner_id,
            "presales_id": o.presales_id,
            "status": o.status,
            "version": o.version,
        }
    response = client.post(f"/opportunities/{opportunity}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The amount follows the bid price 870,000.00" in page
    assert 'value="999999"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.get(Opportunity, opportunity).amount == Decimal("870000.00")


# --- the quote against the bid price ---------------------------------------------------------


def _status(client, opportunity, proposal_id, target):
    from portal.drafts.models import Proposal

    with client.application.app_context():
        version = db.session.get(Proposal, proposal_id).version
    return client.post(
        f"/opportunities/{opportunity}/proposals/{proposal_id}/status",
        data={"target": target, "version": str(version)},
    )


def test_submitting_with_a_price_mismatch_is_refused_until_a_leader_overrides(
    app, as_user, opportunity
):
    from portal.audit import AuditEvent
    from portal.drafts.models import Proposal

    # The quote comes to 1,000,000 (no discount, one year); the bid price is 1,100,000.
    proposal_id, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    _scenario(app, opportunity, "As published", official=True, price="1100000", option_id=option_id)
    presales = as_user("presales")
    page = presales.get(f"/opportunities/{opportunity}/proposals/{proposal_id}").get_data(
        as_text=True
    )
    assert "9.1% off the bid price" in page and "bid-check mismatch" in page
    response = _status(presales, opportunity, proposal_id, "submitted")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "draft"
    follow = presales.get(response.headers["Location"]).get_data(as_text=True)
    assert "The quote is not the bid price" in follow

    # Presales cannot override; a leader can, with a reason.
    assert (
        presales.post(
            f"/opportunities/{opportunity}/proposals/{proposal_id}/bid-override",
            data={"reason": "x"},
        ).status_code
        == 403
    )
    leader = as_user("leader")
    url = f"/opportunities/{opportunity}/proposals/{proposal_id}/bid-override"
    leader.post(url, data={"reason": "  "})
    with app.app_context():
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.entity == "bid_override")
            ).first()
            is None
        )
    leader.post(url, data={"reason": "Customer caps phase 1 at 1.0 M; phase 2 follows."})
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "bid_override")
        ).one()
        assert event.action == "create" and event.opportunity_id == opportunity
        assert "phase 2" in event.changes["reason"][1]  # [before, after]
    presales = as_user("presales")
    assert _status(presales, opportunity, proposal_id, "submitted").status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "submitted"


def test_an_override_no_longer_holds_once_the_bid_price_changes(app, as_user, opportunity):
    proposal_id, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    scenario = _scenario(
        app, opportunity, "As published", official=True, price="1100000", option_id=option_id
    )
    as_user("leader").post(
        f"/opportunities/{opportunity}/proposals/{proposal_id}/bid-override",
        data={"reason": "Agreed with the customer"},
    )
    rep = as_user("rep")
    rep.post(
        f"/opportunities/{opportunity}/price-scores/{scenario}/choose",
        data={"use_price": "1200000.00"},
        headers=HX,
    )
    presales = as_user("presales")
    _status(presales, opportunity, proposal_id, "submitted")
    from portal.drafts.models import Proposal

    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "draft"


def test_a_quote_within_the_tolerance_is_the_bid(app, as_user, opportunity):
    from portal.drafts.models import Proposal

    # 1,000,000 against a bid price of 1,004,000: 0.4 % off, inside the default 0.5 %.
    proposal_id, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    _scenario(app, opportunity, "As published", official=True, price="1004000", option_id=option_id)
    presales = as_user("presales")
    _status(presales, opportunity, proposal_id, "submitted")
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "submitted"


def test_the_admin_sets_the_tolerance_and_bad_input_is_answered_at_the_field(
    app, as_user, opportunity
):
    client = as_user("admin")
    response = client.post("/admin/bid-settings", data={"tolerance": "NaN", "version": "0"})
    assert response.status_code == 422
    assert "Enter a percentage from 0 to 10" in response.get_data(as_text=True)
    assert 'value="NaN"' in response.get_data(as_text=True)
    assert (
        client.post("/admin/bid-settings", data={"tolerance": "11", "version": "0"}).status_code
        == 422
    )
    assert (
        client.post("/admin/bid-settings", data={"tolerance": "10", "version": "0"}).status_code
        == 302
    )
    # The tolerance now lets a 9.1 % difference through.
    proposal_id, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    _scenario(app, opportunity, "As published", official=True, price="1100000", option_id=option_id)
    page = as_user("presales").get(f"/opportunities/{opportunity}/proposals/{proposal_id}")
    assert "it is the bid" in page.get_data(as_text=True)
    stale = as_user("admin").post("/admin/bid-settings", data={"tolerance": "1", "version": "0"})
    assert stale.status_code == 409


# --- approvals -----------------------------------------------------------------------------


def test_the_approval_request_states_the_approver_at_the_bid_price_and_the_value_of_one_point(
    app, as_user, opportunity
):
    # 8 % off 12,000,000 = 11,040,000 at a cost of 9,000,000: margin 18.5 % < 25 % → leader.
    proposal_id, option_id, _ = _proposal(app, opportunity)
    _scenario(
        app, opportunity, "As published", official=True, price="11040000", option_id=option_id
    )
    page = as_user("leader").get("/approvals").get_data(as_text=True)
    assert "At the bid price 11,040,000.00 CNY this contract needs:" in page
    assert "each further 1% of discount:" in page and "per-point-text" in page


def test_a_what_if_scenario_says_nothing_in_approvals(app, as_user, opportunity):
    proposal_id, option_id, _ = _proposal(app, opportunity)
    _scenario(app, opportunity, "What if", official=False, price="11040000", option_id=option_id)
    page = as_user("leader").get("/approvals").get_data(as_text=True)
    assert "What if" not in page and "At the bid price" not in page


# --- one set of rivals -----------------------------------------------------------------------


def test_renaming_a_rival_in_the_matrix_renames_it_in_the_scenario(app, as_user, opportunity):
    from portal.pricescore.models import PriceScenario

    scenario = _scenario(app, opportunity, "As published", official=True)
    with app.app_context():
        rival = db.session.get(PriceScenario, scenario).competitors[0].competitor
        rival_id, old = rival.id, rival.name
    client = as_user("rep")
    url = f"/opportunities/{opportunity}/matrix/competitors/{rival_id}/rename"
    bad = client.post(url, data={"name": ""}, headers=HX)
    assert bad.status_code == 422 and "This field is required." in bad.get_data(as_text=True)
    response = client.post(url, data={"name": "联创网络（新名） Lianchuang Net"}, headers=HX)
    assert response.status_code == 200
    assert f"{old} is now called 联创网络（新名） Lianchuang Net everywhere." in response.get_data(
        as_text=True
    )
    page = client.get(f"/opportunities/{opportunity}/price-scores/{scenario}").get_data(
        as_text=True
    )
    assert "联创网络（新名） Lianchuang Net" in page and old not in page


def test_a_rival_cannot_be_renamed_through_another_opportunity(app, as_user, make_opportunity):
    mine = make_opportunity(name="Mine")
    theirs = make_opportunity(name="Theirs", owner="rep2", presales=None)
    scenario = _scenario(app, theirs, "Theirs", official=True)
    from portal.pricescore.models import PriceScenario

    with app.app_context():
        rival_id = db.session.get(PriceScenario, scenario).competitors[0].competitor_id
    client = as_user("rep")
    assert (
        client.post(
            f"/opportunities/{mine}/matrix/competitors/{rival_id}/rename", data={"name": "X"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/opportunities/{theirs}/matrix/competitors/{rival_id}/rename", data={"name": "X"}
        ).status_code
        == 404
    )


def test_a_rival_a_scenario_prices_cannot_leave_the_matrix(app, as_user, opportunity):
    from portal.pricescore.models import PriceScenario

    scenario = _scenario(app, opportunity, "As published", official=True)
    with app.app_context():
        rival_id = db.session.get(PriceScenario, scenario).competitors[0].competitor_id
    response = as_user("rep").post(
        f"/opportunities/{opportunity}/matrix/competitors/{rival_id}/remove", data={}, headers=HX
    )
    assert response.status_code == 409
    assert "remove it there first" in response.get_data(as_text=True)


def test_scenarios_objections_and_the_sheet_pick_from_the_same_rivals(app, as_user, opportunity):
    from portal.bid.models import SheetAlternative
    from portal.objections.models import Objection
    from tests.portal.test_negotiation import _save

    scenario = _scenario(app, opportunity, "As published", official=True)
    from portal.pricescore.models import PriceScenario

    with app.app_context():
        rival = db.session.get(PriceScenario, scenario).competitors[1].competitor
        rival_id, name = rival.id, rival.name
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/objections").get_data(as_text=True)
    assert f'<option value="{rival_id}">{name}</option>' in page
    client.post(
        f"/opportunities/{opportunity}/objections",
        data={
            "new-customer_words": f"{name} offered 8 % less.",
            "new-objection_type": "price",
            "new-severity": "high",
            "new-competitor_id": str(rival_id),
            "new-stakeholder_id": "",
        },
    )
    assert _save(client, opportunity, **{"sheet-alternatives": [str(rival_id)]}).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Objection)).one().competitor_id == rival_id
        assert db.session.scalars(select(SheetAlternative)).one().competitor_id == rival_id
    # A competitor that is not one of this opportunity's rivals is refused at the field.
    from portal.workspace.models import Competitor

    with app.app_context():
        stranger = Competitor(name="Not a rival here", notes="")
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    response = _save(client, opportunity, version=1, **{"sheet-alternatives": [str(stranger_id)]})
    assert response.status_code == 422


def test_a_new_scenario_starts_from_the_opportunitys_rivals(app, as_user, opportunity):
    from portal.pricescore.models import PriceScenario

    first = _scenario(app, opportunity, "As published", official=True)
    client = as_user("rep")
    client.post(f"/opportunities/{opportunity}/price-scores", data={"name": "Second view"})
    with app.app_context():
        rivals = [c.competitor_id for c in db.session.get(PriceScenario, first).competitors]
        second = db.session.scalars(
            select(PriceScenario).where(PriceScenario.name == "Second view")
        ).one()
        assert [c.competitor_id for c in second.competitors] == rivals
        assert not second.official


def test_our_technical_points_can_come_from_the_matrix(app, as_user, opportunity):
    from portal.pricescore.models import PriceScenario
    from tests.portal.test_pricescore import form_data

    scenario = _scenario(app, opportunity, "As published", official=True)
    client = as_user("rep")
    url = f"/opportunities/{opportunity}/price-scores/{scenario}"
    # No criterion scored yet: said at the field, nothing saved.
    response = client.post(url, data=form_data(app, scenario, tech_source="matrix"), headers=HX)
    assert response.status_code == 422
    assert "no scores for us yet" in response.get_data(as_text=True)
    client.post(
        f"/opportunities/{opportunity}/matrix/criteria",
        data={"name": "Solution", "weight": "100", "our_score": "7.5"},
        headers=HX,
    )
    response = client.post(url, data=form_data(app, scenario, tech_source="matrix"), headers=HX)
    assert response.status_code == 200
    assert "from the competition matrix" in response.get_data(as_text=True)
    with app.app_context():
        s = db.session.get(PriceScenario, scenario)
        # 7.5 of 10 on a 70-point technical maximum: 52.5, one matrix point (7) either side.
        assert (s.our_tech_low, s.our_tech_likely, s.our_tech_high) == (
            Decimal("45.50"),
            Decimal("52.50"),
            Decimal("59.50"),
        )
        criterion_id = (
            db.session.scalars(
                select(__import__("portal.workspace.models", fromlist=["x"]).MatrixCriterion)
            )
            .one()
            .id
        )
    # A later change in the matrix moves the scenario with it.
    from portal.workspace.models import MatrixCriterion

    with app.app_context():
        version = db.session.get(MatrixCriterion, criterion_id).version
    client.post(
        f"/opportunities/{opportunity}/matrix/criteria/{criterion_id}",
        data={"name": "Solution", "weight": "100", "our_score": "8", "version": str(version)},
        headers=HX,
    )
    with app.app_context():
        assert db.session.get(PriceScenario, scenario).our_tech_likely == Decimal("56.00")


# --- the negotiation sheet -------------------------------------------------------------------


def test_the_sheet_checks_the_walk_away_against_our_batna_and_names_its_basis(
    app, as_user, opportunity
):
    from tests.portal.test_negotiation import _goal, _save

    client = as_user("rep")
    _save(client, opportunity, **{"sheet-our_batna_value": "1050000"})
    page = _goal(client, opportunity, walk="1000000").get_data(as_text=True)
    assert "is below the value of our BATNA" in page
    assert "Basis of these costs and checks: the figures typed on this sheet." in page


# --- the bid health panel and the desk column ------------------------------------------------


def test_the_health_panel_and_the_desk_name_each_disagreement(app, as_user, opportunity):
    _, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    _scenario(app, opportunity, "As published", official=True, price="1100000", option_id=option_id)
    with app.app_context():  # a rival in the matrix that the scenario does not price
        from portal.workspace.models import Competitor, MatrixCompetitor

        extra = Competitor(name="云启数智 Yunqi", notes="")
        db.session.add(extra)
        db.session.flush()
        db.session.add(MatrixCompetitor(opportunity_id=opportunity, competitor_id=extra.id))
        db.session.commit()
    page = as_user("rep").get(f"/opportunities/{opportunity}").get_data(as_text=True)
    panel = page[page.index('id="bid-health"') :]
    assert "2 disagreements" in panel
    assert "9.1% below the bid price" in panel and "云启数智 Yunqi" in panel
    assert "blocks submitting" in panel
    row = _desk_row(as_user("leader").get("/desk").get_data(as_text=True), opportunity)
    assert "2 disagreements" in row and "quote ≠ bid price" in row


def test_a_pack_with_disagreements_renders_and_says_so_on_its_first_page(app, as_user, opportunity):
    _, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    _scenario(app, opportunity, "As published", official=True, price="1100000", option_id=option_id)
    response = as_user("leader").get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en")
    assert response.status_code == 200
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(response.get_data())).pages]
    first_pages = "\n".join(pages[:3])  # cover, contents, summary
    assert "This bid has 1 disagreement" in first_pages
    assert "9.1% below the bid price" in first_pages


def test_desk_and_pack_show_the_live_draft_margin_marked_as_such(app, as_user, opportunity):
    _, option_id, _ = _proposal(
        app, opportunity, list_price="1000000", discount="0", cost="600000", approval=False
    )
    _scenario(app, opportunity, "As published", official=True, price="1000000", option_id=option_id)
    client = as_user("leader")
    row = _desk_row(client.get("/desk").get_data(as_text=True), opportunity)
    assert "40.0 %" in row and "draft, not frozen" in row  # (1,000,000 − 600,000) / 1,000,000
    pack = _pdf_text(client.get(f"/opportunities/{opportunity}/bid-pack.pdf?lang=en").get_data())
    assert "40.0 %" in pack and "(draft, not frozen)" in pack
    assert "Margin — (from the quote" not in pack


# --- the demo tells one story ----------------------------------------------------------------


def test_the_demo_tells_one_story_and_names_each_disagreement_it_shows(app):
    from portal.bid.truth import bid_states
    from portal.deals.models import Opportunity
    from portal.demo import load_demo_data
    from proposals.onebid import Code

    with app.test_request_context():
        load_demo_data()
        opportunities = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).all()
        states = bid_states(opportunities)
        shown: set[Code] = set()
        for o in opportunities:
            state = states[o.id]
            has_proposal = state.option is not None
            if "Demo mismatch" in o.name:
                assert state.conflicts, o.name
                shown |= {d.code for d in state.conflicts}
            elif has_proposal:
                assert state.found == [], (o.name, state.found)
                assert o.amount == state.bid_price == state.totals.contract_value
        assert shown >= {
            Code.PRICE_VS_QUOTE,
            Code.RIVALS_MISSING,
            Code.GOALS_OUTSIDE_ZOPA,
            Code.BID_BELOW_WALK_AWAY,
            Code.WALK_AWAY_BELOW_BATNA,
            Code.STALE_APPROVAL,
            Code.SCENARIO_OLDER_THAN_QUOTE,
        }
        flagship = next(o for o in opportunities if o.name.startswith("调度数据中心"))
        assert states[flagship.id].bid_price == Decimal("11400000.00")


def test_rival_names_with_control_characters_are_refused_at_the_field(app, as_user, opportunity):
    """PostgreSQL refuses a NUL byte outright: it must be answered at the field, not 500."""
    from portal.pricescore.models import PriceScenario

    scenario = _scenario(app, opportunity, "As published", official=True)
    with app.app_context():
        rival_id = db.session.get(PriceScenario, scenario).competitors[0].competitor_id
    client = as_user("rep")
    for url, data in (
        (f"/opportunities/{opportunity}/matrix/competitors/{rival_id}/rename", {"name": "x\x00y"}),
        (f"/opportunities/{opportunity}/matrix/competitors", {"new_name": "x\x00y"}),
        (
            f"/opportunities/{opportunity}/price-scores/{scenario}/competitors",
            {"new_rival": "x\x00y"},
        ),
    ):
        response = client.post(url, data=data, headers=HX)
        assert response.status_code == 422, url
        assert "control characters" in response.get_data(as_text=True)
