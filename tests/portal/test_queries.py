"""The opportunity list costs the same number of SQL queries for 3 rows as for 20."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def count_queries(app):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _list_queries(app, client, url):
    client.get(url)  # warm-up: the user loader and session are measured the same each time
    with count_queries(app) as statements:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return len(statements)


def test_list_page_queries_do_not_grow_with_rows(app, as_user, make_opportunity, users):
    client = as_user("leader")
    for i in range(3):
        make_opportunity(owner="rep", name=f"few {i}")
    few = _list_queries(app, client, "/opportunities?q=few")
    for i in range(20):
        make_opportunity(owner="rep2" if i % 2 else "rep", presales=None, name=f"many {i}")
    many = _list_queries(app, client, "/opportunities?q=many")
    assert many == few
    assert few <= 6


def test_scoped_list_for_a_rep_is_constant_too(app, as_user, make_opportunity):
    client = as_user("rep")
    make_opportunity(name="a 1")
    one = _list_queries(app, client, "/opportunities?q=a")
    for i in range(15):
        make_opportunity(name=f"a {i + 2}")
    assert _list_queries(app, client, "/opportunities?q=a") == one
