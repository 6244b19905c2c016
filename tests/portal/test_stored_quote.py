"""Each proposal's stored quote summary (portal.drafts.stored_quote) equals the quote priced
now after every way a quote is written; the approval queue and the desk read it instead
of the lines, and deciding an approval still checks the lines themselves."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from portal.extensions import db
from tests.portal.test_drafts import HX, _add_line, _add_option, _options, _url
from tests.portal.test_queries import count_queries


@pytest.fixture
def presales(as_user):
    return as_user("presales")


def _stored(proposal_id: int) -> dict | None:
    from portal.drafts.models import Proposal

    return db.session.execute(
        select(Proposal.quote_summary).where(Proposal.id == proposal_id)
    ).scalar_one()


def _live(proposal_id: int) -> dict:
    """The quote priced now from its ORM rows (not the lean reader the hook uses), checked
    against quote_totals and quote_fingerprint themselves."""
    from portal.drafts.models import Proposal
    from portal.drafts.workflow import load_options
    from proposals.pricing import quote_fingerprint, quote_totals
    from proposals.quote_summary import summarise

    options = load_options(db.session.get(Proposal, proposal_id))
    domain = [o.as_domain() for o in options]
    summary = summarise(domain, [o.id for o in options])
    totals = quote_totals(domain)
    assert summary.fingerprint == quote_fingerprint(domain)
    assert [o.contract_value for o in summary.options] == [t.contract_value for t in totals.options]
    assert [o.margin_pct for o in summary.options] == [t.margin_pct for t in totals.options]
    assert [o.discount_pct for o in summary.options] == [t.discount_pct for t in totals.options]
    return summary.as_json()


def _in_step(app, proposal_id: int) -> dict:
    with app.app_context():
        stored = _stored(proposal_id)
        assert stored == _live(proposal_id)
        return stored


def test_every_quote_edit_leaves_the_summary_equal_to_the_quote(app, presales, opportunity):
    from tests.portal.test_drafts import _create

    proposal = _create(presales, opportunity)
    seen = [_in_step(app, proposal)]  # a new proposal: the summary of no options

    def step():
        stored = _in_step(app, proposal)
        assert stored != seen[-1], "the edit changed nothing the summary holds"
        seen.append(stored)
        return stored

    assert _add_option(presales, opportunity, proposal).status_code == 200
    assert [o["name"] for o in step()["options"]] == ["Standard"]
    first = _options(app, proposal)[0][0]
    assert _add_line(presales, opportunity, proposal, first).status_code == 200
    assert step()["options"][0]["value"] == "90000.00"  # 10 × 10,000 − 10 %
    _add_line(
        presales, opportunity, proposal, first, part="maintenance", quantity="1", unit_price="5000"
    )
    assert step()["options"][0]["value"] == "103500.00"  # + 4,500 a year × 3 years
    line_id, version = _options(app, proposal)[0][4][0]
    response = presales.post(  # the autosave of a line
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "Licence",
            "quantity": "12",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "25",
            "version": version,
        },
    )
    assert response.status_code == 200
    stored = step()["options"][0]  # 12 × 10,000 − 25 % = 90,000: the same contract value
    assert (stored["list"], stored["value"]) == ("135000.00", "103500.00")
    assert stored["discount_pct"].startswith("23.33")  # 31,500 / 135,000
    # A second option, recommended: the first one loses the flag.
    assert _add_option(presales, opportunity, proposal, name="Premium").status_code == 200
    assert [o["recommended"] for o in step()["options"]] == [False, True]
    with app.app_context():
        from portal.drafts.models import ProposalOption

        option = db.session.get(ProposalOption, first)
        option_version = option.version
    response = presales.post(  # recommended again, and five years of maintenance
        _url(opportunity, proposal, f"/options/{first}"),
        headers=HX,
        data={
            f"option-{first}-name": "Standard",
            f"option-{first}-maintenance_years": "5",
            f"option-{first}-recommended": "y",
            f"option-{first}-version": option_version,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    stored = step()
    assert [o["recommended"] for o in stored["options"]] == [True, False]
    assert stored["options"][0]["years"] == 5
    response = presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}/delete"), headers=HX, data={}
    )
    assert response.status_code == 200
    step()
    second = _options(app, proposal)[1][0]
    response = presales.post(
        _url(opportunity, proposal, f"/options/{second}/delete"), headers=HX, data={}
    )
    assert response.status_code == 200
    assert [o["id"] for o in step()["options"]] == [first]


def test_the_summary_is_written_in_the_transaction_of_the_change(app, opportunity):
    """Read back before the commit it is already the new one (the loaded proposal sees it
    too); a rollback takes it back with the change; the proposal's version stays."""
    from tests.portal.test_integration import _proposal

    proposal_id, option_id, _section = _proposal(app, opportunity, approval=False)
    with app.app_context():
        from portal.drafts.models import Proposal, ProposalLine

        before = _stored(proposal_id)
        assert before == _live(proposal_id)
        proposal = db.session.get(Proposal, proposal_id)
        version = proposal.version
        assert proposal.quote_summary == before
        db.session.add(
            ProposalLine(
                option_id=option_id,
                position=1,
                part="services",
                description="Installation",
                quantity=Decimal(3),
                unit_price=Decimal(1000),
                unit_cost=Decimal(700),
                discount_pct=Decimal(0),
            )
        )
        db.session.flush()
        during = _stored(proposal_id)
        assert during != before and during == _live(proposal_id)
        assert proposal.quote_summary == during  # the loaded proposal was expired
        db.session.rollback()
        assert _stored(proposal_id) == before
        line = db.session.scalars(
            select(ProposalLine).where(ProposalLine.option_id == option_id)
        ).one()
        line.quantity = Decimal(2)
        db.session.commit()
        assert _stored(proposal_id) == _live(proposal_id) != before
        assert db.session.get(Proposal, proposal_id).version == version


