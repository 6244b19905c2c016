"""Everyday polish (issue 18): small things that slowed people down or looked unfinished."""

from __future__ import annotations

import re

import pytest

from tests.portal.test_drafts import _create, _sections, _url

HX = {"HX-Request": "true"}


# --- filters ----------------------------------------------------------------------------


def test_filter_options_never_carry_the_text_none(as_user, make_opportunity):
    """The "all" choices submit an empty value, so the pushed URL has no stage=None."""
    make_opportunity(name="Listed")
    html = as_user("rep").get("/opportunities").get_data(as_text=True)
    assert 'value="None"' not in html
    assert re.search(r'<option[^>]*value=""[^>]*>All stages</option>', html)
    assert re.search(r'<option[^>]*value=""[^>]*>All owners</option>', html)


# --- proposal sections ------------------------------------------------------------------


@pytest.fixture
def presales(as_user):
    return as_user("presales")


@pytest.fixture
def proposal(presales, opportunity):
    return _create(presales, opportunity)


def test_add_section_clears_the_title_and_updates_the_outline(app, presales, opportunity, proposal):
    response = presales.post(
        _url(opportunity, proposal, "/sections"),
        headers=HX,
        data={"new-section-kind": "custom", "new-section-title": "附录 Appendix"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    new_id = _sections(app, proposal)[-1][0]
    title_box = re.search(r'<input[^>]*id="new-section-title"[^>]*>', html).group(0)
    assert "附录" not in title_box  # a second click does not add the same section again
    outline = re.search(r'<nav[^>]*id="outline".*?</nav>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in outline
    assert f'href="#section-{new_id}"' in outline and "附录 Appendix" in outline
