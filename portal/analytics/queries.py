"""The aggregate queries behind the analytics and calibration pages.

Every figure is one GROUP BY over the filtered closed bids (or stage moves), so a page
costs the same number of queries whatever the number of opportunities. Medians are
computed by PostgreSQL (percentile_cont); SQLite, which lacks it, hands the few values of
a small installation back and proposals.calibration.median takes them.

Win rate is won / (won + lost): abandoned bids and bids without a decision are counted as
closed but are not a verdict on our offer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import Date, and_, case, cast, distinct, exists, func, literal, or_, select

from portal.accounts.models import Account
from portal.analytics.models import OutcomeQuote
from portal.auth.models import User
from portal.deals.models import Opportunity, Stage, StageModel, Stakeholder, TeamMember
from portal.extensions import db
from portal.negotiation.models import NegotiationRoundLog, PlannedConcession
from portal.outcomes.models import BidOutcome, OutcomeBidder
from portal.security import opportunity_scope
from portal.seed import DEFAULT_STAGE_MODEL
from portal.timeutil import today
from portal.workspace.models import Competitor, StageMove
from proposals import calibration

PERIODS = {"3m": 91, "6m": 183, "12m": 365, "24m": 730, "all": None}
DEFAULT_PERIOD = "24m"
DIMENSIONS = ("form", "method", "grade", "industry", "rival")
SLICES = DIMENSIONS + ("result", "reached", "stage", "all")
RESULTS = ("won", "lost", "abandoned", "no_decision")


@dataclass(frozen=True)
class Filters:
    """The page's query string, cleaned: unknown values fall back to the defaults so an
    old bookmark still opens."""

    period: str = DEFAULT_PERIOD
    team: int | None = None  # a user: opportunities they own, are presales on, or team on
    account: int | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        period = args.get("period") if args.get("period") in PERIODS else DEFAULT_PERIOD
        return cls(period=period, team=_whole(args.get("team")), account=_whole(args.get("account")))

    def since(self) -> date | None:
        days = PERIODS[self.period]
        return today() - timedelta(days=days) if days else None

    def args(self) -> dict:
        out = {"period": self.period}
        if self.team:
            out["team"] = self.team
        if self.account:
            out["account"] = self.account
        return out


def _whole(raw) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 1 <= value <= 2**31 - 1 else None


@dataclass(frozen=True)
class Slice:
    """The opportunities behind one figure: a dimension and its key, optionally narrowed
    to one result. ``Slice("form", "inquiry", "won")`` = inquiries we won."""

    dim: str = "all"
    key: str = ""
    result: str | None = None

    @classmethod
    def from_args(cls, args) -> Slice:
        dim = args.get("dim") if args.get("dim") in SLICES else "all"
        result = args.get("result") if args.get("result") in RESULTS else None
        return cls(dim, (args.get("key") or "")[:200], result)

    def args(self) -> dict:
        out = {"dim": self.dim}
        if self.key:
            out["key"] = self.key
        if self.result:
            out["result"] = self.result
        return out


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _days(later, earlier_moment):
    """Whole days from a timestamp (or date) to a date/timestamp, both dialects."""
    if _is_postgres():
        return func.extract("epoch", later - earlier_moment) / 86400.0
    return func.julianday(later) - func.julianday(earlier_moment)


def _date_days(later_date, earlier_timestamp):
    if _is_postgres():
        return later_date - cast(earlier_timestamp, Date)
    return func.julianday(later_date) - func.julianday(func.date(earlier_timestamp))


def _opportunity_conditions(user, filters: Filters) -> list:
    conditions = [opportunity_scope(user)]
    if filters.account:
        conditions.append(Opportunity.account_id == filters.account)
    if filters.team:
        conditions.append(
            or_(
                Opportunity.owner_id == filters.team,
                Opportunity.presales_id == filters.team,
                exists().where(
                    TeamMember.opportunity_id == Opportunity.id,
                    TeamMember.user_id == filters.team,
                ),
            )
        )
    return conditions


def _closed_conditions(user, filters: Filters) -> list:
    conditions = _opportunity_conditions(user, filters)
    since = filters.since()
    if since is not None:
        conditions.append(BidOutcome.closed_on >= since)
    return conditions


WON = case((BidOutcome.result == "won", 1), else_=0)
DECIDED = case((BidOutcome.result.in_(("won", "lost")), 1), else_=0)


@dataclass
class RateRow:
    key: str
    label: str
    closed: int
    decided: int
    won: int

    @property
    def rate(self) -> float | None:
        return calibration.rate(self.won, self.decided)

    @property
    def interval(self) -> tuple[float, float] | None:
        return calibration.wilson_interval(self.won, self.decided)


_DIM_COLUMNS = {
    "form": Opportunity.procurement_form,
    "method": func.coalesce(BidOutcome.scoring_method, ""),
    "grade": Account.grade,
    "industry": Account.industry,
}


def win_rates(user, filters: Filters, dim: str) -> list[RateRow]:
    """Closed, decided and won bids per value of ``dim`` (one query)."""
    counts = (func.count(), func.sum(DECIDED), func.sum(WON))
    if dim == "rival":
        stmt = (
            select(Competitor.id, Competitor.name, *counts)
            .select_from(OutcomeBidder)
            .join(BidOutcome, BidOutcome.id == OutcomeBidder.outcome_id)
            .join(Competitor, Competitor.id == OutcomeBidder.competitor_id)
            .join(Opportunity, Opportunity.id == BidOutcome.opportunity_id)
            .where(OutcomeBidder.is_us.is_(False), *_closed_conditions(user, filters))
            .group_by(Competitor.id, Competitor.name)
        )
        rows = [RateRow(str(k), name, c, d or 0, w or 0) for k, name, c, d, w in db.session.execute(stmt)]
    else:
        column = _DIM_COLUMNS[dim]
        stmt = (
            select(column, *counts)
            .select_from(BidOutcome)
            .join(Opportunity, Opportunity.id == BidOutcome.opportunity_id)
            .join(Account, Account.id == Opportunity.account_id)
            .where(*_closed_conditions(user, filters))
            .group_by(column)
        )
        rows = [RateRow(k or "", k or "", c, d or 0, w or 0) for k, c, d, w in db.session.execute(stmt)]
    rows.sort(key=lambda r: (-r.decided, r.label))
    return rows


@dataclass
class StageRow:
    position: int
    name_en: str
    name_zh: str
    reached: int = 0
    won: int = 0
    next_reached: int | None = None
    median_days: float | None = None
    stays: int = 0

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en

    @property
    def conversion(self) -> float | None:
        if self.next_reached is None:
            return None
        return calibration.rate(self.next_reached, self.reached)

    @property
    def win_share(self) -> float | None:
        return calibration.rate(self.won, self.reached)


def _furthest_position():
    """The furthest default-model stage each opportunity reached: its current stage or the
    furthest stage a recorded move took it to, whichever is later."""
    moved = (
        select(StageMove.opportunity_id.label("oid"), func.max(Stage.position).label("pos"))
        .join(Stage, Stage.id == StageMove.to_stage_id)
        .group_by(StageMove.opportunity_id)
        .subquery()
    )
    current = Stage.position
    furthest = case(
        (and_(moved.c.pos.is_not(None), moved.c.pos > current), moved.c.pos), else_=current
    )
    return moved, furthest


def _pipeline_conditions(user, filters: Filters) -> list:
    conditions = _opportunity_conditions(user, filters)
    since = filters.since()
    if since is not None:
        conditions.append(Opportunity.created_at >= since)
    return conditions


def pipeline(user, filters: Filters) -> list[StageRow]:
    """Per stage of the default model: opportunities (created in the period) that reached
    it, how many of those went on to the next stage and were won, and the median days an
    opportunity stayed in it before moving on (two queries, plus one on SQLite)."""
    stages = db.session.execute(
        select(Stage.position, Stage.name_en, Stage.name_zh)
        .join(StageModel)
        .where(StageModel.key == DEFAULT_STAGE_MODEL.key)
        .order_by(Stage.position)
    ).all()
    rows = [StageRow(p, en, zh) for p, en, zh in stages]
    if not rows:
        return rows
    moved, furthest = _furthest_position()
    won = case((Opportunity.status == "won", 1), else_=0)
    stmt = (
        select(furthest.label("furthest"), func.count(), func.sum(won))
        .select_from(Opportunity)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .join(StageModel, StageModel.id == Stage.model_id)
        .outerjoin(moved, moved.c.oid == Opportunity.id)
        .where(StageModel.key == DEFAULT_STAGE_MODEL.key, *_pipeline_conditions(user, filters))
        .group_by(furthest)
    )
    by_furthest = {pos: (n, w or 0) for pos, n, w in db.session.execute(stmt)}
    for row in rows:
        for pos, (n, w) in by_furthest.items():
            if pos >= row.position:
                row.reached += n
                row.won += w
    for row, following in zip(rows, rows[1:], strict=False):
        row.next_reached = following.reached
    medians = _median_days_in_stage(user, filters)
    for row in rows:
        row.median_days, row.stays = medians.get(row.position, (None, 0))
    return rows


def _median_days_in_stage(user, filters: Filters) -> dict[int, tuple[float | None, int]]:
    """Each stage move ends a stay in its from-stage that began at the previous move (or
    when the opportunity was created)."""
    previous = func.lag(StageMove.moved_at).over(
        partition_by=StageMove.opportunity_id, order_by=(StageMove.moved_at, StageMove.id)
    )
    stays = (
        select(
            StageMove.from_stage_id.label("stage_id"),
            StageMove.moved_at.label("moved_at"),
            _days(StageMove.moved_at, func.coalesce(previous, Opportunity.created_at)).label(
                "days"
            ),
        )
        .join(Opportunity, Opportunity.id == StageMove.opportunity_id)
        .where(*_opportunity_conditions(user, filters))
        .subquery()
    )
    conditions = [StageModel.key == DEFAULT_STAGE_MODEL.key]
    since = filters.since()
    if since is not None:
        conditions.append(stays.c.moved_at >= since)
    base = (
        select(Stage.position, stays.c.days)
        .select_from(stays)
        .join(Stage, Stage.id == stays.c.stage_id)
        .join(StageModel, StageModel.id == Stage.model_id)
        .where(*conditions)
    )
    return _medians(base, Stage.position, stays.c.days)


def _medians(base, key, value) -> dict:
    """{key: (median, count)} of ``value`` grouped by ``key`` over the statement ``base``
    (which selects key, value)."""
    if _is_postgres():
        sub = base.subquery()
        k, v = sub.c[0], sub.c[1]
        stmt = select(
            k, func.percentile_cont(0.5).within_group(v.asc()), func.count()
        ).group_by(k)
        return {key_: (float(m) if m is not None else None, n) for key_, m, n in db.session.execute(stmt)}
    values: dict = defaultdict(list)
    for key_, days in db.session.execute(base):
        if days is not None:
            values[key_].append(float(days))
    return {k: (calibration.median(v), len(v)) for k, v in values.items()}


@dataclass
class ResultRow:
    """Figures of the won bids beside the lost ones."""

    result: str
    count: int = 0
    median_days: float | None = None
    mean_days: float | None = None
    supported_roles: float | None = None  # mean MAP roles with a supporter, 0–3
    with_coach: float | None = None  # share 0–1
    quotes: int = 0
    discount_pct: float | None = None  # mean, 0–100
    margin_pct: float | None = None
    sheets: int = 0
    planned_pct: float | None = None  # mean planned discount points, 0-100
    conceded_pct: float | None = None  # mean first-to-last offer drop, % of the first
    extra: dict = field(default_factory=dict)

    @property
    def coverage_share(self) -> float | None:
        return self.supported_roles / 3 if self.supported_roles is not None else None


def by_result(user, filters: Filters) -> dict[str, ResultRow]:
    """Cycle length, decision-maker coverage, discount and margin, concessions for the
    won and the lost bids (four aggregate queries, plus one on SQLite)."""
    out = {r: ResultRow(r) for r in ("won", "lost")}
    closed = _closed_conditions(user, filters)
    decided = BidOutcome.result.in_(("won", "lost"))

    def base(*columns):
        return (
            select(BidOutcome.result, *columns)
            .select_from(BidOutcome)
            .join(Opportunity, Opportunity.id == BidOutcome.opportunity_id)
            .where(decided, *closed)
        )

    days = _date_days(BidOutcome.closed_on, Opportunity.created_at)
    for result, count, mean in db.session.execute(
        base(func.count(), func.avg(days)).group_by(BidOutcome.result)
    ):
        out[result].count = count
        out[result].mean_days = float(mean) if mean is not None else None
    for result, (median, _n) in _medians(base(days), BidOutcome.result, days).items():
        out[result].median_days = median

    # The desk's chain roll-up (proposals.coverage.chain_rollup): MAP roles with a
    # supporter, and a coach who is not an opponent. Stakeholders stay on a closed
    # opportunity, so this is the chain as it stood at close.
    chain = (
        select(
            Stakeholder.opportunity_id.label("oid"),
            func.count(
                distinct(case((Stakeholder.attitude == "supporter", Stakeholder.map_role)))
            ).label("roles"),
            func.max(
                case(
                    (
                        and_(Stakeholder.buying_role == "coach", Stakeholder.attitude != "opponent"),
                        1,
                    ),
                    else_=0,
                )
            ).label("coach"),
        )
        .group_by(Stakeholder.opportunity_id)
        .subquery()
    )
    for result, roles, coach in db.session.execute(
        base(func.avg(func.coalesce(chain.c.roles, 0) * 1.0), func.avg(func.coalesce(chain.c.coach, 0) * 1.0))
        .outerjoin(chain, chain.c.oid == Opportunity.id)
        .group_by(BidOutcome.result)
    ):
        out[result].supported_roles = float(roles) if roles is not None else None
        out[result].with_coach = float(coach) if coach is not None else None

    for result, n, discount, margin in db.session.execute(
        base(func.count(), func.avg(OutcomeQuote.discount_pct), func.avg(OutcomeQuote.margin_pct))
        .join(OutcomeQuote, OutcomeQuote.opportunity_id == Opportunity.id)
        .group_by(BidOutcome.result)
    ):
        out[result].quotes = n
        out[result].discount_pct = float(discount) if discount is not None else None
        out[result].margin_pct = float(margin) if margin is not None else None

    # Price concessions in percent: planned = the discount points of the sheet's plan
    # (other kinds are days or years, not comparable); conceded = how far our last offer at
    # the table sits below our first, in percent of the first.
    planned = (
        select(
            PlannedConcession.opportunity_id.label("oid"),
            func.sum(PlannedConcession.amount).label("planned"),
        )
        .where(PlannedConcession.kind == "discount_pct")
        .group_by(PlannedConcession.opportunity_id)
        .subquery()
    )
    span = (
        select(
            NegotiationRoundLog.opportunity_id.label("oid"),
            func.min(NegotiationRoundLog.number).label("first"),
            func.max(NegotiationRoundLog.number).label("last"),
        )
        .group_by(NegotiationRoundLog.opportunity_id)
        .subquery()
    )
    first = NegotiationRoundLog.__table__.alias("first_round")
    last = NegotiationRoundLog.__table__.alias("last_round")
    conceded = (first.c.our_offer - last.c.our_offer) * 100.0 / func.nullif(first.c.our_offer, 0)
    for result, n, plan, given in db.session.execute(
        base(func.count(), func.avg(planned.c.planned), func.avg(conceded))
        .outerjoin(planned, planned.c.oid == Opportunity.id)
        .outerjoin(span, span.c.oid == Opportunity.id)
        .outerjoin(first, and_(first.c.opportunity_id == span.c.oid, first.c.number == span.c.first))
        .outerjoin(last, and_(last.c.opportunity_id == span.c.oid, last.c.number == span.c.last))
        .where(or_(planned.c.planned.is_not(None), span.c.oid.is_not(None)))
        .group_by(BidOutcome.result)
    ):
        out[result].sheets = n
        out[result].planned_pct = float(plan) if plan is not None else None
        out[result].conceded_pct = float(given) if given is not None else None
    return out


# --- drill-down --------------------------------------------------------------------------


def slice_conditions(user, filters: Filters, piece: Slice) -> tuple[list, bool]:
    """Conditions selecting the opportunities behind a figure, and whether they are closed
    bids (joined to their outcome) or pipeline opportunities."""
    if piece.dim in ("reached", "stage"):
        conditions = (
            _pipeline_conditions(user, filters)
            if piece.dim == "reached"
            else _opportunity_conditions(user, filters)
        )
        try:
            position = int(piece.key)
        except ValueError:
            position = -1
        if piece.dim == "reached":
            moved = select(func.max(Stage.position)).join(
                Stage, Stage.id == StageMove.to_stage_id
            ).where(StageMove.opportunity_id == Opportunity.id).scalar_subquery()
            current = (
                select(Stage.position).where(Stage.id == Opportunity.stage_id).scalar_subquery()
            )
            conditions.append(or_(current >= position, moved >= position))
        else:  # moved out of this stage in the period
            since = filters.since()
            conditions.append(
                exists().where(
                    StageMove.opportunity_id == Opportunity.id,
                    StageMove.from_stage_id == Stage.id,
                    Stage.position == position,
                    *([StageMove.moved_at >= since] if since else []),
                )
            )
        conditions.append(
            Opportunity.stage_id.in_(
                select(Stage.id).join(StageModel).where(StageModel.key == DEFAULT_STAGE_MODEL.key)
            )
        )
        if piece.result:
            conditions.append(Opportunity.status == piece.result)
        return conditions, False
    conditions = _closed_conditions(user, filters)
    if piece.result:
        conditions.append(BidOutcome.result == piece.result)
    if piece.dim in _DIM_COLUMNS:
        conditions.append(_DIM_COLUMNS[piece.dim] == piece.key)
    elif piece.dim == "rival":
        conditions.append(
            exists().where(
                OutcomeBidder.outcome_id == BidOutcome.id,
                OutcomeBidder.is_us.is_(False),
                OutcomeBidder.competitor_id == (_whole(piece.key) or -1),
            )
        )
    elif piece.dim == "result" and piece.key in RESULTS:
        conditions.append(BidOutcome.result == piece.key)
    return conditions, True


@dataclass(frozen=True)
class DrillRow:
    id: int
    name: str
    account: str
    owner: str
    status: str
    result: str | None
    closed_on: date | None


def drill_down(user, filters: Filters, piece: Slice, page: int, per_page: int = 50):
    """One page of the opportunities behind a figure, with the total (one query)."""
    conditions, closed = slice_conditions(user, filters, piece)
    stmt = (
        select(
            Opportunity.id,
            Opportunity.name,
            Account.name,
            User.display_name,
            Opportunity.status,
            BidOutcome.result if closed else literal(None),
            BidOutcome.closed_on if closed else literal(None),
            func.count().over(),
        )
        .select_from(Opportunity)
        .join(Account, Account.id == Opportunity.account_id)
        .join(User, User.id == Opportunity.owner_id)
    )
    if closed:
        stmt = stmt.join(BidOutcome, BidOutcome.opportunity_id == Opportunity.id).order_by(
            BidOutcome.closed_on.desc(), Opportunity.id.desc()
        )
    else:
        stmt = stmt.order_by(Opportunity.id.desc())
    rows = db.session.execute(
        stmt.where(*conditions).limit(per_page).offset((page - 1) * per_page)
    ).all()
    total = rows[0][-1] if rows else 0
    return [DrillRow(*row[:-1]) for row in rows], total


def with_result(piece: Slice, result: str | None) -> Slice:
    return replace(piece, result=result)


# --- calibration -------------------------------------------------------------------------


@dataclass
class Calibration:
    """The official scenario's P(win) at the submitted price (snapshot at close) against
    what happened, and the rivals' 80 % price bands against their real prices."""

    pairs: list[tuple[float, bool]]
    per_rep: list[tuple[int, str, int, float | None]]  # user id, name, bids, Brier score
    buckets: list[calibration.Bucket]
    brier: float | None
    rivals: list[tuple[int, str, calibration.BandHits]]
    rival_total: calibration.BandHits


