"""The aggregate queries behind the analytics and calibration pages.

Every figure is one GROUP BY over narrow rows written when things happen (a closed bid's
row when its outcome is recorded, a stay in a stage with each stage move:
portal/analytics/models.py), so a page costs the same few queries whatever the number of
opportunities. Medians of whole days come from a grouped count (value, how many), the
same on SQLite and PostgreSQL.

Win rate is won / (won + lost): abandoned bids and bids without a decision are counted as
closed but are not a verdict on our offer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal as D

from sqlalchemy import and_, case, exists, func, literal, or_, select, tuple_

from portal.accounts.models import Account
from portal.analytics.models import ClosedBid, StageStay
from portal.auth.models import User
from portal.deals.models import Opportunity, Stage, StageModel, TeamMember
from portal.extensions import db
from portal.outcomes.models import BidOutcome, OutcomeBidder
from portal.security import SEE_ALL_ROLES, opportunity_scope
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
    # The account as typed (a company may have thousands: no drop-down of them all).
    account_name: str = ""
    account_unknown: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the query string; a typed account name is looked up (exact name first,
        then the first name starting with it) and replaces the account id."""
        period = args.get("period") if args.get("period") in PERIODS else DEFAULT_PERIOD
        filters = cls(
            period=period, team=_whole(args.get("team")), account=_whole(args.get("account"))
        )
        typed = (args.get("account_name") or "").strip()[:200]
        if "account_name" in args and not typed:
            return replace(filters, account=None)
        if typed:
            found = _account_named(typed)
            # An unknown name selects nothing (the page says so next to the field).
            return replace(
                filters,
                account=found if found is not None else -1,
                account_name=typed,
                account_unknown=found is None,
            )
        if filters.account:
            name = db.session.scalar(select(Account.name).where(Account.id == filters.account))
            return replace(filters, account_name=name or "")
        return filters

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


def _account_named(typed: str) -> int | None:
    exact = db.session.scalar(select(Account.id).where(Account.name == typed))
    if exact is not None:
        return exact
    pattern = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.session.scalar(
        select(Account.id)
        .where(Account.name.ilike(pattern, escape="\\"))
        .order_by(Account.name)
        .limit(1)
    )


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
    """Conditions on outcomes joined to their opportunity (the calibration page)."""
    conditions = _opportunity_conditions(user, filters)
    since = filters.since()
    if since is not None:
        conditions.append(BidOutcome.closed_on >= since)
    return conditions


def _bid_conditions(user, filters: Filters) -> list:
    """Conditions on the closed-bid rows (portal.analytics.models.ClosedBid) for the
    filters and what ``user`` may see; leaders and admins see all, without a join."""
    conditions = []
    if user.role not in SEE_ALL_ROLES:
        conditions.append(
            ClosedBid.opportunity_id.in_(select(Opportunity.id).where(opportunity_scope(user)))
        )
    since = filters.since()
    if since is not None:
        conditions.append(ClosedBid.closed_on >= since)
    if filters.account:
        conditions.append(ClosedBid.account_id == filters.account)
    if filters.team:
        conditions.append(
            or_(
                ClosedBid.owner_id == filters.team,
                ClosedBid.presales_id == filters.team,
                ClosedBid.opportunity_id.in_(
                    select(TeamMember.opportunity_id).where(TeamMember.user_id == filters.team)
                ),
            )
        )
    return conditions


WON = case((ClosedBid.result == "won", 1), else_=0)
DECIDED = case((ClosedBid.result.in_(("won", "lost")), 1), else_=0)


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
    "form": ClosedBid.procurement_form,
    "method": func.coalesce(ClosedBid.scoring_method, ""),
    "grade": ClosedBid.grade,
    "industry": ClosedBid.industry,
}


