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


def test_repeated_search_is_served_from_the_fragment_cache(app, as_user, make_opportunity):
    client = as_user("rep")
    make_opportunity(name="cached deal")
    first = _list_queries(app, client, "/opportunities?q=cached")
    with count_queries(app) as statements:
        again = client.get("/opportunities?q=cached", headers={"HX-Request": "true"})
    assert "cached deal" in again.get_data(as_text=True)
    assert len(statements) < first
    assert not any("FROM opportunity" in s for s in statements)


def test_cached_fragment_never_outlives_a_change(app, as_user, make_opportunity, opportunity):
    client = as_user("rep")
    url = "/opportunities?q=DC"
    assert "调度数据中心 DC refresh" in client.get(url, headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    from tests.portal.test_deals import _form

    client.post(
        f"/opportunities/{opportunity}/edit", data=_form(app, opportunity, name="DC renamed")
    )
    page = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "DC renamed" in page and "调度数据中心" not in page


def test_cache_is_per_user(app, as_user, make_opportunity):
    from tests.conftest import login

    make_opportunity(owner="rep", name="Only rep sees this")
    seen = as_user("rep").get("/opportunities?q=Only", headers={"HX-Request": "true"})
    assert "Only rep sees this" in seen.get_data(as_text=True)
    other = app.test_client()
    login(other, "rep2")
    page = other.get("/opportunities?q=Only", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert "Only rep sees this" not in page.get_data(as_text=True)
