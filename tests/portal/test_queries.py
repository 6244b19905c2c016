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


# --- the fragment cache follows the scope of what it shows ---------------------------------

HX = {"HX-Request": "true"}


def _served_from_cache(app, client, url) -> bool:
    with count_queries(app) as statements:
        response = client.get(url, headers=HX)
    assert response.status_code == 200
    return not any("FROM opportunity" in s for s in statements)


def _rename(app, opportunity_id, name):
    from portal.deals.models import Opportunity

    with app.app_context():
        db.session.get(Opportunity, opportunity_id).name = name
        db.session.commit()


def test_a_reps_write_keeps_the_caches_of_what_it_does_not_touch(app, as_user, make_opportunity):
    from tests.conftest import login

    mine = make_opportunity(owner="rep", name="rep deal")
    make_opportunity(owner="rep2", presales=None, name="rep2 deal")
    rep, rep2, leader = as_user("rep"), app.test_client(), app.test_client()
    login(rep2, "rep2")
    login(leader, "leader")
    with app.app_context():
        from portal.auth.models import User

        rep2_id = db.session.query(User).filter_by(username="rep2").one().id
    urls = {
        "rep": (rep, "/opportunities"),
        "rep2": (rep2, "/opportunities"),
        "leader, rep2's deals": (leader, f"/opportunities?owner={rep2_id}"),
        "leader, all": (leader, "/opportunities"),
    }
    for client, url in urls.values():
        client.get(url, headers=HX)
    _rename(app, mine, "rep deal renamed")
    served = {who: _served_from_cache(app, c, url) for who, (c, url) in urls.items()}
    assert served == {
        "rep": False,  # shows the renamed deal
        "rep2": True,
        "leader, rep2's deals": True,
        "leader, all": False,  # shows it too
    }
    assert "rep deal renamed" in rep.get("/opportunities", headers=HX).get_data(as_text=True)


def test_writes_outside_the_lists_keep_them_cached(app, as_user, make_opportunity, opportunity):
    from datetime import date

    from portal.objections.models import Objection

    client = as_user("leader")
    client.get("/opportunities", headers=HX)
    with app.app_context():
        db.session.add(
            Objection(
                opportunity_id=opportunity,
                objection_type="price",
                customer_words="too dear",
                raised_on=date.today(),
            )
        )
        db.session.commit()
    assert _served_from_cache(app, client, "/opportunities")


def test_joining_a_team_and_a_stakeholder_rename_reach_the_cached_lists(
    app, as_user, make_opportunity, users
):
    from portal.deals.models import Stakeholder, TeamMember

    deal = make_opportunity(owner="rep", name="Team deal")
    client = as_user("rep2")
    assert "Team deal" not in client.get("/opportunities", headers=HX).get_data(as_text=True)
    with app.app_context():
        db.session.add(TeamMember(opportunity_id=deal, user_id=users["rep2"], team_role="solution"))
        db.session.commit()
    assert "Team deal" in client.get("/opportunities", headers=HX).get_data(as_text=True)
    assert "Team deal" not in client.get("/opportunities?q=欧阳峰", headers=HX).get_data(
        as_text=True
    )
    with app.app_context():
        db.session.add(Stakeholder(opportunity_id=deal, name="欧阳峰"))
        db.session.commit()
    assert "Team deal" in client.get("/opportunities?q=欧阳峰", headers=HX).get_data(as_text=True)


def test_a_write_committed_while_a_fragment_renders_is_never_served_stale(
    app, make_opportunity, users
):
    """Generation read, then a write in scope commits, then the render finishes: the copy
    is stored under the older generation, so the next request renders again. A write out
    of scope in the same window leaves the copy valid."""
    from portal.deals.models import Opportunity
    from portal.fragment_cache import FragmentCache
    from portal.generation import user_scope

    deal = make_opportunity(owner="rep", name="v1")
    other = make_opportunity(owner="rep2", presales=None, name="other")
    cache = FragmentCache()
    scopes = (user_scope(users["rep"]),)

    def render_then(write_to: int | None, name: str):
        def render():
            shown = db.session.get(Opportunity, deal).name
            with app.app_context():  # another request commits before this one stores
                if write_to is not None:
                    db.session.get(Opportunity, write_to).name = name
                    db.session.commit()
            return shown

        return render

    with app.test_request_context():
        assert cache.get_or_render("k", render_then(deal, "v2"), scopes) == "v1"
    with app.test_request_context():
        db.session.expire_all()
        assert cache.get_or_render("k", render_then(other, "x"), scopes) == "v2"
    with app.test_request_context():
        assert cache.get_or_render("k", render_then(None, ""), scopes) == "v2"
        hits = []
        cache.get_or_render("k", lambda: hits.append(1) or "miss", scopes)
        assert hits == []  # the out-of-scope write left the copy valid
