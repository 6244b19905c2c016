"""The negotiation coach on the sheet's round log: a running verdict per logged round."""

from __future__ import annotations

from tests.portal.test_negotiation import HX, _goal, _save


def _round(client, opportunity, number, offer, received=""):
    return client.post(
        f"/opportunities/{opportunity}/negotiation/rounds",
        headers=HX,
        data={
            "round-number": str(number),
            "round-their_ask": "900000",
            "round-our_offer": offer,
            "round-given": "discount",
            "round-received": received,
            "round-notes": "",
        },  # fmt: skip
    )


def test_two_rounds_breaking_the_rules_show_both_warnings(as_user, opportunity):
    rep = as_user("rep")
    _save(rep, opportunity)
    _goal(rep, opportunity, best="1200000", expected="1100000", walk="1000000")
    first = _round(rep, opportunity, 1, "1150000", received="two-year term")
    assert first.status_code == 200
    assert 'id="verdict-1"' in first.get_data(as_text=True)
    assert "within the rules" in first.get_data(as_text=True)
    # 50 k then 170 k, nothing received, and past the 1.0 M walk-away.
    page = _round(rep, opportunity, 2, "980000").get_data(as_text=True)
    verdict = page[page.index('id="verdict-2"') :].split("</td>")[0]
    assert "warning-growing_step" in verdict
    assert "warning-nothing_received" in verdict
    assert "warning-beyond_walk_away" in verdict
    assert "bigger than the previous one" in verdict


def test_round_verdicts_in_chinese(app, as_user, opportunity):
    rep = as_user("rep")
    rep.post("/language", data={"locale": "zh_CN"})
    _save(rep, opportunity)
    _goal(rep, opportunity)
    _round(rep, opportunity, 1, "1150000", received="")
    page = rep.get(f"/opportunities/{opportunity}/negotiation").get_data(as_text=True)
    assert "没有记录换回什么" in page


def test_delay_situation_asks_for_its_inputs_and_gives_the_advice(as_user, opportunity):
    from tests.portal.test_negotiation import SHEET

    rep = as_user("rep")
    data = {**SHEET, "sheet-version": "0", "sheet-situation": "delay"}
    missing = rep.post(f"/opportunities/{opportunity}/negotiation", data=data, headers=HX)
    assert missing.status_code == 422
    assert missing.get_data(as_text=True).count("The situation chosen asks for this.") == 2
    data.update({"sheet-delay_advantage": "Reference site goes live",
                 "sheet-delay_until": "2027-01-15"})  # fmt: skip
    saved = rep.post(f"/opportunities/{opportunity}/negotiation", data=data, headers=HX)
    assert saved.status_code == 200
    page = rep.get(f"/opportunities/{opportunity}/negotiation").get_data(as_text=True)
    assert 'id="situation-advice"' in page
    assert "Waiting for: Reference site goes live, by 2027-01-15" in page
