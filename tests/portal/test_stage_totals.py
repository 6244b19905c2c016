"""The board's stored column totals (stage_total) stay equal to the opportunities they
count, whatever writes them: the ORM, bulk SQL, deletes; and the board of a user who sees
everything reads them, while a scoped or filtered board sums its own rows."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, cast, delete, func, select, text, update

from portal.extensions import db
from tests.portal.test_queries import count_queries
from tests.portal.test_workspace_queries import _add_opportunities


def _stored() -> dict:
    from portal.deals.models import StageTotal

    rows = db.session.execute(
        select(
            StageTotal.status,
            StageTotal.stage_id,
            StageTotal.currency,
            StageTotal.cards,
            StageTotal.cents,
        )
    ).all()
    return {(s, st, c): (n, int(cents)) for s, st, c, n, cents in rows if n or cents}


def _counted() -> dict:
    from portal.deals.models import Opportunity as O

    cents = func.sum(cast(func.round(O.amount * 100), BigInteger))
    rows = db.session.execute(
        select(O.status, O.stage_id, O.currency, func.count(), cents).group_by(
            O.status, O.stage_id, O.currency
        )
    ).all()
    return {(s, st, c): (n, int(total)) for s, st, c, n, total in rows}


def test_stored_totals_follow_every_kind_of_write(app, users):
    from portal.deals.models import Opportunity
    from portal.seed import default_stages

    _add_opportunities(app, users, 30, "kept")
    with app.app_context():
        stages = default_stages()
        assert _stored() == _counted()
        assert sum(n for n, _ in _stored().values()) == 30

        deals = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).all()
        deals[0].stage_id = stages[3].id  # a stage move
        deals[1].status = "won"  # closed
        deals[2].amount = Decimal("12345.67")  # a new amount, with cents
        deals[3].currency = "USD" if deals[3].currency != "USD" else "CNY"
        deals[4].name = "renamed only"  # counts nothing new
        deals[5].stage_id, deals[5].amount = stages[4].id, Decimal("0.01")
        db.session.delete(deals[6])
        db.session.commit()
        assert _stored() == _counted()

        # A change rolled back leaves the stored totals as they were.
        before = _stored()
        deals[7].amount = Decimal("999999999.99")
        db.session.flush()
        db.session.rollback()
        assert _stored() == before == _counted()

        # Bulk SQL, which no ORM event sees.
        db.session.execute(
            update(Opportunity)
            .where(Opportunity.currency == "EUR")
            .values(amount=Opportunity.amount + Decimal("0.05"), stage_id=stages[2].id)
        )
        db.session.execute(delete(Opportunity).where(Opportunity.name.like("kept 2%")))
        db.session.execute(
            text(
                "INSERT INTO opportunity (account_id, name, stage_id, procurement_form, amount,"
                " currency, owner_id, status, status_reason, description, created_at,"
                " updated_at, version) SELECT account_id, name || ' copy', stage_id,"
                " procurement_form, amount * 3, currency, owner_id, 'lost', '', '',"
                " created_at, updated_at, 1 FROM opportunity"
            )
        )
        db.session.commit()
        assert _stored() == _counted()
        assert {status for status, _, _ in _stored()} == {"open", "won", "lost"}

        db.session.execute(delete(Opportunity))
        db.session.commit()
        assert _stored() == {} == _counted()


def test_the_all_seeing_board_reads_stored_totals_and_a_narrower_one_sums(app, as_user, users):
    """Same figures either way; only the leader's unfiltered board reads stage_total."""
    _add_opportunities(app, users, 60, "board")
    leader = as_user("leader")

    def totals_read(client, url) -> tuple[bool, str]:
        with count_queries(app) as statements:
            page = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        return any("stage_total" in s for s in statements), page

    stored, page = totals_read(leader, "/board")
    assert stored
    assert "60 opportunities" in page
    for url in (f"/board?owner={users['rep']}", "/board?form=inquiry"):
        stored, page = totals_read(leader, url)
        assert not stored
        assert "30 opportunities" in page
    stored, page = totals_read(as_user("rep"), "/board")
    assert not stored
    assert "30 opportunities" in page

    # Every column's count and sums agree between the stored and the summed totals.
    from portal.auth.models import User
    from portal.deals.models import Opportunity, StageModel
    from portal.workspace import queries

    with app.app_context():
        won = db.session.scalars(select(Opportunity).order_by(Opportunity.id).limit(7)).all()
        for deal in won:
            deal.status = "won"
        db.session.commit()
        model = db.session.scalars(select(StageModel).where(StageModel.key == "default")).one()
        leader = db.session.get(User, users["leader"])
        for status, count in (("open", 53), ("won", 7), ("", 60)):  # "": every status
            everyone = queries.board(leader, model, per_column=5, status=status)
            by_owner = [
                queries.board(leader, model, per_column=5, owner=users[name], status=status)
                for name in ("rep", "rep2")
            ]
            assert everyone.count == count
            for stage_id, total in everyone.totals.items():
                parts = [board.totals[stage_id] for board in by_owner]
                assert total.count == sum(part.count for part in parts)
                for currency, amount in total.sums.items():
                    assert amount == sum(part.sums.get(currency, 0) for part in parts)