def calibration_figures(user, filters: Filters) -> Calibration:
    """Two queries: the decided bids with a P(win) snapshot, the rival bids with a band.
    Reps see only their own bids (the scope of their role)."""
    rows = db.session.execute(
        select(BidOutcome.predicted_p_win, BidOutcome.result, User.id, User.display_name)
        .join(Opportunity, Opportunity.id == BidOutcome.opportunity_id)
        .join(User, User.id == Opportunity.owner_id)
        .where(
            BidOutcome.result.in_(("won", "lost")),
            BidOutcome.predicted_p_win.is_not(None),
            *_closed_conditions(user, filters),
        )
    ).all()
    pairs = [(float(p), result == "won") for p, result, _u, _n in rows]
    by_rep: dict[tuple[int, str], list] = defaultdict(list)
    for p, result, uid, name in rows:
        by_rep[(uid, name)].append((float(p), result == "won"))
    per_rep = sorted(
        ((uid, name, len(v), calibration.brier_score(v)) for (uid, name), v in by_rep.items()),
        key=lambda r: (r[1], r[0]),
    )
    bands: dict[tuple[int, str], list] = defaultdict(list)
    for cid, name, price, p10, p90 in db.session.execute(
        select(
            Competitor.id,
            Competitor.name,
            OutcomeBidder.price,
            OutcomeBidder.predicted_p10,
            OutcomeBidder.predicted_p90,
        )
        .join(BidOutcome, BidOutcome.id == OutcomeBidder.outcome_id)
        .join(Opportunity, Opportunity.id == BidOutcome.opportunity_id)
        .join(Competitor, Competitor.id == OutcomeBidder.competitor_id)
        .where(
            OutcomeBidder.is_us.is_(False),
            OutcomeBidder.price.is_not(None),
            OutcomeBidder.predicted_p10.is_not(None),
            OutcomeBidder.predicted_p90.is_not(None),
            *_closed_conditions(user, filters),
        )
    ):
        bands[(cid, name)].append((float(price), float(p10), float(p90)))
    rivals = sorted(
        ((cid, name, calibration.band_hits(v)) for (cid, name), v in bands.items()),
        key=lambda r: (-r[2].count, r[1]),
    )
    return Calibration(
        pairs,
        per_rep,
        calibration.reliability_buckets(pairs),
        calibration.brier_score(pairs),
        rivals,
        calibration.band_hits(t for v in bands.values() for t in v),
    )
