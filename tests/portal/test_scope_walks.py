"""A rep's and presales' pages read each part of their scope (held, team) in page order
(security.first_in_scope): the list and the board show exactly the rows of the whole
scope, in order, without gaps or repeats, across pages and in both directions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.extensions import db

HX = {"HX-Request": "true"}


def _names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<a href="/opportunities/\d+">([^<]+)</a>', html)]


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def _books(app, users, make_opportunity):
    """Deals held by rep (owner) or presales, reached through a team, both, or neither,
    with deadlines interleaved across the parts and two undated; a closed one too."""
    from portal.deals.models import Opportunity, TeamMember

    today = date.today()
    for i in range(14):
        owner = ("rep", "rep2", "rep2", "rep")[i % 4]
        presales = ("presales", "presales2")[i % 2]
        make_opportunity(
            name=f"Deal {i:02d}",
            owner=owner,
            presales=presales,
            bid_deadline=None if i in (5, 10) else today + timedelta(days=(i * 7) % 15),
            stage_position=i % 3,
        )
    make_opportunity(name="Closed deal", status="won", bid_deadline=today)
    with app.app_context():
        deals = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).all()
        for deal in deals:
            number = int(deal.name[-2:]) if deal.name.startswith("Deal") else -1
            if number % 3 == 1:  # rep on the team of others' deals, and of one of their own
                db.session.add(
                    TeamMember(opportunity_id=deal.id, user_id=users["rep"], team_role="fulfilment")
                )
            if number % 4 == 1:  # presales on the team of deals another presales holds
                db.session.add(
                    TeamMember(
                        opportunity_id=deal.id, user_id=users["presales"], team_role="solution"
                    )
                )
        db.session.commit()


def _expected(app, username):
    """The open deals `username` may see, in the list's deadline order (undated last)."""
    from portal.auth.models import User
    from portal.deals.models import Opportunity
    from portal.security import opportunity_scope

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        rows = db.session.execute(
            select(
                Opportunity.name, Opportunity.bid_deadline, Opportunity.id, Opportunity.stage_id
            ).where(opportunity_scope(user), Opportunity.status == "open")
        ).all()
    return sorted(rows, key=lambda r: (r.bid_deadline is None, r.bid_deadline or date.min, r.id))


@pytest.mark.parametrize("username", ["rep", "presales"])
def test_the_list_walks_every_part_of_the_scope_in_order(
    app, users, as_user, make_opportunity, username
):
    _books(app, users, make_opportunity)
    expected = [row.name for row in _expected(app, username)]
    assert 6 <= len(expected) < 14  # some held, some through a team, not all

    app.config["PAGE_SIZE"] = 3
    try:
        client = as_user(username)
        html = client.get("/opportunities", headers=HX).get_data(as_text=True)
        assert f"{len(expected)} opportunities" in html
        pages = [_names(html)]
        while (url := _link(html, "next")) is not None:
            html = client.get(url, headers=HX).get_data(as_text=True)
            pages.append(_names(html))
        assert [name for page in pages for name in page] == expected
        assert all(len(page) == 3 for page in pages[:-1])
        # And back from the last page, page by page.
        back = [pages[-1]]
        while (url := _link(html, "prev")) is not None:
            html = client.get(url, headers=HX).get_data(as_text=True)
            back.append(_names(html))
        assert back[::-1] == pages
    finally:
        app.config["PAGE_SIZE"] = 20


@pytest.mark.parametrize("username", ["rep", "presales"])
def test_each_board_column_shows_its_first_cards_of_the_whole_scope(
    app, users, make_opportunity, username
):
    from portal.auth.models import User
    from portal.deals.models import StageModel
    from portal.workspace import queries

    _books(app, users, make_opportunity)
    expected = _expected(app, username)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        model = db.session.scalars(select(StageModel).where(StageModel.key == "default")).one()
        board = queries.board(user, model, per_column=3)
        for stage_id, cards in board.columns.items():
            in_stage = [row.name for row in expected if row.stage_id == stage_id]
            assert [card.name for card in cards] == in_stage[:3]
            assert board.totals[stage_id].count == len(in_stage)
        expanded = queries.board(user, model, per_column=2, expand=board.stages[0].id)
        first = [row.name for row in expected if row.stage_id == board.stages[0].id]
        assert [card.name for card in expanded.columns[board.stages[0].id]] == first
