"""The negotiation coach on logged rounds (proposals.coach), each rule tied to its source."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from proposals.coach import LoggedRound, round_verdicts
from proposals.negotiation import Goal, Term

PRICE = Goal(Term.PRICE, best=D("10000000"), expected=D("9000000"), walk_away=D("8000000"),
             core=False, higher_is_better=True)  # fmt: skip
DEADLINE = date(2026, 12, 20)


def r(number, offer, received="", held_on=date(2026, 11, 1)):
    return LoggedRound(number, held_on, D(offer), received)


def test_the_issue_example_growing_step_with_nothing_received():
    # DOMAIN concession plan: shrinking steps, each traded for something (article 001).
    verdicts = round_verdicts(PRICE, [r(1, "9500000", "two-year term"), r(2, "8800000")], DEADLINE)
    assert verdicts[0].ok and verdicts[0].step == D("500000")
    assert verdicts[1].step == D("700000")
    assert verdicts[1].codes == ("growing_step", "nothing_received")


def test_shrinking_steps_with_something_received_are_fine():
    verdicts = round_verdicts(
        PRICE, [r(1, "9500000", "pilot site"), r(2, "9300000", "faster payment")], DEADLINE
    )
    assert all(v.ok for v in verdicts)


def test_holding_or_raising_the_offer_is_no_concession():
    verdicts = round_verdicts(PRICE, [r(1, "10000000"), r(2, "10100000")], DEADLINE)
    assert all(v.ok for v in verdicts)


def test_large_step_close_to_the_deadline():
    # Article 004 time techniques: avoid large concessions right before a deadline.
    near = date(2026, 12, 15)
    verdicts = round_verdicts(PRICE, [r(1, "9400000", "scope cut", held_on=near)], DEADLINE)
    assert verdicts[0].codes == ("large_step_near_deadline",)
    early = round_verdicts(PRICE, [r(1, "9400000", "scope cut")], DEADLINE)
    assert early[0].ok
    small = round_verdicts(PRICE, [r(1, "9800000", "scope cut", held_on=near)], DEADLINE)
    assert small[0].ok
    assert round_verdicts(PRICE, [r(1, "9400000", "x", held_on=near)], None)[0].ok


def test_beyond_the_walk_away_on_every_round_past_it():
    # Article 001 preparation: the walk-away is the line not crossed; exactly at it is allowed.
    verdicts = round_verdicts(
        PRICE, [r(1, "8000000", "x"), r(2, "7900000", "y"), r(3, "7900000")], DEADLINE
    )
    assert verdicts[0].ok
    assert "beyond_walk_away" in verdicts[1].codes
    assert verdicts[2].codes == ("beyond_walk_away",)


def test_lower_is_better_terms_follow_their_direction():
    days = Goal(Term.PAYMENT_TERMS, best=D(30), expected=D(60), walk_away=D(90), core=False,
                higher_is_better=False)  # fmt: skip
    verdicts = round_verdicts(days, [r(1, "45", "x"), r(2, "75")], DEADLINE)
    assert verdicts[1].step == D(30)
    assert verdicts[1].codes == ("growing_step", "nothing_received")


def test_each_situation_asks_its_own_inputs():
    from proposals.negotiation import situation_input_problems

    # Article 001 F: 拖 is our delay while our advantage builds: what, and by when.
    assert situation_input_problems("delay", {}) == ("delay_advantage", "delay_until")
    assert (
        situation_input_problems(
            "delay", {"delay_advantage": "reference site live", "delay_until": date(2027, 1, 5)}
        )
        == ()
    )
    # Article 001 E: 破 brings in a new negotiating force.
    assert situation_input_problems("deadlock", {"new_force": "  "}) == ("new_force",)
    # Article 001 A: 单赢 holds only when no rival can meet the need.
    assert situation_input_problems("win_lose", {}) == ("no_rival_evidence",)
    assert situation_input_problems("win_win", {}) == ()
    assert situation_input_problems(None, {}) == ()


def test_situation_texts_follow_the_article():
    from proposals.negotiation import SITUATIONS
    from proposals.negotiation import NegotiationSituation as S

    # 拖 is our tactic, 破 brings a new force, 单赢 needs no qualifying rival, 双赢 lets the
    # customer feel it won a little more (article 001 A–F).
    assert "advantage" in SITUATIONS[S.DELAY].description_en
    assert "优势积累" in SITUATIONS[S.DELAY].description_zh
    assert "new negotiating force" in SITUATIONS[S.DEADLOCK].description_en
    assert "no rival" in SITUATIONS[S.WIN_LOSE].description_en
    assert "a little more" in SITUATIONS[S.WIN_WIN].advice_en
    assert all(info.advice_en and info.advice_zh for info in SITUATIONS.values())
