"""Hostile input never ends in a 500, and a refused post writes nothing.

Every POST route of the URL map (except the ones that only delete, end a session or move
a workflow on) is posted with every field name any form of the portal knows, each filled
with a hostile value: NaN, sNaN, ±Infinity, 1E+999999999, 0.0000000001, NUL and other
control characters, over-long text, and Hypothesis-generated strings. The demo data set
gives every route a real object to act on. After any answer other than a success, the
data generation (portal/generation.py, bumped by every committed write) must not have
moved: nothing was written in part.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from portal.extensions import db

HOSTILE = [
    "NaN",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "1E+999999999",
    "1E-999999999",
    "0.0000000001",
    "99999999999999999999999999.999",
    "1e3",
    "-1",
    "0",
    "x\x00y",
    "\x00",
    "a\x07b\x1bc",
    "\ufffe",
    "x" * 300,
    "多" * 600,
    "a&" * 400,
    "<script>alert(1)</script>",
    "",
    " ",
    "2026-02-30",
    "9999999999999999999999",
]
PLAUSIBLE = ["1", "10", "2.5", "Test", "2026-12-31", "y", "solution", "core", "50", "3"]

# Only delete, log out, or push a workflow on: they take no typed input worth attacking,
# and running them would remove the objects every other route works on.
SKIPPED = re.compile(
    r"delete|remove|logout|change$|decide$|save_version|close$|reopen|copy$|desk_zip"
)

# Fields the raw-form views read besides the WTForms forms.
RAW_FIELDS = {
    "part",
    "description",
    "quantity",
    "unit_price",
    "unit_cost",
    "discount_pct",
    "version",
    "overwrite_version",
    "order",
    "direction",
    "position",
    "stage_id",
    "option_id",
    "section_id",
    "block_id",
    "request_token",
    "prefix",
    "model",
    "competitor_id",
}

# Parent of each URL argument (table, column linking it to the chosen opportunity/proposal).
ARGUMENTS = {
    "proposal_id": ("proposal", "opportunity_id", "opportunity_id"),
    "section_id": ("proposal_section", "proposal_id", "proposal_id"),
    "option_id": ("proposal_option", "proposal_id", "proposal_id"),
    "approval_id": ("proposal_approval", "proposal_id", "proposal_id"),
    "stakeholder_id": ("stakeholder", "opportunity_id", "opportunity_id"),
    "scenario_id": ("price_scenario", "opportunity_id", "opportunity_id"),
    "objection_id": ("objection", "opportunity_id", "opportunity_id"),
    "criterion_id": ("matrix_criterion", "opportunity_id", "opportunity_id"),
    "template_id": ("activity_template", None, None),
    "account_id": ("account", None, None),
    "user_id": ("user_account", None, None),
    "block_id": ("library_block", None, None),
    "response_id": ("playbook_response", None, None),
}


def _form_fields() -> set[str]:
    from flask_wtf import FlaskForm

    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        for name, _field in getattr(form, "_unbound_fields", None) or []:
            names.add(name)
        for name in dir(form):
            value = getattr(form, name, None)
            if hasattr(value, "field_class"):
                names.add(name)
    names.discard("csrf_token")
    return names | RAW_FIELDS


def _scalar(sql: str, **params):
    return db.session.execute(text(sql), params).scalar()


def _url_values(rule_args) -> dict:
    opportunity = _scalar(
        "SELECT p.opportunity_id FROM proposal p JOIN proposal_option o ON o.proposal_id = p.id "
        "JOIN proposal_line l ON l.option_id = o.id ORDER BY p.opportunity_id LIMIT 1"
    )
    proposal = _scalar(
        "SELECT p.id FROM proposal p JOIN proposal_option o ON o.proposal_id = p.id "
        "WHERE p.opportunity_id = :o ORDER BY p.id LIMIT 1",
        o=opportunity,
    )
    values = {"opportunity_id": opportunity}
    for arg in rule_args:
        if arg == "opportunity_id":
            continue
        if arg == "line_id":
            values[arg] = _scalar(
                "SELECT l.id FROM proposal_line l JOIN proposal_option o ON l.option_id = o.id "
                "WHERE o.proposal_id = :p ORDER BY l.id LIMIT 1",
                p=proposal,
            )
        elif arg in ARGUMENTS:
            table, column, parent = ARGUMENTS[arg]
            where = f"WHERE {column} = :x" if column else ""
            parent_value = proposal if parent == "proposal_id" else opportunity
            values[arg] = _scalar(
                f"SELECT id FROM {table} {where} ORDER BY id LIMIT 1",  # noqa: S608 (fixed names)
                x=parent_value,
            )
        if values.get(arg) is None:
            values[arg] = 1
    return values


@pytest.fixture
def hostile_setup(app, client):
    from portal.demo import DEMO_PASSWORD, load_demo_data
    from tests.conftest import login

    with app.app_context():
        load_demo_data()
        routes = []
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or SKIPPED.search(rule.endpoint):
                continue
            if rule.endpoint.startswith("auth."):
                continue
            routes.append(rule.build(_url_values(rule.arguments), append_unknown=False)[1])
    login(client, "admin", DEMO_PASSWORD)
    return sorted(routes), sorted(_form_fields())


def _generation(app) -> int:
    with app.app_context():
        return _scalar("SELECT value FROM data_generation WHERE id = 1") or 0


def _post(app, client, url, data):
    before = _generation(app)
    response = client.post(url, data=data, headers={"HX-Request": "true"})
    status = response.status_code
    assert status < 500, (url, {k: v[:40] for k, v in data.items()}, status)
    if status >= 400:
        assert _generation(app) == before, ("refused post wrote something", url, status)
    return status


# Every route gets each of these in every field; the rest come up in the Hypothesis mix.
EVERYWHERE = [
    "sNaN",
    "NaN",
    "-Infinity",
    "1E+999999999",
    "0.0000000001",
    "x\x00y",
    "a\x07b\x1bc",
    "x" * 300,
    "9999999999999999999999",
    "",
]


@pytest.mark.long
def test_every_form_answers_hostile_values_without_a_500(app, client, hostile_setup):
    routes, fields = hostile_setup
    assert len(routes) > 40
    for value in EVERYWHERE:
        for url in routes:
            _post(app, client, url, dict.fromkeys(fields, value))


# Hypothesis: mixes of plausible and hostile values, so validation gets past the first
# refusal and hostile values reach the later checks too. Bounded: 120 examples.
_value = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(PLAUSIBLE),
    st.text(max_size=30),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@pytest.mark.long
def test_hypothesis_mixed_hostile_posts(app, client, hostile_setup):
    routes, fields = hostile_setup

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(url=st.sampled_from(routes), values=st.fixed_dictionaries({f: _value for f in fields}))
    def check(url, values):
        _post(app, client, url, values)

    check()