def test_the_audit_log_never_shows_the_summary(app, presales, opportunity):
    """The summary is derived: the log lists the option and line edits that changed it,
    never an edit of the proposal, and the proposal's version is not bumped by them."""
    from portal.audit import AuditEvent
    from portal.drafts.models import Proposal
    from tests.portal.test_drafts import _create

    proposal = _create(presales, opportunity)
    with app.app_context():
        version = db.session.get(Proposal, proposal).version
    _add_option(presales, opportunity, proposal)
    option_id = _options(app, proposal)[0][0]
    _add_line(presales, opportunity, proposal, option_id)
    line_id, line_version = _options(app, proposal)[0][4][0]
    presales.post(
        _url(opportunity, proposal, f"/lines/{line_id}"),
        headers=HX,
        data={
            "description": "Licence",
            "quantity": "3",
            "unit_price": "10000",
            "unit_cost": "6000",
            "discount_pct": "0",
            "version": line_version,
        },
    )
    with app.app_context():
        assert _stored(proposal)["options"][0]["value"] == "30000.00"
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert {e.entity for e in events} >= {"proposal", "proposal_option", "proposal_line"}
        assert not [e for e in events if "quote_summary" in (e.changes or {})]
        assert [e.action for e in events if e.entity == "proposal"] == ["create"]
        assert db.session.get(Proposal, proposal).version == version


def test_every_demo_proposal_stores_the_summary_of_its_quote(app):
    from portal.demo import load_demo_data
    from portal.drafts.models import Proposal

    with app.test_request_context():
        load_demo_data()
        ids = db.session.scalars(select(Proposal.id)).all()
        assert len(ids) >= 5
        for proposal_id in ids:
            assert _stored(proposal_id) == _live(proposal_id), proposal_id


# --- the approval queue and the desk read it --------------------------------------------------


def _pending(app, opportunity_id, title="Quote for review"):
    """An in-review proposal, one option of one line, and a pending request for exactly
    that quote; returns (proposal id, line id, approval id)."""
    from sqlalchemy import select

    from portal.drafts.models import Approval, ProposalLine, ProposalOption
    from tests.portal.test_scale_pages import _request

    approval_id = _request(app, opportunity_id, title, datetime(2026, 1, 1, 9, 0))
    with app.app_context():
        proposal_id = db.session.get(Approval, approval_id).proposal_id
        line_id = db.session.scalar(
            select(ProposalLine.id)
            .join(ProposalOption, ProposalOption.id == ProposalLine.option_id)
            .where(ProposalOption.proposal_id == proposal_id)
        )
        return proposal_id, line_id, approval_id


def _card(page: str, approval_id: int) -> str:
    match = re.search(rf'id="approval-{approval_id}"(.*?)</article>', page, re.S)
    assert match, page[:2000]
    return match.group(1)


CHANGED = "The quote changed after this request"


