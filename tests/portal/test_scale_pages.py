"""The approval queue and the board at scale: the queue pages through the pending requests
(oldest first, a cursor in the URL, a fixed number of queries per page); the board sums
each column in the database and loads only the first cards of each column, in order."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from portal.extensions import db
from tests.portal.test_queries import count_queries


def _request(app, opportunity_id, title, requested_at, state="pending", role="leader"):
    """A proposal with a one-line quote and an approval request for exactly that quote."""
    from portal.drafts.models import Approval, Proposal, ProposalLine, ProposalOption
    from proposals.pricing import quote_fingerprint

    with app.app_context():
        proposal = Proposal(
            opportunity_id=opportunity_id, title=title, language="en", currency="CNY"
        )
        proposal.status = "in_review" if state == "pending" else "draft"
        option = ProposalOption(position=0, name="Base", recommended=True, maintenance_years=1)
        option.lines.append(
            ProposalLine(
                position=0,
                part="solution",
                description="Licence",
                quantity=Decimal(10),
                unit_price=Decimal(10000),
                unit_cost=Decimal(6000),
                discount_pct=Decimal(20),
            )
        )
        proposal.options.append(option)
        db.session.add(proposal)
        db.session.flush()
        approval = Approval(
            proposal_id=proposal.id,
            opportunity_id=opportunity_id,
            required_role=role,
            fingerprint=quote_fingerprint([option.as_domain()]),
            reasons=[],
            state=state,
            requested_at=requested_at,
        )
        db.session.add(approval)
        db.session.commit()
        return approval.id


def _cards(page: str) -> list[str]:
    return re.findall(r'<article class="card approval-item" id="approval-(\d+)"', page)


def test_the_queue_pages_through_pending_requests_oldest_first(app, as_user, make_opportunity):
    opportunity = make_opportunity(name="Busy bid")
    start = datetime(2026, 1, 1, 9, 0)
    pending = [
        _request(
            app,
            opportunity,
            f"Quote {i:02d}",
            start + timedelta(hours=i),
            role="admin" if i == 3 else "leader",
        )
        for i in range(24, -1, -1)  # created newest first: the order comes from the query
    ]
    decided = [
        _request(app, opportunity, f"Done {i}", start, state=s)
        for i, s in enumerate(("approved", "rejected", "withdrawn"))
    ]
    leader = as_user("leader")
    first = leader.get("/approvals").get_data(as_text=True)
    assert "25 requests waiting" in first
    oldest_first = [str(i) for i in reversed(pending)]
    assert _cards(first) == oldest_first[:20]
    assert "An admin must decide this one." in first  # shown, not decidable by a leader
    after = re.search(r'<a id="queue-next" href="([^"]+)"', first).group(1)
    second = leader.get(after.replace("&amp;", "&")).get_data(as_text=True)
    assert _cards(second) == oldest_first[20:]
    assert 'id="queue-next"' not in second and 'id="queue-first"' in second
    for approval in decided:  # decided requests are history, never cards of the queue
        assert str(approval) not in _cards(first) + _cards(second)
    # The same statements for a page of 20 cards as for one of 5 (plus reading the cursor).
    with count_queries(app) as full:
        leader.get("/approvals")
    with count_queries(app) as short:
        leader.get(after.replace("&amp;", "&"))
    assert len(full) + 1 == len(short), (len(full), len(short))


def test_board_counts_and_sums_every_card_and_shows_the_nearest_first(app, make_opportunity, users):
    from portal.auth.models import User
    from portal.deals.models import StageModel
    from portal.workspace import queries

    today = date.today()
    deadlines = [30, None, 3, 10, None, 1]
    ids = [
        make_opportunity(
            name=f"Deal {i}",
            stage_position=2,
            bid_deadline=None if d is None else today + timedelta(days=d),
            amount=Decimal("1000.10") * (i + 1),
            currency="EUR" if i == 4 else "CNY",
        )
        for i, d in enumerate(deadlines)
    ]
    make_opportunity(name="Closed", stage_position=2, status="won")
    with app.app_context():
        leader = db.session.get(User, users["leader"])
        model = db.session.query(StageModel).filter_by(key="default").one()
        board = queries.board(leader, model, per_column=3)
        column = board.stages[2].id
        assert [c.name for c in board.columns[column]] == ["Deal 5", "Deal 2", "Deal 3"]
        totals = board.totals[column]
        assert totals.count == 6 and board.count == 6  # the won deal is not on the open board
        assert totals.sums == {
            "CNY": Decimal("1000.10") * (1 + 2 + 3 + 4 + 6),
            "EUR": Decimal("5000.50"),
        }
        expanded = queries.board(leader, model, per_column=3, expand=column)
        assert [c.id for c in expanded.columns[column]] == [ids[i] for i in (5, 2, 3, 0, 1, 4)]
