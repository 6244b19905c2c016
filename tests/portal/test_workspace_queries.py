"""The pipeline board costs the same number of SQL queries for 3 cards as for 500."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from tests.portal.test_queries import count_queries


def _add_opportunities(app, users, n, prefix, moves=False):
    from portal.accounts.models import Account
    from portal.deals.models import Opportunity
    from portal.seed import default_stages
    from portal.workspace.models import StageMove

    with app.app_context():
        stages = default_stages()
        accounts = [Account(name=f"{prefix} account {i}") for i in range(5)]
        db.session.add_all(accounts)
        rows = []
        for i in range(n):
            rows.append(
                Opportunity(
                    account=accounts[i % 5],
                    name=f"{prefix} {i}",
                    stage=stages[i % 5],
                    procurement_form=("public_tender", "inquiry")[i % 2],
                    amount=Decimal(1000 + i),
                    currency=("CNY", "EUR", "USD")[i % 3],
                    owner_id=users["rep"] if i % 2 else users["rep2"],
                    presales_id=users["presales"],
                )
            )
        db.session.add_all(rows)
        db.session.flush()
        if moves:
            for opportunity in rows:
                db.session.add(
                    StageMove(
                        opportunity_id=opportunity.id,
                        from_stage_id=stages[0].id,
                        to_stage_id=opportunity.stage_id,
                        moved_by_id=users["rep"],
                        overridden=[],
                    )
                )
        db.session.commit()


def _first_stage_id(app):
    from portal.seed import default_stages

    with app.app_context():
        return default_stages()[0].id


def _board_queries(app, client, url="/board"):
    client.get(url)  # warm-up: user loader and session cost the same each time
    with count_queries(app) as statements:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_board_queries_do_not_grow_with_cards(app, as_user, users):
    client = as_user("leader")
    _add_opportunities(app, users, 3, "few", moves=True)
    few, _ = _board_queries(app, client)
    _add_opportunities(app, users, 497, "many", moves=True)
    many, page = _board_queries(app, client)
    # About 100 per stage: 40 cards shown per column, every card counted in the totals.
    assert page.count('class="deal-card') == 5 * 40
    assert page.count("Show all ") == 5
    assert "500 opportunities" in page
    assert many == few
    assert few <= 8
    expanded, page = _board_queries(app, client, f"/board?expand={_first_stage_id(app)}")
    assert page.count('class="deal-card') == 101 + 4 * 40
    assert expanded == few


def test_scoped_filtered_board_is_constant_too(app, as_user, users):
    client = as_user("presales")
    _add_opportunities(app, users, 2, "a")
    one, _ = _board_queries(app, client, "/board?form=inquiry")
    _add_opportunities(app, users, 200, "b", moves=True)
    many, page = _board_queries(app, client, "/board?form=inquiry")
    assert many == one
    assert page.count('class="deal-card') == 101  # 21 or fewer per column: all shown


def test_totals_cover_every_card_of_a_truncated_column(app, as_user, users):
    """Only the first cards of a column are loaded, but its count and sums are over all of
    them, to the cent (large amounts, whose float sum on SQLite would be cents off)."""
    from portal.accounts.models import Account
    from portal.auth.models import User
    from portal.deals.models import Opportunity, StageModel
    from portal.seed import default_stages
    from portal.workspace import queries
    from proposals.pipeline import column_totals

    with app.app_context():
        stage_ids = [stage.id for stage in default_stages()]
        first = stage_ids[0]
        account = Account(name="Cents account")
        db.session.add_all(
            Opportunity(
                account=account,
                name=f"cents {i}",
                stage_id=first if i < 100 else stage_ids[1],
                procurement_form="public_tender",
                amount=Decimal(f"98765432109{i % 100:02d}.{(i * 7) % 100:02d}"),
                currency=("CNY", "EUR")[i % 2],
                owner_id=users["rep"],
            )
            for i in range(130)
        )
        db.session.commit()

        every = db.session.execute(
            select(Opportunity.stage_id, Opportunity.currency, Opportunity.amount).where(
                Opportunity.status == "open"
            )
        ).all()
        expected = column_totals(every, columns=stage_ids)
        leader = db.session.get(User, users["leader"])
        model = db.session.scalars(select(StageModel).where(StageModel.key == "default")).one()
        board = queries.board(leader, model, per_column=7)
        assert board.totals == expected
        assert board.count == len(every)
        assert board.totals[first].count >= 100
        assert board.totals[first].sums["CNY"] == sum(
            amount for stage, currency, amount in every if stage == first and currency == "CNY"
        )
        assert all(len(board.columns[stage]) <= 7 for stage in stage_ids)
        assert len(board.columns[first]) == 7
        expanded = queries.board(leader, model, per_column=7, expand=first)
        assert expanded.totals == expected
        assert len(expanded.columns[first]) == expected[first].count
        assert [card.id for card in expanded.columns[first][:7]] == [
            card.id for card in board.columns[first]
        ]

    page = as_user("leader").get("/board", headers={"HX-Request": "true"}).get_data(as_text=True)
    total = expected[first]
    assert f"Show all {total.count}<" in page
    for currency, amount in total.sums.items():
        assert f"{currency} {amount:,.2f}" in page