def win_rates(user, filters: Filters, dim: str) -> list[RateRow]:
    """Closed, decided and won bids per value of ``dim`` (one query)."""
    counts = (func.count(), func.sum(DECIDED), func.sum(WON))
    if dim == "rival":
        stmt = (
            select(Competitor.id, Competitor.name, *counts)
            .select_from(OutcomeBidder)
            .join(ClosedBid, ClosedBid.outcome_id == OutcomeBidder.outcome_id)
            .join(Competitor, Competitor.id == OutcomeBidder.competitor_id)
            .where(OutcomeBidder.is_us.is_(False), *_bid_conditions(user, filters))
            .group_by(Competitor.id, Competitor.name)
        )
        rows = [
            RateRow(str(k), name, c, d or 0, w or 0)
            for k, name, c, d, w in db.session.execute(stmt)
        ]
    else:
        column = _DIM_COLUMNS[dim]
        stmt = select(column, *counts).where(*_bid_conditions(user, filters)).group_by(column)
        rows = [
            RateRow(k or "", k or "", c, d or 0, w or 0) for k, c, d, w in db.session.execute(stmt)
        ]
    rows.sort(key=lambda r: (-r.decided, r.label))
    return rows


def all_win_rates(user, filters: Filters) -> dict[str, list[RateRow]]:
    """win_rates for every dimension. PostgreSQL reads the closed bids once for the four
    column dimensions (GROUPING SETS); SQLite asks once per dimension."""
    if db.engine.dialect.name != "postgresql":
        return {dim: win_rates(user, filters, dim) for dim in DIMENSIONS}
    columns = [_DIM_COLUMNS[dim] for dim in DIMENSIONS if dim in _DIM_COLUMNS]
    stmt = (
        select(
            *columns,
            *(func.grouping(c) for c in columns),
            func.count(),
            func.sum(DECIDED),
            func.sum(WON),
        )
        .where(*_bid_conditions(user, filters))
        .group_by(func.grouping_sets(*(tuple_(c) for c in columns)))
    )
    dims = [dim for dim in DIMENSIONS if dim in _DIM_COLUMNS]
    out: dict[str, list[RateRow]] = {dim: [] for dim in dims}
    width = len(columns)
    for row in db.session.execute(stmt):
        keys, grouped, (c, d, w) = row[:width], row[width : 2 * width], row[2 * width :]
        index = list(grouped).index(0)  # the one column this row is grouped by
        key = keys[index] or ""
        out[dims[index]].append(RateRow(key, key, c, d or 0, w or 0))
    for rows in out.values():
        rows.sort(key=lambda r: (-r.decided, r.label))
    out["rival"] = win_rates(user, filters, "rival")
    return out


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


def _pipeline_conditions(user, filters: Filters) -> list:
    conditions = _opportunity_conditions(user, filters)
    since = filters.since()
    if since is not None:
        conditions.append(Opportunity.created_at >= since)
    return conditions


