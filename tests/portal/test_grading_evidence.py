"""Grading from evidence on the workspace; A-grade bids without presales on the desk."""

from __future__ import annotations

HX = {"HX-Request": "true"}


def test_qualification_inputs_give_a_suggested_grade_with_the_drag(as_user, opportunity):
    client = as_user("rep")
    url = f"/opportunities/{opportunity}/qualification"
    bad = client.post(url, data={"version": 0, "funding": "9"}, headers=HX)
    assert bad.status_code == 422
    ratings = {"project_level": "5", "funding": "1", "technical_fit": "4",
               "relationship": "3", "creditworthiness": "5", "competition": ""}  # fmt: skip
    page = client.post(url, data={"version": 0, **ratings}, headers=HX).get_data(as_text=True)
    assert 'id="evidence-grade"' in page
    assert "Weakest qualification input: Funding." in page
    assert "Dragging it down:" in page
    stale = client.post(url, data={"version": 0, **ratings}, headers=HX)
    assert stale.status_code == 409


def test_a_grade_bid_without_presales_is_flagged_on_the_desk(as_user, make_opportunity):
    flagged = make_opportunity(presales=None, name="No presales")
    staffed = make_opportunity(name="Staffed")
    desk = as_user("rep").get("/desk").get_data(as_text=True)
    assert f'id="a-no-presales-{flagged}"' in desk
    assert f'id="a-no-presales-{staffed}"' not in desk
