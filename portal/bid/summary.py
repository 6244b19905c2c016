"""Stored bid summaries: each bid's price position and quote margin, computed on change.

The bid desk lists hundreds or thousands of bids; a price-score simulation per row per page
load does not scale. So the figures are computed once per change and stored (BidSummary):

- a change of the official scenario, its rivals (scenario competitors, the opportunity's
  matrix rivals), the quote (options, lines, revisions) marks the bid's summary stale in
  the transaction of the change (after_flush below; `mark_quote_changed` for the quote's
  plain UPDATE), and after the commit the bid is recomputed:
  with REDIS_URL on the RQ queue "summaries" (`rq worker summaries`), else on a small
  thread beside the web server (one per process), or, with BID_SUMMARY_EXECUTOR=inline
  (tests), right after the request that changed it;
- `compute(ids)` reads the official scenario and prices it with `position_of` (the one
  function every page uses for the P(win) at the bid price) and the quote margin with the
  desk's `quote_margins`; nothing else writes these figures;
- `summaries(ids)` reads them for a page of bids and says which are fresh; a missing or
  stale one is shown as "recomputing…" and requested again (at most once per half minute).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.bid.models import BidSummary
from portal.extensions import db
from portal.timeutil import utcnow
from proposals.biddesk import PricePosition, price_position

log = logging.getLogger(__name__)
QUEUE = "summaries"
_PENDING = "bid_summary_pending"
_RETRY_AFTER = 30.0  # seconds before a missing summary is requested again


def _requested() -> dict[int, float]:
    """When each bid's summary was last asked for, per app (one app per process in
    production; tests build many apps whose ids start again at 1)."""
    return current_app.extensions.setdefault("bid_summary_requested", {})


# --- the figures -------------------------------------------------------------------------


def position_of(scenario) -> PricePosition | None:
    """P(win), expected and likely rank at the official scenario's chosen price (None
    without a price or with inputs the engine refuses). The only place they are computed."""
    from portal.pricescore import inputs
    from proposals.scoring import validate_scenario

    if scenario is None or scenario.chosen_price is None:
        return None
    estimate = inputs.from_model(scenario)
    if any(i.severity == "error" for i in validate_scenario(estimate).values()):
        return None
    return price_position(estimate, scenario.chosen_price, seed=scenario.seed)


def _naive(moment):
    return moment.replace(tzinfo=None) if moment is not None and moment.tzinfo else moment


def _quote_times(scenarios: dict) -> dict[int, object]:
    """quote_changed_at of the proposal of each official scenario's linked option."""
    from portal.drafts.models import Proposal, ProposalOption

    option_ids = {s.linked_option_id: i for i, s in scenarios.items() if s.linked_option_id}
    if not option_ids:
        return {}
    rows = db.session.execute(
        select(ProposalOption.id, Proposal.quote_changed_at)
        .join(Proposal, Proposal.id == ProposalOption.proposal_id)
        .where(ProposalOption.id.in_(list(option_ids)))
    )
    return {option_ids[oid]: _naive(changed) for oid, changed in rows}


def compute(opportunity_ids: Iterable[int]) -> int:
    """Recompute and store the summaries of these bids, then commit. Returns how many."""
    from portal.bid.truth import official_scenarios
    from portal.deals.models import Opportunity
    from portal.exports.desk import quote_margins

    ids = sorted(set(opportunity_ids))
    if ids:  # an opportunity deleted since it was asked for has no summary to store
        ids = list(db.session.scalars(select(Opportunity.id).where(Opportunity.id.in_(ids))))
    if not ids:
        return 0
    scenarios = official_scenarios(ids)
    margins = quote_margins(ids)
    times = _quote_times(scenarios)
    figures = {}
    for opportunity_id in ids:
        scenario = scenarios.get(opportunity_id)
        margin = margins.get(opportunity_id)
        figures[opportunity_id] = dict(
            discount_effect=_effect_json(scenario),
            scenario_id=scenario.id if scenario else None,
            scenario_version=scenario.version if scenario else None,
            quote_changed_at=times.get(opportunity_id),
            position=position_of(scenario),
            margin_pct=margin.pct if margin else None,
            margin_frozen=margin.frozen if margin else True,
        )
    for attempt in range(2):
        existing = {
            s.opportunity_id: s
            for s in db.session.scalars(
                select(BidSummary).where(BidSummary.opportunity_id.in_(ids))
            )
        }
        for opportunity_id, f in figures.items():
            row = existing.get(opportunity_id)
            if row is None:
                row = BidSummary(opportunity_id=opportunity_id)
                db.session.add(row)
            position: PricePosition | None = f["position"]
            row.scenario_id = f["scenario_id"]
            row.scenario_version = f["scenario_version"]
            row.quote_changed_at = f["quote_changed_at"]
            row.stale = False
            row.price = position.price if position else None
            row.p_win = position.p_win if position else None
            row.expected_rank = position.expected_rank if position else None
            row.rank = position.rank if position else None
            row.bidders = position.bidders if position else None
            row.margin_pct = (
                None
                if f["margin_pct"] is None
                else Decimal(f["margin_pct"]).quantize(Decimal("0.0001"))
            )
            row.margin_frozen = f["margin_frozen"]
            row.discount_effect = f["discount_effect"]
            row.computed_at = utcnow()
        try:
            db.session.commit()
            break
        except IntegrityError:  # another worker inserted one of them first: update it
            db.session.rollback()
            if attempt:
                raise
    asked = _requested() if has_app_context() else {}
    for opportunity_id in ids:
        asked.pop(opportunity_id, None)
    return len(ids)