def test_the_migration_counts_the_opportunities_already_there(tmp_path):
    """0023_stage_totals: the stored totals start equal to the opportunities there; the
    triggers count the ones added later; downgrading drops the table and its triggers (an
    opportunity can still be written), upgrading again counts afresh."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from portal import create_app
    from portal.config import TestingConfig
    from tests.portal.test_migrations import _ONE_DEAL, _scratch_url

    url, drop = _scratch_url(tmp_path)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    another = _ONE_DEAL[-1].replace("'Deal'", "'Other'").replace(", 100, 'CNY'", ", 0.35, 'EUR'")
    try:
        with app.app_context():
            upgrade(revision="0021_objection_groups")
            with db.engine.begin() as c:
                for row in (*_ONE_DEAL, another, another):
                    c.execute(text(row))
            upgrade(revision="head")
            stage = db.session.scalar(text("SELECT max(id) FROM stage"))
            assert (
                _stored()
                == _counted()
                == {
                    ("open", stage, "CNY"): (1, 10000),
                    ("open", stage, "EUR"): (2, 70),
                }
            )
            db.session.execute(text(another))
            db.session.commit()
            assert _stored()[("open", stage, "EUR")] == (3, 105)
            db.session.remove()  # its transaction would hold a lock on stage_total

            downgrade(revision="0021_objection_groups")
            assert "stage_total" not in inspect(db.engine).get_table_names()
            db.session.execute(text(another))
            db.session.commit()
            upgrade(revision="head")
            assert _stored() == _counted()
            assert _stored()[("open", stage, "EUR")] == (4, 140)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("TRUNCATE opportunity CASCADE"))
                db.session.commit()
                assert _stored() == {}
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        drop()


def test_concurrent_writes_to_one_column_lose_no_count(app, users):
    """PostgreSQL: six transactions add and move opportunities of the same stage and
    currency at once; each waits on the stored row until the one before commits, and the
    totals end equal to the rows (no lost update, no deadlock)."""
    import threading

    import pytest

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    from portal.seed import default_stages

    _add_opportunities(app, users, 5, "race")
    with app.app_context():
        first, second = (stage.id for stage in default_stages()[:2])
        engine = db.engine
        barrier = threading.Barrier(6)
        errors = []
        insert = text(
            "INSERT INTO opportunity (account_id, name, stage_id, procurement_form, amount,"
            " currency, owner_id, status, status_reason, description, created_at, updated_at,"
            " version) SELECT account_id, name || :suffix, :stage, procurement_form, 1.01,"
            " 'CNY', owner_id, 'open', '', '', created_at, updated_at, 1 FROM opportunity"
            " WHERE name = 'race 0'"
        )
        move = text(
            "UPDATE opportunity SET stage_id = :to WHERE id IN"
            " (SELECT id FROM opportunity WHERE stage_id = :from ORDER BY id LIMIT 1)"
        )

        def write(n):
            try:
                barrier.wait()
                for i in range(10):
                    with engine.begin() as c:
                        c.execute(insert, {"suffix": f" {n}.{i}", "stage": first})
                        c.execute(
                            move,
                            {"from": first, "to": second}
                            if i % 2
                            else {"from": second, "to": first},
                        )
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        db.session.rollback()
        assert _stored() == _counted()
        assert sum(n for n, _ in _stored().values()) == 5 + 60
