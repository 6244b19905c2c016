"""Integration points between proposals, price scenarios, objections and negotiation sheets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db

HX = {"HX-Request": "true"}


# --- helpers ------------------------------------------------------------------------------


def _proposal(
    app,
    opportunity_id,
    *,
    discount="8",
    list_price="12000000",
    cost="9000000",
    approval=True,
    title="Dispatch proposal",
):
    """A proposal with one recommended option (one solution line) and, optionally, a
    pending approval request; returns (proposal_id, option_id, section_id)."""
    from portal.drafts.models import (
        Approval,
        Proposal,
        ProposalLine,
        ProposalOption,
        ProposalSection,
    )

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity_id,
            title=title,
            language="en",
            currency="CNY",
            status="in_review" if approval else "draft",
        )
        section = ProposalSection(
            proposal=proposal,
            position=0,
            kind="executive_summary",
            title="Why our price holds",
            body="TCO over five years.",
        )
        option = ProposalOption(
            proposal=proposal, position=0, name="Standard", recommended=True, maintenance_years=1
        )
        ProposalLine(
            option=option,
            position=0,
            part="solution",
            description="Core network",
            quantity=Decimal(1),
            unit_price=Decimal(list_price),
            unit_cost=Decimal(cost),
            discount_pct=Decimal(discount),
        )
        db.session.add_all([proposal, section, option])
        db.session.flush()
        if approval:
            db.session.add(
                Approval(
                    proposal=proposal,
                    opportunity_id=opportunity_id,
                    required_role="leader",
                    fingerprint="x",
                    reasons=[],
                )
            )
        db.session.commit()
        return proposal.id, option.id, section.id


@pytest.fixture
def scenario(app, opportunity):
    """The opportunity's official scenario (what-ifs never reach approvals)."""
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        return demo_scenario(opportunity, official=True).id


def _link_url(opportunity, scenario):
    return f"/opportunities/{opportunity}/price-scores/{scenario}/link-option"


def _expected_text(app, scenario_id, option_id, locale="en"):
    """What the engine itself says the option's discount buys (list → net)."""
    from portal.drafts.models import ProposalOption
    from portal.pricescore import inputs
    from portal.pricescore.models import PriceScenario
    from proposals.bidvalue import what_discount_buys
    from proposals.pricing import option_totals

    with app.app_context():
        s = db.session.get(PriceScenario, scenario_id)
        totals = option_totals(db.session.get(ProposalOption, option_id).as_domain())
        estimate = inputs.from_model(s)
        effect = what_discount_buys(
            estimate.rules, estimate, totals.contract_list, totals.contract_value, 2000, s.seed
        )
        return effect.text(locale)


def _linked(app, scenario_id):
    from portal.pricescore.models import PriceScenario

    with app.app_context():
        return db.session.get(PriceScenario, scenario_id).linked_option_id


# --- issue 5: "Use this price" on a quote option -------------------------------------------


def test_rep_links_the_scenario_to_a_quote_option_of_the_same_opportunity(
    app, as_user, opportunity, scenario
):
    _, option_id, _ = _proposal(app, opportunity)
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/price-scores/{scenario}").get_data(
        as_text=True
    )
    assert 'name="option_id"' in page and f'value="{option_id}"' in page

    response = client.post(
        _link_url(opportunity, scenario), data={"option_id": option_id}, headers=HX
    )
    assert response.status_code == 200
    assert _linked(app, scenario) == option_id
    body = response.get_data(as_text=True)
    assert "ps-link-effect" in body
    assert _expected_text(app, scenario, option_id) in body

    # An empty choice removes the link.
    response = client.post(_link_url(opportunity, scenario), data={"option_id": ""}, headers=HX)
    assert response.status_code == 200
    assert _linked(app, scenario) is None