def _effect_json(scenario) -> dict | None:
    """What the linked option's discount buys, as stored (None without a linked option)."""
    from portal.pricescore.links import effect_for

    if scenario is None or scenario.linked_option is None:
        return None
    found = effect_for(scenario, scenario.linked_option)

    def effect(e):
        if e is None:
            return None
        return {
            "price_before": str(e.price_before),
            "price_after": str(e.price_after),
            "points_before": None if e.points_before is None else str(e.points_before),
            "points_after": None if e.points_after is None else str(e.points_after),
            "rank_before": e.rank_before,
            "rank_after": e.rank_after,
            "p_win_before": e.p_win_before,
            "p_win_after": e.p_win_after,
        }

    return {
        "option_id": scenario.linked_option_id,
        "effect": effect(found.effect),
        "per_point": effect(found.per_point),
        "approver_at_bid": found.approver_at_bid,
    }


def _effect_from_json(data: dict | None):
    from proposals.bidvalue import DiscountEffect

    if data is None:
        return None

    def dec(value):
        return None if value is None else Decimal(value)

    return DiscountEffect(
        dec(data["price_before"]),
        dec(data["price_after"]),
        dec(data["points_before"]),
        dec(data["points_after"]),
        data["rank_before"],
        data["rank_after"],
        data["p_win_before"],
        data["p_win_after"],
    )


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A bid's stored figures and whether they still describe the bid."""

    row: BidSummary | None
    fresh: bool

    @property
    def position(self) -> PricePosition | None:
        r = self.row
        if not self.fresh or r is None or r.p_win is None:
            return None
        return PricePosition(Decimal(r.price), r.p_win, r.expected_rank, r.rank, r.bidders)

    @property
    def margin_pct(self) -> Decimal | None:
        return self.row.margin_pct if self.fresh and self.row is not None else None


def summaries(opportunity_ids: Sequence[int], request_missing: bool = True) -> dict[int, Summary]:
    """The summary of each bid (one query); stale or missing ones are requested again."""
    from portal.drafts.models import Proposal, ProposalOption
    from portal.pricescore.models import PriceScenario

    ids = list(opportunity_ids)
    if not ids:
        return {}
    scenario = PriceScenario.__table__.c
    option = ProposalOption.__table__.c
    proposal = Proposal.__table__.c
    rows = db.session.execute(
        select(
            BidSummary.opportunity_id,
            BidSummary,
            scenario.id,
            scenario.version,
            proposal.quote_changed_at,
        )
        .select_from(BidSummary)
        .outerjoin(
            PriceScenario.__table__,
            (scenario.opportunity_id == BidSummary.opportunity_id) & scenario.official,
        )
        .outerjoin(ProposalOption.__table__, option.id == scenario.linked_option_id)
        .outerjoin(Proposal.__table__, proposal.id == option.proposal_id)
        .where(BidSummary.opportunity_id.in_(ids))
    )
    out = {}
    for opportunity_id, row, scenario_id, version, changed in rows:
        fresh = (
            not row.stale
            and row.scenario_id == scenario_id
            and row.scenario_version == version
            and _naive(row.quote_changed_at) == _naive(changed)
        )
        out[opportunity_id] = Summary(row, fresh)
    if request_missing:
        request([i for i in ids if i not in out or not out[i].fresh])
    return {i: out.get(i, Summary(None, False)) for i in ids}


