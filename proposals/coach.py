"""The negotiation coach: every logged round checked against the rules the concession plan
is held to (proposals.negotiation.concession_warnings), giving a running verdict per round.

Rules (article 004's negotiation techniques, article 001's concession discipline):
steps shrink, something is received for every concession, no large concession close to
the deadline, never past the walk-away. "Walk-away not below our BATNA" is a sheet-level
check owned by proposals.onebid (the bid's negotiation disagreements); it is not repeated
here. Money in the goal's unit (price: quote currency, Decimal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from proposals.negotiation import Goal

#: A round held this many days or fewer before the deadline (or after it) is "close to
#: the deadline".
NEAR_DEADLINE_DAYS = 7
#: A step is "large" when it gives up at least this share (0–1) of the room between our
#: best and our walk-away.
LARGE_STEP_SHARE = Decimal("0.25")


class RoundWarningCode(StrEnum):
    GROWING_STEP = "growing_step"
    NOTHING_RECEIVED = "nothing_received"
    LARGE_STEP_NEAR_DEADLINE = "large_step_near_deadline"
    BEYOND_WALK_AWAY = "beyond_walk_away"


ROUND_WARNINGS: dict[str, dict[str, str]] = {
    RoundWarningCode.GROWING_STEP: {
        "en": "This concession is bigger than the previous one: the buyer learns that pushing "
        "pays. Make each step smaller.",
        "zh_CN": "本轮让步比上一轮大：客户会认为继续施压有用。让步幅度应逐步缩小。",
    },
    RoundWarningCode.NOTHING_RECEIVED: {
        "en": "We conceded and recorded nothing received in return: trade every concession "
        "for something (if you …, then we …).",
        "zh_CN": "本轮做了让步却没有记录换回什么：每次让步都要有交换条件（如果你……，我们就……）。",
    },
    RoundWarningCode.LARGE_STEP_NEAR_DEADLINE: {
        "en": "A large concession this close to the deadline: time pressure is the buyer's "
        "lever; hold, or use a cooling-off period.",
        "zh_CN": "临近截止日期做了大幅让步：时间压力正是客户的筹码，应守住或利用冷静期。",
    },
    RoundWarningCode.BEYOND_WALK_AWAY: {
        "en": "Our offer is past the walk-away: stop and escalate before going on.",
        "zh_CN": "我方报价已越过底线：应停下并上报，再决定是否继续。",
    },
}


@dataclass(frozen=True)
class LoggedRound:
    """A round as logged: its number, the day it was held (None: not given), our offer in
    the goal's unit and what we received in return (free text, blank for nothing)."""

    number: int
    held_on: date | None
    our_offer: Decimal
    received: str = ""


@dataclass(frozen=True)
class RoundWarning:
    code: RoundWarningCode
    text: dict[str, str]


@dataclass(frozen=True)
class RoundVerdict:
    """Verdict on one round: ``step`` is how much we gave up since the previous round (or
    since our best, for the first), positive = a concession, 0 or negative = none;
    ``warnings`` in the fixed order of :class:`RoundWarningCode`."""

    number: int
    step: Decimal
    warnings: tuple[RoundWarning, ...]

    @property
    def ok(self) -> bool:
        return not self.warnings

    @property
    def codes(self) -> tuple[RoundWarningCode, ...]:
        return tuple(w.code for w in self.warnings)


def round_verdicts(
    goal: Goal,
    rounds: Sequence[LoggedRound],
    deadline: date | None,
    near_deadline_days: int = NEAR_DEADLINE_DAYS,
    large_step_share: Decimal = LARGE_STEP_SHARE,
) -> list[RoundVerdict]:
    """Check each round (in number order) against the plan's rules.

    * ``growing_step``: a concession strictly larger than the previous round's concession
      (only compared when both are concessions).
    * ``nothing_received``: a concession (step > 0) with nothing recorded as received.
    * ``large_step_near_deadline``: held ``near_deadline_days`` or fewer before
      ``deadline`` (or after it) with a step ≥ ``large_step_share`` × |best − walk-away|;
      never when the round has no date or there is no deadline.
    * ``beyond_walk_away``: the offer is strictly worse for us than the walk-away (exactly
      at the walk-away is allowed, as in the plan).

    The first round's step is measured from ``goal.best`` (where we opened). Direction
    follows ``goal.higher_is_better``.
    """
    room = abs(goal.best - goal.walk_away)
    large = room * large_step_share
    verdicts: list[RoundVerdict] = []
    previous_offer = goal.best
    previous_step: Decimal | None = None
    for rnd in sorted(rounds, key=lambda r: r.number):
        step = (
            previous_offer - rnd.our_offer
            if goal.higher_is_better
            else rnd.our_offer - previous_offer
        )
        found: list[RoundWarningCode] = []
        conceded = step > 0
        # Article 001/DOMAIN: concessions shrink, or the buyer keeps pushing.
        if conceded and previous_step is not None and previous_step > 0 and step > previous_step:
            found.append(RoundWarningCode.GROWING_STEP)
        # DOMAIN (concession plan): never a concession for nothing.
        if conceded and not rnd.received.strip():
            found.append(RoundWarningCode.NOTHING_RECEIVED)
        # Article 004 time techniques: no large concession before a deadline.
        if (
            conceded
            and deadline is not None
            and rnd.held_on is not None
            and (deadline - rnd.held_on).days <= near_deadline_days
            and room > 0
            and step >= large
        ):
            found.append(RoundWarningCode.LARGE_STEP_NEAR_DEADLINE)
        # The walk-away is the line we do not cross (article 001 preparation).
        if goal.is_better(goal.walk_away, rnd.our_offer):
            found.append(RoundWarningCode.BEYOND_WALK_AWAY)
        verdicts.append(
            RoundVerdict(rnd.number, step, tuple(RoundWarning(c, ROUND_WARNINGS[c]) for c in found))
        )
        previous_offer = rnd.our_offer
        previous_step = step
    return verdicts