def test_linking_an_option_of_another_opportunity_is_404(
    app, as_user, make_opportunity, opportunity, scenario
):
    other = make_opportunity(name="Someone else's deal", owner="rep")
    _, foreign_option, _ = _proposal(app, other)
    client = as_user("rep")
    for value in (foreign_option, 999999, "abc"):
        response = client.post(_link_url(opportunity, scenario), data={"option_id": value})
        assert response.status_code == 404
    assert _linked(app, scenario) is None


def test_presales_cannot_link_and_outsiders_get_404(app, client, as_user, opportunity, scenario):
    _, option_id, _ = _proposal(app, opportunity)
    assert (
        as_user("presales")
        .post(_link_url(opportunity, scenario), data={"option_id": option_id})
        .status_code
        == 403
    )
    client.post("/logout")
    assert (
        as_user("rep2")
        .post(_link_url(opportunity, scenario), data={"option_id": option_id})
        .status_code
        == 404
    )
    assert _linked(app, scenario) is None


def test_approval_queue_and_request_state_what_the_discount_buys(
    app, client, as_user, opportunity, scenario
):
    proposal_id, option_id, _ = _proposal(app, opportunity)
    as_user("rep").post(_link_url(opportunity, scenario), data={"option_id": option_id})
    assert _linked(app, scenario) == option_id
    expected = _expected_text(app, scenario, option_id)
    assert "price points, rank" in expected and "P(win)" in expected

    client.post("/logout")
    leader = as_user("leader")
    queue = leader.get("/approvals").get_data(as_text=True)
    assert expected in queue
    assert "What the discount on Standard buys" in queue
    detail = leader.get(f"/opportunities/{opportunity}/proposals/{proposal_id}").get_data(
        as_text=True
    )
    assert expected in detail


def test_the_text_is_in_the_readers_language(app, client, users, as_user, opportunity, scenario):
    from portal.auth.models import User

    _, option_id, _ = _proposal(app, opportunity)
    as_user("rep").post(_link_url(opportunity, scenario), data={"option_id": option_id})
    with app.app_context():
        db.session.get(User, users["leader"]).locale = "zh_CN"
        db.session.commit()
    client.post("/logout")
    queue = as_user("leader").get("/approvals").get_data(as_text=True)
    zh = _expected_text(app, scenario, option_id, "zh_CN")
    assert "中标概率" in zh and zh in queue


def test_no_text_without_a_link_or_without_a_discount(app, client, as_user, opportunity, scenario):
    proposal_id, option_id, _ = _proposal(app, opportunity, discount="0")
    as_user("leader")
    assert "discount-buys-text" not in client.get("/approvals").get_data(as_text=True)
    client.post(_link_url(opportunity, scenario), data={"option_id": option_id})
    assert _linked(app, scenario) == option_id
    assert "discount-buys-text" not in client.get("/approvals").get_data(as_text=True)


# --- issue 6a: a recurring objection becomes a content-library block -------------------------