def test_the_queue_shows_the_stored_figures_and_reads_no_line(app, as_user, opportunity):
    from portal.drafts.models import Approval, ProposalLine

    proposal_id, line_id, approval_id = _pending(app, opportunity)
    leader = as_user("leader")
    leader.get("/approvals")  # warm-up: the user loader and session
    with count_queries(app) as statements:
        card = _card(leader.get("/approvals").get_data(as_text=True), approval_id)
    assert not [s for s in statements if "proposal_line" in s or "proposal_option" in s]
    # 10 × 10,000 − 20 % = 80,000; discount 20.0 %; margin (80,000 − 60,000) / 80,000 = 25.0 %
    assert "80,000.00" in card and "20.0" in card and "25.0" in card
    assert CHANGED not in card

    # A line changed without going through the editor (which would withdraw the request):
    # the card shows the new figures from the stored summary and says the quote changed.
    with app.app_context():
        db.session.get(ProposalLine, line_id).discount_pct = Decimal(30)
        db.session.commit()
    card = _card(leader.get("/approvals").get_data(as_text=True), approval_id)
    assert "70,000.00" in card and "80,000.00" not in card
    assert CHANGED in card
    decide = f"/opportunities/{opportunity}/proposals/{proposal_id}/approvals/{approval_id}"
    response = leader.post(decide, data={"decision": "approve", "comment": "fine"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Approval, approval_id).state == "withdrawn"
    page = leader.get("/approvals").get_data(as_text=True)
    assert "nothing was approved" in page and f'id="approval-{approval_id}"' not in page


def test_deciding_checks_the_lines_not_only_the_stored_summary(app, as_user, opportunity):
    """A write that bypassed the session (a bulk UPDATE) leaves the stored summary behind;
    the queue then shows what was stored, but approving prices the lines themselves and
    refuses the request."""
    from portal.drafts.models import Approval, ProposalLine

    proposal_id, line_id, approval_id = _pending(app, opportunity)
    with app.app_context():
        table = ProposalLine.__table__
        db.session.execute(
            update(table).where(table.c.id == line_id).values(discount_pct=Decimal(35))
        )
        db.session.commit()
    leader = as_user("leader")
    card = _card(leader.get("/approvals").get_data(as_text=True), approval_id)
    assert "80,000.00" in card and CHANGED not in card  # what was stored
    decide = f"/opportunities/{opportunity}/proposals/{proposal_id}/approvals/{approval_id}"
    leader.post(decide, data={"decision": "approve", "comment": "fine"})
    with app.app_context():
        assert db.session.get(Approval, approval_id).state == "withdrawn"


def test_a_proposal_without_a_stored_summary_is_priced_from_its_lines(app, as_user, opportunity):
    from portal.drafts.models import Proposal

    proposal_id, _line_id, approval_id = _pending(app, opportunity)
    with app.app_context():
        table = Proposal.__table__
        db.session.execute(
            update(table).where(table.c.id == proposal_id).values(quote_summary=None)
        )
        db.session.commit()
    card = _card(as_user("leader").get("/approvals").get_data(as_text=True), approval_id)
    assert "80,000.00" in card and CHANGED not in card


def test_the_queue_states_what_the_linked_discount_buys_from_either_source(
    app, as_user, opportunity
):
    """The option linked to the official scenario is found by the id the summary stores:
    the first look (bid summary being computed) and the next (stored) say the same."""
    from tests.portal.test_onebid import _scenario

    proposal_id, _line_id, approval_id = _pending(app, opportunity)
    with app.app_context():
        option_id = _stored(proposal_id)["options"][0]["id"]
    _scenario(app, opportunity, "As published", official=True, price="80000", option_id=option_id)
    leader = as_user("leader")
    first = _card(leader.get("/approvals").get_data(as_text=True), approval_id)
    again = _card(leader.get("/approvals").get_data(as_text=True), approval_id)
    assert "At the bid price 80,000.00 CNY this contract needs:" in first
    assert "discount-buys" in first and first == again


def test_the_desk_compares_approvals_with_the_stored_fingerprint(app, opportunity):
    from portal.bid.truth import bid_states
    from portal.deals.models import Opportunity
    from portal.drafts.models import Proposal, ProposalLine
    from tests.portal.test_onebid import _scenario

    proposal_id, line_id, _approval_id = _pending(app, opportunity)
    with app.app_context():
        option_id = _stored(proposal_id)["options"][0]["id"]
    _scenario(app, opportunity, "As published", official=True, price="80000", option_id=option_id)

    def stale() -> bool:
        with app.app_context():
            bid = db.session.get(Opportunity, opportunity)
            return bid_states([bid])[bid.id].facts.approval_stale

    assert not stale()
    with app.app_context():
        db.session.get(ProposalLine, line_id).quantity = Decimal(11)
        db.session.commit()
    assert stale()
    with app.app_context():
        db.session.get(ProposalLine, line_id).quantity = Decimal(10)
        db.session.commit()
    assert not stale()
    # What is compared is the stored fingerprint: one stored for another quote says stale.
    with app.app_context():
        stored = _stored(proposal_id)
        stored["fingerprint"] = "0" * 64
        table = Proposal.__table__
        db.session.execute(
            update(table).where(table.c.id == proposal_id).values(quote_summary=stored)
        )
        db.session.commit()
    assert stale()


# --- the bulk loader --------------------------------------------------------------------------


def test_the_scale_loader_stores_each_proposals_summary(tmp_path):
    """bench/scale_data.py writes rows with COPY (no session hook): it stores each
    proposal's summary with the same function, equal to its quote priced from the rows."""
    from tests.portal.test_migrations import scale_database

    with scale_database(tmp_path, 600) as app, app.app_context():
        ids = db.session.scalars(text("SELECT id FROM proposal ORDER BY id")).all()
        assert len(ids) >= 100
        for proposal_id in ids:
            assert _stored(proposal_id) == _live(proposal_id), proposal_id
        # The approvals it writes are for the quote as stored: none is stale.
        rows = db.session.execute(
            text("SELECT proposal_id, fingerprint FROM proposal_approval")
        ).all()
        assert rows
        assert all(_stored(p)["fingerprint"] == f for p, f in rows)
