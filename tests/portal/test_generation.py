"""The data generation follows the commit order, so per-process caches are never stale.

The interleaving that broke the old key (the newest audit event id): a transaction that
wrote its audit row first (lower id) commits after another one (higher id); the newest id
does not move at that second commit, and a cache keyed on it kept a deactivated user's
access and a renamed deal's old name. The counter row moves at every commit.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.extensions import db


def _generation() -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT value FROM data_generation WHERE id = 1")).scalar()


def test_every_committed_write_moves_the_generation_and_a_rollback_does_not(app, users):
    from portal.auth.models import User

    with app.app_context():
        before = _generation()
        user = db.session.get(User, users["rep"])
        user.display_name = "Renamed"
        db.session.commit()
        after = _generation()
        assert after > before
        user.display_name = "Not kept"
        db.session.flush()
        db.session.rollback()
        assert _generation() == after


@pytest.fixture
def postgresql(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("two open write transactions need PostgreSQL (SQLite has one writer)")


def test_a_write_committed_after_a_later_one_still_moves_the_generation(
    app, users, opportunity, postgresql
):
    from portal.auth.models import User
    from portal.deals.models import Opportunity

    with app.app_context():
        first = Session(db.engine)
        second = Session(db.engine)
        try:
            first.get(User, users["rep"]).active = False  # its audit row gets the lower id
            first.flush()
            second.get(Opportunity, opportunity).name = "Renamed deal"
            second.commit()
            between = _generation()
            first.commit()
            assert _generation() > between
        finally:
            first.close()
            second.close()


def test_a_deactivation_committed_late_still_ends_the_session(
    app, client, users, opportunity, postgresql
):
    from portal.auth.models import User
    from portal.deals.models import Opportunity
    from tests.conftest import login

    login(client, "rep")
    with app.app_context():
        first = Session(db.engine)
        second = Session(db.engine)
        try:
            first.get(User, users["rep"]).active = False
            first.flush()
            second.get(Opportunity, opportunity).name = "Renamed deal"
            second.commit()
            # The rep's session is cached at the generation of the second commit...
            page = client.get(f"/opportunities/{opportunity}")
            assert page.status_code == 200 and "Renamed deal" in page.get_data(as_text=True)
            first.commit()
        finally:
            first.close()
            second.close()
    # ...and the first commit, landing later with the older audit id, still ends it.
    assert client.get(f"/opportunities/{opportunity}").status_code == 302