def position_for(opportunity_id: int, scenario) -> PricePosition | None:
    """The stored position when fresh, else computed now by the same function (pages that
    show one bid: the answer is the same either way)."""
    summary = summaries([opportunity_id]).get(opportunity_id)
    if summary is not None and summary.fresh:
        return summary.position
    return position_of(scenario)


def linked_effects(proposals: Sequence, quotes: dict) -> dict[int, list]:
    """For each proposal (with its stored quote summary: `quotes[proposal.id]`, see
    portal.drafts.stored_quote), what the discount of its option linked to the official
    scenario buys (portal.pricescore.links LinkedEffect, [] when none of its options is
    linked): read from the stored summaries, computed now by the same function only for a
    bid whose summary is being recomputed. Two queries for the whole page.

    An effect read from the stored summary carries the option's stored figures
    (proposals.quote_summary.OptionFigures: its id, name, contract list and value) as its
    option and totals; one computed now carries the option row and its priced totals."""
    from portal.drafts.models import ProposalOption
    from portal.pricescore.links import LinkedEffect, effect_for
    from portal.pricescore.models import PriceScenario

    out: dict[int, list] = {p.id: [] for p in proposals}
    figures = {
        o.id: (p, o)
        for p in proposals
        for o in (quotes[p.id].options if p.id in quotes else ())
        if o.id is not None
    }
    if not figures:
        return out
    scenarios = db.session.scalars(
        select(PriceScenario).where(
            PriceScenario.linked_option_id.in_(list(figures)),
            PriceScenario.official.is_(True),
        )
    ).all()
    stored = summaries([s.opportunity_id for s in scenarios])
    for scenario in scenarios:
        proposal, option = figures[scenario.linked_option_id]
        if scenario.opportunity_id != proposal.opportunity_id:
            continue
        kept = stored.get(scenario.opportunity_id)
        data = kept.row.discount_effect if kept is not None and kept.fresh else None
        if data is not None and data.get("option_id") == option.id:
            effect = LinkedEffect(
                scenario,
                option,
                option,
                _effect_from_json(data["effect"]),
                _effect_from_json(data["per_point"]),
                data["approver_at_bid"],
            )
        else:
            # Being recomputed: priced now from the option's lines, as the bid's page does.
            row = db.session.get(ProposalOption, option.id)
            if row is None:
                continue
            effect = effect_for(scenario, row)
        out[proposal.id].append(effect)
    return out


# --- marking stale and scheduling --------------------------------------------------------


def mark_stale(opportunity_ids: Iterable[int], session: Session | None = None) -> None:
    """Mark these bids' summaries stale in the current transaction and recompute them
    after its commit."""
    ids = {int(i) for i in opportunity_ids if i is not None}
    if not ids:
        return
    session = session or db.session()
    session.connection().execute(
        update(BidSummary.__table__)
        .where(BidSummary.__table__.c.opportunity_id.in_(sorted(ids)))
        .values(stale=True)
    )
    session.info.setdefault(_PENDING, set()).update(ids)


def _changed_bids(session: Session) -> set[int]:
    from portal.drafts.models import ProposalLine, ProposalOption, ProposalRevision
    from portal.pricescore.models import PriceCompetitor, PriceScenario
    from portal.workspace.models import MatrixCompetitor

    ids: set[int] = set()
    scenario_ids: set[int] = set()
    proposal_ids: set[int] = set()
    option_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PriceScenario | MatrixCompetitor | ProposalRevision):
            ids.add(obj.opportunity_id)
        elif isinstance(obj, PriceCompetitor):
            scenario_ids.add(obj.scenario_id)
        elif isinstance(obj, ProposalOption):
            proposal_ids.add(obj.proposal_id)
        elif isinstance(obj, ProposalLine):
            option_ids.add(obj.option_id)
    connection = session.connection()
    if scenario_ids - {None}:
        t = PriceScenario.__table__.c
        ids.update(
            connection.scalars(select(t.opportunity_id).where(t.id.in_(scenario_ids - {None})))
        )
    if option_ids - {None}:
        t = ProposalOption.__table__.c
        proposal_ids.update(
            connection.scalars(select(t.proposal_id).where(t.id.in_(option_ids - {None})))
        )
    if proposal_ids - {None}:
        from portal.drafts.models import Proposal

        t = Proposal.__table__.c
        ids.update(
            connection.scalars(select(t.opportunity_id).where(t.id.in_(proposal_ids - {None})))
        )
    ids.discard(None)
    return ids


@event.listens_for(Session, "after_flush")
def _mark_changed(session, _flush_context):
    ids = _changed_bids(session)
    if ids:
        mark_stale(ids, session)


