"""Name search over opportunities, accounts and stakeholders (portal/search.py), on the
database the suite runs on (SQLite FTS5 trigram, or PostgreSQL pg_trgm)."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db

HX = {"HX-Request": "true"}


def _names(html: str) -> list[str]:
    from html import unescape

    return [unescape(n) for n in re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>', html)]


def _add_stakeholder(app, opportunity_id, name):
    from portal.deals.models import Stakeholder

    with app.app_context():
        db.session.add(Stakeholder(opportunity_id=opportunity_id, name=name))
        db.session.commit()


def test_chinese_substrings_of_names_accounts_and_stakeholders(app, as_user, make_opportunity):
    by_name = make_opportunity(name="北京市交通局信号系统改造")
    by_account = make_opportunity(name="Signal upgrade", account_name="上海申通地铁集团")
    by_stakeholder = make_opportunity(name="Depot works")
    make_opportunity(name="Unrelated 无关项目")
    _add_stakeholder(app, by_stakeholder, "欧阳交通")
    client = as_user("rep")
    three = _names(client.get("/opportunities?q=交通局", headers=HX).get_data(as_text=True))
    assert three == ["北京市交通局信号系统改造"]
    account = _names(client.get("/opportunities?q=申通地铁", headers=HX).get_data(as_text=True))
    assert account == ["Signal upgrade"]
    # Two characters (no trigram): still found, by name or by stakeholder.
    two = _names(client.get("/opportunities?q=交通", headers=HX).get_data(as_text=True))
    assert sorted(two) == sorted(["北京市交通局信号系统改造", "Depot works"])
    assert by_name and by_account


def test_latin_search_ignores_case_and_follows_renames(app, as_user, make_opportunity):
    from portal.deals.models import Opportunity

    deal = make_opportunity(name="Core Banking DR")
    client = as_user("rep")
    assert _names(client.get("/opportunities?q=bAnKiNg", headers=HX).get_data(as_text=True)) == [
        "Core Banking DR"
    ]
    with app.app_context():
        db.session.get(Opportunity, deal).name = "Payments hub"
        db.session.commit()
    assert _names(client.get("/opportunities?q=banking", headers=HX).get_data(as_text=True)) == []
    assert _names(client.get("/opportunities?q=ments h", headers=HX).get_data(as_text=True)) == [
        "Payments hub"
    ]
    with app.app_context():
        db.session.delete(db.session.get(Opportunity, deal))
        db.session.commit()
    assert _names(client.get("/opportunities?q=payments", headers=HX).get_data(as_text=True)) == []


def test_results_rank_equal_then_prefix_then_closest(as_user, make_opportunity):
    make_opportunity(name="Old grid substation monitoring platform")
    make_opportunity(name="Grid")
    make_opportunity(name="Grid monitoring")
    make_opportunity(name="Smart grid pilot")
    names = _names(as_user("rep").get("/opportunities?q=grid", headers=HX).get_data(as_text=True))
    assert names[:2] == ["Grid", "Grid monitoring"]
    assert names[2:] == ["Smart grid pilot", "Old grid substation monitoring platform"]


def test_a_broad_search_counts_every_match_and_says_it_lists_the_closest(
    app, as_user, make_opportunity, monkeypatch
):
    from portal.deals import queries

    monkeypatch.setattr(queries, "RELEVANCE_MAX", 4)
    app.config["PAGE_SIZE"] = 2
    try:
        for i in range(7):
            make_opportunity(name=f"Grid works {i}")
        client = as_user("rep")
        first = client.get("/opportunities?q=grid", headers=HX).get_data(as_text=True)
        assert "7 opportunities" in first
        assert "the closest 4 are listed" in first
        assert "Page 1 of 2" in first
        last = client.get("/opportunities?q=grid&page=2", headers=HX).get_data(as_text=True)
        assert len(_names(last)) == 2 and 'rel="next"' not in last
        narrow = client.get("/opportunities?q=works 3", headers=HX).get_data(as_text=True)
        assert "1 opportunity" in narrow and "the closest" not in narrow
    finally:
        app.config["PAGE_SIZE"] = 20


@pytest.mark.parametrize("role", ["rep", "leader"])
def test_a_search_with_more_matches_than_it_ranks_lists_equal_and_prefix_names_first(
    app, as_user, make_opportunity, monkeypatch, role
):
    # Above RANK_MAX matches the search does not rank (that would read every match): the
    # names equal to the query or starting with it first, then the others by bid deadline,
    # counted as "more than", and the page says so. A rep's search filters their own rows;
    # a leader's reads the indexes (on PostgreSQL the prefix ranges of 0024_search_rank).
    from datetime import date, timedelta

    from portal.deals import queries

    monkeypatch.setattr(queries, "RANK_MAX", 4)
    app.config["PAGE_SIZE"] = 3
    try:
        today = date.today()
        for i in range(6):
            make_opportunity(name=f"Smart grid {i}", bid_deadline=today + timedelta(days=10 - i))
        # The latest deadlines and the highest ids: found first all the same.
        make_opportunity(name="Grid monitoring", bid_deadline=today + timedelta(days=90))
        make_opportunity(
            name="Substation", account_name="Grid", bid_deadline=today + timedelta(days=80)
        )
        client = as_user(role)
        first = client.get("/opportunities?q=grid", headers=HX).get_data(as_text=True)
        assert _names(first) == ["Substation", "Grid monitoring", "Smart grid 5"]
        assert "more than 4 opportunities" in first
        assert "too many to rank" in first and "“grid”" in first
        assert "the closest" not in first
        second = client.get("/opportunities?q=grid&page=2", headers=HX).get_data(as_text=True)
        assert _names(second) == ["Smart grid 4", "Smart grid 3", "Smart grid 2"]
        third = client.get("/opportunities?q=grid&page=3", headers=HX).get_data(as_text=True)
        assert _names(third) == ["Smart grid 1", "Smart grid 0"]
        assert 'rel="next"' not in third
        # By deadline, the count stops at the same limit.
        by_date = client.get("/opportunities?q=grid&sort=deadline", headers=HX)
        assert "more than 4 opportunities" in by_date.get_data(as_text=True)
        # Four matches or fewer: ranked by closeness and counted.
        narrow = client.get("/opportunities?q=smart grid", headers=HX).get_data(as_text=True)
        assert "more than" in narrow  # six match "smart grid": still too many
        exact = client.get("/opportunities?q=grid 5", headers=HX).get_data(as_text=True)
        assert _names(exact) == ["Smart grid 5"] and "1 opportunity" in exact
        assert "too many" not in exact
    finally:
        app.config["PAGE_SIZE"] = 20


def test_a_search_from_the_filter_bar_is_ranked(as_user, make_opportunity):
    # The filter bar sends every field: its sort select's first choice ("") ranks a search.
    from datetime import date, timedelta

    soon, later = date.today() + timedelta(days=1), date.today() + timedelta(days=9)
    make_opportunity(name="Smart grid pilot", bid_deadline=soon)
    make_opportunity(name="Grid", bid_deadline=later)  # by deadline it would come second
    client = as_user("rep")
    page = client.get("/opportunities?q=grid&stage=&status=open&owner=&sort=", headers=HX)
    assert _names(page.get_data(as_text=True)) == ["Grid", "Smart grid pilot"]
    full = client.get("/opportunities?q=grid&sort=").get_data(as_text=True)
    assert '<option selected value="">Best match, or bid deadline without a search' in full


def test_search_stays_inside_the_scope(app, as_user, make_opportunity):
    make_opportunity(owner="rep2", presales=None, name="别人的交通局项目")
    client = as_user("rep")
    for q in ("交通局", "交通"):
        assert _names(client.get(f"/opportunities?q={q}", headers=HX).get_data(as_text=True)) == []


def test_a_search_can_still_be_sorted_by_deadline(as_user, make_opportunity):
    from datetime import date, timedelta

    make_opportunity(name="Grid later", bid_deadline=date.today() + timedelta(days=9))
    make_opportunity(name="Grid", bid_deadline=date.today() + timedelta(days=5))
    make_opportunity(name="Grid soon", bid_deadline=date.today() + timedelta(days=1))
    client = as_user("rep")
    ranked = _names(client.get("/opportunities?q=grid", headers=HX).get_data(as_text=True))
    assert ranked[0] == "Grid"
    by_date = client.get("/opportunities?q=grid&sort=deadline", headers=HX).get_data(as_text=True)
    assert _names(by_date) == ["Grid soon", "Grid", "Grid later"]


def test_fts_quotes_and_operators_are_text(as_user, make_opportunity):
    make_opportunity(name='The "AND" OR NOT deal')
    make_opportunity(name="Other")
    client = as_user("rep")
    for q in ['"AND" OR', "OR NOT", "NOT d", "*", "NEAR("]:
        response = client.get("/opportunities", query_string={"q": q}, headers=HX)
        assert response.status_code == 200
    page = client.get("/opportunities", query_string={"q": '"AND" OR'}, headers=HX)
    names = _names(page.get_data(as_text=True))
    assert names == ['The "AND" OR NOT deal']


# --- the account filter's autocomplete -------------------------------------------------------


def test_account_autocomplete_offers_a_few_ranked_matches(app, as_user, make_opportunity):
    from portal.accounts.models import Account

    with app.app_context():
        for i in range(30):
            db.session.add(Account(name=f"华东电网 分公司 {i:02d}"))
        db.session.add(Account(name="华东电网"))
        db.session.add(Account(name="<b>华东</b> Grid"))
        db.session.commit()
    client = as_user("presales")
    for typed in ("华东电网", "电网"):  # trigram and the two-character fallback
        response = client.get(f"/accounts/suggest?account_name={typed}", headers=HX)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" not in html
        options = re.findall(r'<option value="([^"]+)"', html)
        assert len(options) == 10
        assert options[0] == "华东电网"
    escaped = client.get("/accounts/suggest?account_name=Grid", headers=HX).get_data(as_text=True)
    assert "&lt;b&gt;华东&lt;/b&gt; Grid" in escaped and "<b>" not in escaped
    assert (
        client.get("/accounts/suggest?account_name=", headers=HX).get_data(as_text=True).strip()
        == ""
    )


def test_list_filters_by_the_chosen_account_without_listing_every_account(
    app, as_user, make_opportunity
):
    make_opportunity(name="On the grid", account_name="华东电网")
    make_opportunity(name="At the bank", account_name="江南银行")
    client = as_user("rep")
    page = client.get("/opportunities").get_data(as_text=True)
    assert 'list="f-account-options"' in page and "江南银行</option>" not in page
    filtered = client.get("/opportunities?account_name=华东电网", headers=HX).get_data(as_text=True)
    assert _names(filtered) == ["On the grid"]
    # Typing the account's name in the form keeps it in the field on a direct load.
    direct = client.get("/opportunities?account_name=华东电网").get_data(as_text=True)
    assert 'value="华东电网"' in direct and "At the bank" not in direct


def test_board_account_filter_is_the_autocomplete_too(app, as_user, make_opportunity):
    make_opportunity(name="Grid board deal", account_name="华东电网")
    make_opportunity(name="Bank board deal", account_name="江南银行")
    client = as_user("leader")
    page = client.get("/board").get_data(as_text=True)
    assert 'list="f-account-options"' in page and "江南银行</option>" not in page
    board = client.get("/board?account_name=华东电网", headers=HX).get_data(as_text=True)
    assert "Grid board deal" in board and "Bank board deal" not in board
    unknown = client.get("/board?account_name=nobody", headers=HX).get_data(as_text=True)
    assert "Grid board deal" not in unknown and "Bank board deal" not in unknown


# --- the account list, a page at a time ------------------------------------------------------


def test_account_list_pages_by_grade_and_name_with_scoped_counts(app, as_user, make_opportunity):
    from html import unescape

    from portal.accounts.models import Account
    from portal.accounts.views import ACCOUNTS_PER_PAGE

    make_opportunity(owner="rep", account_name="A0 mine")
    make_opportunity(owner="rep2", presales=None, account_name="A0 mine")
    with app.app_context():
        for i in range(ACCOUNTS_PER_PAGE + 5):
            db.session.add(Account(name=f"Z{i:03d}", grade="C"))
        db.session.commit()
    client = as_user("rep")
    first = client.get("/accounts").get_data(as_text=True)
    rows = re.findall(
        r'<a href="/accounts/\d+">([^<]+)</a></td>(?:.|\n)*?<td class="num">(\d+)', first
    )
    assert rows[0] == ("A0 mine", "1")  # grade A first; only the rep's own deal counted
    assert len(rows) == ACCOUNTS_PER_PAGE
    next_url = unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    second = client.get(next_url).get_data(as_text=True)
    names = re.findall(r'<a href="/accounts/\d+">([^<]+)</a>', second)
    assert names == [f"Z{i:03d}" for i in range(ACCOUNTS_PER_PAGE - 1, ACCOUNTS_PER_PAGE + 5)]
    assert 'rel="next"' not in second and 'rel="first"' in second