def test_reusable_answer_creates_a_library_block_and_links_to_it(app, as_user, make_opportunity):
    from datetime import timedelta

    from portal.drafts.models import LibraryBlock
    from portal.objections.models import Objection, ReusableAnswer

    with app.app_context():
        for opp, days in ((make_opportunity(name="A"), 3), (make_opportunity(name="B"), 40)):
            db.session.add(
                Objection(
                    opportunity_id=opp,
                    objection_type="price",
                    severity="high",
                    customer_words="Your price is 20% higher",
                    raised_on=date.today() - timedelta(days=days),
                )
            )
        db.session.commit()
        group = db.session.scalars(select(Objection.group_id)).first()
    client = as_user("leader")
    response = client.post(
        f"/objections/groups/{group}/reusable-answer",
        data={
            f"g{group}-objection_type": "price",
            f"g{group}-title": "Price vs competitor",
            f"g{group}-body": "Show the five-year TCO first.",
            f"g{group}-language": "en",
            f"g{group}-source_words": "Your price",
            f"g{group}-opportunity_count": "2",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        from portal.auth.models import User

        block = db.session.scalars(select(LibraryBlock)).one()
        leader = db.session.scalars(select(User).filter_by(username="leader")).one()
        assert block.title == "Price vs competitor"
        assert block.body.strip() == "Show the five-year TCO first."
        assert block.language == "en"
        assert set(block.tag_list) >= {"objection", "price"}
        assert block.owner_id == leader.id
        assert block.last_reviewed == date.today()
        answer = db.session.scalars(select(ReusableAnswer)).one()
        assert answer.library_block_id == block.id
        block_id = block.id
    assert response.headers["Location"].endswith(f"/library/{block_id}")
    # The library finds it by the objection type, and the playbook links to it.
    assert "Price vs competitor" in client.get("/library?q=price").get_data(as_text=True)
    assert f"/library/{block_id}" in client.get("/objections/playbook").get_data(as_text=True)


# --- issue 6b: an objection points at the proposal section that answers it -------------------


def _objection(app, opportunity_id):
    from portal.objections.models import Objection

    with app.app_context():
        objection = Objection(
            opportunity_id=opportunity_id,
            objection_type="price",
            customer_words="Too expensive",
            raised_on=date.today(),
        )
        db.session.add(objection)
        db.session.commit()
        return objection.id


def _section_url(opportunity, objection):
    return f"/opportunities/{opportunity}/objections/{objection}/section"


def _answered_by(app, objection_id):
    from portal.objections.models import Objection

    with app.app_context():
        return db.session.get(Objection, objection_id).proposal_section_id


def test_objection_page_offers_the_opportunitys_sections_and_saves_the_choice(
    app, as_user, opportunity
):
    _, _, section_id = _proposal(app, opportunity, approval=False)
    objection_id = _objection(app, opportunity)
    client = as_user("rep")
    page = client.get(f"/opportunities/{opportunity}/objections/{objection_id}").get_data(
        as_text=True
    )
    assert 'name="proposal_section_id"' in page and f'value="{section_id}"' in page
    response = client.post(
        _section_url(opportunity, objection_id),
        data={"proposal_section_id": section_id},
        headers=HX,
    )
    assert response.status_code == 200
    assert _answered_by(app, objection_id) == section_id
    assert "Why our price holds" in response.get_data(as_text=True)
    # A stale version is a conflict, nothing changes.
    response = client.post(
        _section_url(opportunity, objection_id),
        data={"proposal_section_id": "", "version": "1"},
        headers=HX,
    )
    assert response.status_code == 409
    assert _answered_by(app, objection_id) == section_id
    response = client.post(
        _section_url(opportunity, objection_id), data={"proposal_section_id": ""}, headers=HX
    )
    assert response.status_code == 200
    assert _answered_by(app, objection_id) is None


def test_a_section_of_another_opportunity_is_404(app, as_user, make_opportunity, opportunity):
    other = make_opportunity(name="Other", owner="rep")
    _, _, foreign_section = _proposal(app, other, approval=False)
    objection_id = _objection(app, opportunity)
    client = as_user("rep")
    for value in (foreign_section, 999999, "x"):
        assert (
            client.post(
                _section_url(opportunity, objection_id), data={"proposal_section_id": value}
            ).status_code
            == 404
        )
    assert _answered_by(app, objection_id) is None


def test_deleting_the_section_clears_the_pointer(app, as_user, opportunity):
    from portal.drafts.models import ProposalSection

    _, _, section_id = _proposal(app, opportunity, approval=False)
    objection_id = _objection(app, opportunity)
    as_user("rep").post(
        _section_url(opportunity, objection_id), data={"proposal_section_id": section_id}
    )
    with app.app_context():
        db.session.delete(db.session.get(ProposalSection, section_id))
        db.session.commit()
    assert _answered_by(app, objection_id) is None


# --- issue 6c: concession costs from the quote ------------------------------------------------


def _sheet_with_a_discount_step(client, opportunity):
    from tests.portal.test_negotiation import _concession, _goal, _save

    assert _save(client, opportunity).status_code == 200
    _goal(client, opportunity)
    return _concession(client, opportunity, 1, amount="5", condition="Three-year term")


def test_concession_costs_come_from_the_typed_figures_without_a_quote(app, as_user, opportunity):
    page = _sheet_with_a_discount_step(as_user("rep"), opportunity).get_data(as_text=True)
    assert "50,000.00" in page  # 5 % of the typed 1,000,000 solution net
    assert "computed from the figures typed on this sheet" in page
    assert "economics-source-sheet" in page


def _official_bid(app, opportunity_id, option_id, price):
    """An official scenario whose chosen price (the bid price) is `price`, linked to the
    quote option `option_id`."""
    from portal.pricescore.demo import demo_scenario

    with app.app_context():
        scenario = demo_scenario(opportunity_id, official=True)
        scenario.chosen_price = Decimal(price)
        scenario.linked_option_id = option_id
        db.session.commit()
        return scenario.id


def test_concession_costs_come_from_the_quote_that_is_the_bid(app, as_user, opportunity):
    from portal.negotiation.analysis import analyse
    from portal.negotiation.models import NegotiationSheet

    proposal_id, option_id, _ = _proposal(
        app,
        opportunity,
        list_price="2000000",
        discount="0",
        cost="1500000",
        approval=False,
        title="Quote Q1",
    )
    _official_bid(app, opportunity, option_id, "2000000")
    client = as_user("rep")
    page = _sheet_with_a_discount_step(client, opportunity).get_data(as_text=True)
    assert "100,000.00" in page  # 5 % of the quote's 2,000,000 solution net
    assert ">50,000.00<" not in page
    assert "computed from the bid's quote" in page
    assert "Bid price: CNY 2,000,000.00" in page
    assert f"/proposals/{proposal_id}" in page and "Quote Q1 · Standard" in page
    with app.app_context():
        sheet = db.session.scalars(select(NegotiationSheet)).one()
        analysis = analyse(sheet)
        assert analysis.source == "quote"
        assert analysis.totals.contract_value == Decimal("2000000.00")
        assert analysis.steps[0].cost == Decimal("100000.00")
    # The print view shows the same basis.
    printed = client.get(f"/opportunities/{opportunity}/negotiation/print").get_data(as_text=True)
    assert "computed from the bid's quote" in printed


def test_a_quote_that_is_not_the_bid_price_is_not_the_basis(app, as_user, opportunity):
    """The flagship's old trap: a 2,000,000 quote linked to a 2,500,000 bid priced every
    step from the wrong contract. Now the typed figures are used and the sheet says why."""
    _, option_id, _ = _proposal(
        app, opportunity, list_price="2000000", discount="0", approval=False
    )
    _official_bid(app, opportunity, option_id, "2500000")
    page = _sheet_with_a_discount_step(as_user("rep"), opportunity).get_data(as_text=True)
    assert "50,000.00" in page  # 5 % of the typed 1,000,000 solution net
    assert "is not at the bid price" in page
    assert "economics-source-sheet_not_bid" in page


def test_an_unlinked_recommended_option_is_not_the_basis(app, as_user, opportunity):
    _proposal(app, opportunity, list_price="2000000", discount="0", approval=False)
    page = _sheet_with_a_discount_step(as_user("rep"), opportunity).get_data(as_text=True)
    assert "50,000.00" in page
    assert "no quote option carries the bid price" in page
    assert "No official price-score scenario" in page


def test_a_quote_in_another_currency_falls_back_to_the_typed_figures(app, as_user, opportunity):
    from portal.drafts.models import Proposal

    proposal_id, option_id, _ = _proposal(
        app, opportunity, list_price="2000000", discount="0", approval=False
    )
    with app.app_context():
        db.session.get(Proposal, proposal_id).currency = "USD"
        db.session.commit()
    _official_bid(app, opportunity, option_id, "2000000")
    page = _sheet_with_a_discount_step(as_user("rep"), opportunity).get_data(as_text=True)
    assert "50,000.00" in page
    assert "is in USD, the sheet in CNY" in page