@event.listens_for(Session, "after_commit")
def _schedule_committed(session):
    ids = session.info.pop(_PENDING, None)
    if ids and has_app_context():
        schedule(ids)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_PENDING, None)


def executor() -> str:
    """ "rq" (REDIS_URL set), "inline" (BID_SUMMARY_EXECUTOR=inline: after the request),
    "off" (nothing is computed until asked: some tests), else "local" (a thread)."""
    if current_app.config.get("REDIS_URL"):
        return "rq"
    mode = current_app.config.get("BID_SUMMARY_EXECUTOR")
    return mode if mode in ("inline", "off") else "local"


def request(opportunity_ids: Iterable[int]) -> None:
    """Ask for these summaries to be recomputed, unless asked in the last half minute."""
    now = time.monotonic()
    asked = _requested()
    ids = [i for i in opportunity_ids if now - asked.get(i, -_RETRY_AFTER) >= _RETRY_AFTER]
    if ids:
        schedule(ids)


def schedule(opportunity_ids: Iterable[int]) -> None:
    ids = sorted(set(opportunity_ids))
    if not ids:
        return
    mode = executor()
    if mode == "off" or (mode == "inline" and not has_request_context()):
        return  # computed when a page asks for it
    now = time.monotonic()
    asked = _requested()
    for i in ids:
        asked[i] = now
    if mode == "rq":
        try:
            from redis import Redis
            from rq import Queue

            Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"])).enqueue(
                "portal.bid.summary.recompute_job", ids, job_timeout=300
            )
        except Exception:  # Redis away: the desk asks again later
            log.exception("could not queue bid summaries")
            for i in ids:
                asked.pop(i, None)
        return
    if mode == "inline":
        g.setdefault("bid_summaries_after_request", set()).update(ids)
        return
    _local_worker().submit(ids)


def recompute_open_bids(everything: bool = False) -> tuple[int, int]:
    """Store the summaries of every open bid with an official scenario that has none or a
    stale one (all of them with ``everything``), 200 at a time: after an upgrade or a demo
    load, so the desk's first look shows figures, not "recomputing…". Returns (computed,
    open bids with an official scenario)."""
    from portal.deals.models import Opportunity
    from portal.pricescore.models import PriceScenario

    ids = list(
        db.session.scalars(
            select(Opportunity.id)
            .join(PriceScenario, PriceScenario.opportunity_id == Opportunity.id)
            .where(Opportunity.status == "open", PriceScenario.official.is_(True))
            .order_by(Opportunity.id)
        )
    )
    done = 0
    for start in range(0, len(ids), 200):
        batch = ids[start : start + 200]
        if not everything:
            stored = summaries(batch, request_missing=False)
            batch = [i for i in batch if not stored[i].fresh]
        done += compute(batch)
    return done, len(ids)


def run_after_request(response):
    """after_request hook (inline mode): compute what this request changed or asked for."""
    ids = g.pop("bid_summaries_after_request", None) if has_request_context() else None
    if ids:
        try:
            compute(ids)
        except Exception:
            db.session.rollback()
            log.exception("bid summaries not recomputed")
    return response


_job_app = None


def recompute_job(opportunity_ids: list[int]) -> int:
    """The RQ job: recompute these summaries in the worker's own app (built once per
    worker process)."""
    global _job_app
    from portal import create_app

    if _job_app is None:
        _job_app = create_app()
    with _job_app.app_context():
        try:
            return compute(opportunity_ids)
        finally:
            db.session.remove()


class _LocalWorker:
    """One thread per process computing requested summaries in batches of 50."""

    def __init__(self, app):
        import os

        self.app = app
        self.pid = os.getpid()
        self.queue: queue.Queue[int] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="bid-summaries", daemon=True)
        self.thread.start()

    def submit(self, ids: Sequence[int]) -> None:
        for i in ids:
            self.queue.put(i)

    def _run(self) -> None:
        while True:
            batch = {self.queue.get()}
            while len(batch) < 50:
                try:
                    batch.add(self.queue.get_nowait())
                except queue.Empty:
                    break
            with self.app.app_context():
                try:
                    compute(batch)
                except Exception:
                    db.session.rollback()
                    log.exception("bid summaries not recomputed")
                finally:
                    db.session.remove()


_worker_lock = threading.Lock()


def _local_worker() -> _LocalWorker:
    import os

    app = current_app._get_current_object()
    with _worker_lock:
        worker = app.extensions.get("bid_summary_worker")
        if worker is None or worker.pid != os.getpid():  # none yet, or forked since
            worker = app.extensions["bid_summary_worker"] = _LocalWorker(app)
    return worker
