"""Fixtures: one schema per test run (built by the Alembic migrations), fresh rows per test.

The database is SQLite in a temporary folder, or the PostgreSQL named by DATABASE_URL
(`.ci/run` creates a fresh one). Each test starts from the same small data set: two reps,
two presales, a leader and an admin, and opportunities with known ownership.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete

from portal import create_app
from portal.config import TestingConfig
from portal.extensions import db

PASSWORD = "correct horse battery"
_HASH_CACHE: dict[str, str] = {}


def pytest_collection_modifyitems(items):
    # Long tests first: started last, one of them keeps a worker busy after the other is done.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        from portal.config import _database_url as normalise

        return _worker_database(normalise())
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own fresh PostgreSQL database next to the
    one named by DATABASE_URL (tests empty tables freely, so workers must not share)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    dsn = base.set(drivername="postgresql", database=base.database).render_as_string(
        hide_password=False
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    if os.environ.get("PYTEST_XDIST_WORKER") and url.startswith("postgresql"):
        with app.app_context():
            db.engine.dispose()
        _drop_worker_database(url)


def _drop_worker_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    worker_db = make_url(url)
    maintenance = worker_db.set(drivername="postgresql", database="postgres")
    with psycopg.connect(maintenance.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{worker_db.database}" WITH (FORCE)')


def reset_rows(app) -> None:
    """Empty every table and load the reference data (what each test starts from)."""
    # Row ids and audit generations restart with the emptied tables: drop cached fragments.
    app.extensions["fragment_cache"].clear()
    app.extensions.pop("session_users", None)
    app.extensions.pop("pdf_keys", None)
    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        # Last: deleting opportunities fires the triggers that keep stage_total.
        tables.sort(key=lambda table: table.name == "stage_total")
        if db.engine.dialect.name == "postgresql":
            # One round trip for every table (psycopg sends a query without parameters
            # as one simple-protocol message, which may hold several statements).
            db.session.connection().connection.driver_connection.execute(
                "; ".join(f'DELETE FROM "{table.name}"' for table in tables)  # noqa: S608
            )
        else:
            for table in tables:
                db.session.execute(delete(table))
        db.session.commit()
        from portal.seed import load_reference_data

        load_reference_data()
        db.session.commit()


@pytest.fixture(autouse=True)
def _fresh_rows(request):
    """Empty every table and load the reference data before each test that uses the app."""
    if "app" not in request.fixturenames:
        yield  # domain tests need no database
        return
    reset_rows(request.getfixturevalue("app"))
    yield


class CsrfClient(FlaskClient):
    """A test client that sends the CSRF header the way base.html makes htmx send it."""

    csrf_token: str | None = None

    def fetch_csrf(self) -> str:
        """The CSRF token base.html gives this client's session, made as Flask-WTF makes it
        (the session's raw token signed with the secret), without rendering a page for it:
        thousands of logins and posts otherwise each render a page (the desk, once logged
        in). test_the_base_layout_carries_the_session_csrf_token checks that the page
        carries this very token."""
        from itsdangerous import URLSafeTimedSerializer

        app = self.application
        field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        with self.session_transaction() as session:
            if field not in session:
                session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (Flask-WTF's own)
            raw = session[field]
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self.csrf_token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        return self.csrf_token

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if method not in ("GET", "HEAD", "OPTIONS") and kwargs.pop("csrf", True):
            headers = dict(kwargs.pop("headers", None) or {})
            if "X-CSRFToken" not in headers:
                headers["X-CSRFToken"] = self.csrf_token or self.fetch_csrf()
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = CsrfClient
    return app.test_client()


def _password_hash() -> str:
    # Still argon2id, with the cheapest parameters: the access walk logs in hundreds of
    # times, and verifying reads the cost from the hash itself.
    if "h" not in _HASH_CACHE:
        from argon2 import PasswordHasher

        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        _HASH_CACHE["h"] = cheap.hash(PASSWORD)
    return _HASH_CACHE["h"]


def create_users(app) -> dict[str, int]:
    """Two reps, two presales, a leader and an admin: username -> id."""
    from portal.auth.models import User

    specs = {
        "rep": ("rep", "Rita Rep"),
        "rep2": ("rep", "Otto Otherrep"),
        "presales": ("presales", "Pia Presales"),
        "presales2": ("presales", "Paul Otherpresales"),
        "leader": ("leader", "Lena Leader"),
        "admin": ("admin", "Adam Admin"),
    }
    out = {}
    with app.app_context():
        for username, (role, name) in specs.items():
            user = User(
                username=username,
                display_name=name,
                role=role,
                locale="en",
                password_hash=_password_hash(),
            )
            db.session.add(user)
            out[username] = user
        db.session.commit()
        return {k: v.id for k, v in out.items()}


@pytest.fixture
def users(app):
    return create_users(app)


def create_opportunity(
    app,
    users,
    owner="rep",
    presales="presales",
    name="Opportunity",
    account_name="Acme 测试客户",
    **fields,
) -> int:
    """An opportunity owned by `owner` (a username), committed; returns its id."""
    from portal.accounts.models import Account
    from portal.deals.models import Opportunity
    from portal.seed import default_stages

    with app.app_context():
        account = db.session.query(Account).filter_by(name=account_name).first()
        if account is None:
            account = Account(name=account_name, industry="Energy", grade="A")
            db.session.add(account)
        stage = default_stages()[fields.pop("stage_position", 1)]
        opportunity = Opportunity(
            account=account,
            name=name,
            stage=stage,
            procurement_form=fields.pop("procurement_form", "public_tender"),
            amount=fields.pop("amount", Decimal("1000000.00")),
            currency=fields.pop("currency", "CNY"),
            bid_deadline=fields.pop("bid_deadline", date.today() + timedelta(days=30)),
            owner_id=users[owner],
            presales_id=users[presales] if presales else None,
            **fields,
        )
        db.session.add(opportunity)
        db.session.commit()
        return opportunity.id


#: The fixture opportunity's name.
OPPORTUNITY_NAME = "调度数据中心 DC refresh"


@pytest.fixture
def make_opportunity(app, users):
    """Factory: an opportunity owned by `owner` (a username), committed, returns its id."""
    counter = {"n": 0}

    def make(owner="rep", presales="presales", name=None, account_name="Acme 测试客户", **fields):
        counter["n"] += 1
        return create_opportunity(
            app,
            users,
            owner,
            presales,
            name or f"Opportunity {counter['n']}",
            account_name,
            **fields,
        )

    return make


@pytest.fixture
def opportunity(make_opportunity):
    """Owned by `rep`, presales `presales`; invisible to `rep2` and `presales2`."""
    return make_opportunity(name=OPPORTUNITY_NAME)


def login(client: CsrfClient, username: str, password: str = PASSWORD):
    # A logged-in client is sent away from /login (302) without becoming the new user:
    # start a fresh session so that switching users in a test really switches.
    client.delete_cookie("session")
    client.csrf_token = None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": client.fetch_csrf()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.csrf_token = None  # the session changed: take the token of the new session
    return response


@pytest.fixture
def as_user(client, users):
    def as_(username: str) -> CsrfClient:
        login(client, username)
        return client

    return as_