def pipeline(user, filters: Filters) -> list[StageRow]:
    """Per stage of the default model: opportunities (created in the period) that reached
    it, how many of those went on to the next stage and were won, and the median days an
    opportunity stayed in it before moving on (three queries, plus one on SQLite).

    An opportunity reached every stage up to the one it stands in (or closed in): stages
    are worked in order, and a stage it was moved back from does not count as reached."""
    stages = db.session.execute(
        select(Stage.position, Stage.name_en, Stage.name_zh)
        .join(StageModel)
        .where(StageModel.key == DEFAULT_STAGE_MODEL.key)
        .order_by(Stage.position)
    ).all()
    rows = [StageRow(p, en, zh) for p, en, zh in stages]
    if not rows:
        return rows
    won = case((Opportunity.status == "won", 1), else_=0)
    stmt = (
        select(Stage.position, func.count(), func.sum(won))
        .select_from(Opportunity)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .join(StageModel, StageModel.id == Stage.model_id)
        .where(StageModel.key == DEFAULT_STAGE_MODEL.key, *_pipeline_conditions(user, filters))
        .group_by(Stage.position)
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
    """{stage position: (median whole days, stays)} of the stays that ended in the period
    (portal.analytics.models.StageStay, one row per stage move): one grouped count, the
    median read from it."""
    conditions = [StageModel.key == DEFAULT_STAGE_MODEL.key]
    if user.role not in SEE_ALL_ROLES:
        conditions.append(
            StageStay.opportunity_id.in_(select(Opportunity.id).where(opportunity_scope(user)))
        )
    since = filters.since()
    if since is not None:
        conditions.append(StageStay.left_at >= since)
    if filters.account:
        conditions.append(StageStay.account_id == filters.account)
    if filters.team:
        conditions.append(
            or_(
                StageStay.owner_id == filters.team,
                StageStay.presales_id == filters.team,
                StageStay.opportunity_id.in_(
                    select(TeamMember.opportunity_id).where(TeamMember.user_id == filters.team)
                ),
            )
        )
    stmt = (
        select(Stage.position, StageStay.days, func.count())
        .join(Stage, Stage.id == StageStay.stage_id)
        .join(StageModel, StageModel.id == Stage.model_id)
        .where(*conditions)
        .group_by(Stage.position, StageStay.days)
    )
    return _histogram_medians(db.session.execute(stmt))


def _histogram_medians(rows) -> dict:
    """{key: (median, count)} from (key, value, count) rows."""
    counts: dict = defaultdict(dict)
    for key, value, n in rows:
        counts[key][value] = n
    return {
        key: (calibration.median_of_counts(values), sum(values.values()))
        for key, values in counts.items()
    }


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
    """Cycle length, decision-maker coverage, discount and margin, concessions of the won
    and the lost bids, as they stood at close (one query, plus one for the median cycle)."""
    out = {r: ResultRow(r) for r in ("won", "lost")}
    conditions = [ClosedBid.result.in_(("won", "lost")), *_bid_conditions(user, filters)]
    negotiated = case(
        (or_(ClosedBid.planned_pct.is_not(None), ClosedBid.conceded_pct.is_not(None)), 1),
        else_=0,
    )
    stmt = (
        select(
            ClosedBid.result,
            func.count(),
            func.avg(ClosedBid.cycle_days * 1.0),
            func.avg(ClosedBid.supported_roles * 1.0),
            func.avg(case((ClosedBid.has_coach, 1.0), else_=0.0)),
            func.count(ClosedBid.contract_value),
            func.avg(ClosedBid.discount_pct),
            func.avg(ClosedBid.margin_pct),
            func.sum(negotiated),
            func.avg(ClosedBid.planned_pct),
            func.avg(ClosedBid.conceded_pct),
        )
        .where(*conditions)
        .group_by(ClosedBid.result)
    )

    def num(value):
        return float(value) if value is not None else None

    for (
        result,
        n,
        days,
        roles,
        coach,
        quotes,
        discount,
        margin,
        sheets,
        plan,
        given,
    ) in db.session.execute(stmt):
        row = out[result]
        row.count, row.quotes, row.sheets = n, quotes, sheets or 0
        row.mean_days, row.supported_roles, row.with_coach = num(days), num(roles), num(coach)
        row.discount_pct, row.margin_pct = num(discount), num(margin)
        row.planned_pct, row.conceded_pct = num(plan), num(given)
    days = (
        select(ClosedBid.result, ClosedBid.cycle_days, func.count())
        .where(*conditions)
        .group_by(ClosedBid.result, ClosedBid.cycle_days)
    )
    for result, (median, _n) in _histogram_medians(db.session.execute(days)).items():
        out[result].median_days = median
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
            current = (
                select(Stage.position).where(Stage.id == Opportunity.stage_id).scalar_subquery()
            )
            conditions.append(current >= position)
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
    conditions = _bid_conditions(user, filters)
    if piece.result:
        conditions.append(ClosedBid.result == piece.result)
    if piece.dim in _DIM_COLUMNS:
        conditions.append(_DIM_COLUMNS[piece.dim] == piece.key)
    elif piece.dim == "rival":
        conditions.append(
            exists().where(
                OutcomeBidder.outcome_id == ClosedBid.outcome_id,
                OutcomeBidder.is_us.is_(False),
                OutcomeBidder.competitor_id == (_whole(piece.key) or -1),
            )
        )
    elif piece.dim == "result" and piece.key in RESULTS:
        conditions.append(ClosedBid.result == piece.key)
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
            ClosedBid.result if closed else literal(None),
            ClosedBid.closed_on if closed else literal(None),
            func.count().over(),
        )
        .select_from(Opportunity)
        .join(Account, Account.id == Opportunity.account_id)
        .join(User, User.id == Opportunity.owner_id)
    )
    if closed:
        stmt = stmt.join(ClosedBid, ClosedBid.opportunity_id == Opportunity.id).order_by(
            ClosedBid.closed_on.desc(), Opportunity.id.desc()
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

    count: int
    per_rep: list[tuple[int, str, int, float | None]]  # user id, name, bids, Brier score
    buckets: list[calibration.Bucket]
    brier: float | None
    rivals: list[tuple[int, str, calibration.BandHits]]
    rival_total: calibration.BandHits


BANDS = 10


def calibration_figures(user, filters: Filters) -> Calibration:
    """Three grouped queries over the closed bids the filters select: by P(win) band, by
    rep, by rival. The database adds up; proposals.calibration turns the sums into the
    figures. Reps see only their own bids (the scope of their role)."""
    p = BidOutcome.predicted_p_win
    won = case((ClosedBid.result == "won", 1), else_=0)
    decided = [
        ClosedBid.result.in_(("won", "lost")),
        p.is_not(None),
        *_bid_conditions(user, filters),
    ]

    def joined(*columns):
        return select(*columns).join(BidOutcome, BidOutcome.id == ClosedBid.outcome_id)

    # The band as calibration.band_index assigns it (an edge belongs to the band above).
    band = case(*((p < D(i) / BANDS, i - 1) for i in range(1, BANDS)), else_=BANDS - 1)
    sums = {
        index: (n, wins or 0, float(sum_p or 0))
        for index, n, wins, sum_p in db.session.execute(
            joined(band, func.count(), func.sum(won), func.sum(p)).where(*decided).group_by(band)
        )
    }
    buckets = [
        calibration.bucket_from_sums(i, BANDS, *sums.get(i, (0, 0, 0.0))) for i in range(BANDS)
    ]
    per_rep = []
    totals = [0.0, 0.0, 0, 0.0, 0]
    for uid, name, n, sum_p, sum_p2, wins, sum_p_won in db.session.execute(
        joined(
            User.id,
            User.display_name,
            func.count(),
            func.sum(p),
            func.sum(p * p),
            func.sum(won),
            func.sum(case((ClosedBid.result == "won", p), else_=0)),
        )
        .join(User, User.id == ClosedBid.owner_id)
        .where(*decided)
        .group_by(User.id, User.display_name)
        .order_by(User.display_name, User.id)
    ):
        figures = (float(sum_p or 0), float(sum_p2 or 0), wins or 0, float(sum_p_won or 0), n)
        per_rep.append((uid, name, n, calibration.brier_from_sums(*figures)))
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
    inside = case(
        (
            and_(
                OutcomeBidder.price >= OutcomeBidder.predicted_p10,
                OutcomeBidder.price <= OutcomeBidder.predicted_p90,
            ),
            1,
        ),
        else_=0,
    )
    below = case((OutcomeBidder.price < OutcomeBidder.predicted_p10, 1), else_=0)
    above = case((OutcomeBidder.price > OutcomeBidder.predicted_p90, 1), else_=0)
    rivals = [
        (cid, name, calibration.BandHits(n, i or 0, b or 0, a or 0))
        for cid, name, n, i, b, a in db.session.execute(
            select(
                Competitor.id,
                Competitor.name,
                func.count(),
                func.sum(inside),
                func.sum(below),
                func.sum(above),
            )
            .select_from(OutcomeBidder)
            .join(ClosedBid, ClosedBid.outcome_id == OutcomeBidder.outcome_id)
            .join(Competitor, Competitor.id == OutcomeBidder.competitor_id)
            .where(
                OutcomeBidder.is_us.is_(False),
                OutcomeBidder.price.is_not(None),
                OutcomeBidder.predicted_p10.is_not(None),
                OutcomeBidder.predicted_p90.is_not(None),
                *_bid_conditions(user, filters),
            )
            .group_by(Competitor.id, Competitor.name)
        )
    ]
    rivals.sort(key=lambda r: (-r[2].count, r[1]))
    return Calibration(
        totals[4],
        per_rep,
        buckets,
        calibration.brier_from_sums(*totals),
        rivals,
        calibration.BandHits(
            sum(h.count for *_x, h in rivals),
            sum(h.inside for *_x, h in rivals),
            sum(h.below for *_x, h in rivals),
            sum(h.above for *_x, h in rivals),
        ),
    )
