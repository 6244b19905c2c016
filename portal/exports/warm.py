"""Open bids' bid pack and customer proposal PDF, re-rendered in the background once their
inputs settle, so a leader's download is answered from the cache.

Every committed change writes audit events (portal/audit.py), which name the opportunity
they belong to (none for shared rows: accounts, stages, competitors, names). After the
commit, each opportunity changed is (re)scheduled PDF_WARM_SECONDS later; a later change
moves the time on (debounce), so a bid edited field by field renders once, after its last
edit. A change to shared rows reschedules every open bid. When the time comes, the jobs of
the bid's pack (in the languages of the people who read it: leaders, admins and its owner)
and of its latest revision's customer PDF are queued like a download's; a document whose
file is stored already is not rendered again.

- With REDIS_URL: RQ's scheduler (`rq worker pdf --with-scheduler`) runs the job at the
  time; the last change's stamp is kept in Redis and an earlier job whose stamp is no
  longer the latest does nothing.
- Without: a timer thread of the web process hands the jobs to the local render pool; it
  also renders every open bid's pack again when the (UTC) day changes, as packs print it.
PDF_WARM_SECONDS = 0 turns it off (the tests' default).
"""

from __future__ import annotations

import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

#: The session key the audit hook fills with the opportunities a transaction changed
#: (ALL: a shared row changed).
CHANGED = "pdf_inputs_changed"
ALL = 0


def note_changes(session: Session, opportunity_ids) -> None:
    """Called by the audit hook with the opportunity id of each event (None: shared)."""
    changed = session.info.setdefault(CHANGED, set())
    changed.update(ALL if i is None else i for i in opportunity_ids)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    changed = session.info.pop(CHANGED, None)
    if not changed or not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config.get("PDF_WARM_SECONDS"):
        return
    schedule(app, changed)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGED, None)


def schedule(app, opportunity_ids) -> None:
    if app.config.get("REDIS_URL"):
        _schedule_on_rq(app, opportunity_ids)
    else:
        _local_timer(app).touch(opportunity_ids)


# --- which documents -------------------------------------------------------------------------


def warm_jobs(opportunity_ids) -> list:
    """The BuildJobs of the open bids among `opportunity_ids` (ALL: every open bid): each
    one's bid pack in its readers' languages and its latest revision's customer PDF."""
    from sqlalchemy.orm import selectinload

    from portal.auth.models import User
    from portal.deals.models import Opportunity
    from portal.exports import rendering
    from portal.exports.packs import latest_revisions
    from portal.exports.views import opportunity_job, revision_job
    from portal.extensions import db

    query = select(Opportunity).where(Opportunity.status == "open")
    if ALL not in opportunity_ids:
        query = query.where(Opportunity.id.in_(sorted(opportunity_ids)))
    opportunities = list(
        db.session.scalars(
            query.options(selectinload(Opportunity.account)).order_by(Opportunity.id)
        )
    )
    if not opportunities:
        return []
    readers = {
        locale
        for locale in db.session.scalars(
            select(User.locale).where(User.active, User.role.in_(("leader", "admin")))
        )
    }
    owners = dict(
        db.session.execute(
            select(Opportunity.id, User.locale)
            .join(User, User.id == Opportunity.owner_id)
            .where(Opportunity.id.in_([o.id for o in opportunities]))
        ).all()
    )
    revisions = latest_revisions([o.id for o in opportunities])
    jobs = []
    for opportunity in opportunities:
        for language in sorted(readers | {owners.get(opportunity.id)} - {None}):
            if language in rendering.LANGUAGES:
                jobs.append(opportunity_job("bid-pack", opportunity, language))
        revision = revisions.get(opportunity.id)
        if revision is not None:
            jobs.append(revision_job(revision, revision.proposal, opportunity, "customer"))
    return jobs


def warm_now(opportunity_ids) -> int:
    """Queue the renders of `opportunity_ids`' documents not stored yet; how many."""
    from portal.exports import rendering
    from portal.exports.revision_pdfs import frozen_name, frozen_store

    queued = 0
    for job in warm_jobs(opportunity_ids):
        if job.kind == "customer" and _frozen(job, frozen_name, frozen_store):
            continue
        if rendering.submit_job(job).state not in ("finished", "failed"):
            queued += 1
    return queued


def _frozen(job, frozen_name, frozen_store) -> bool:
    """A submitted revision whose PDF is frozen already: its downloads never render."""
    from portal.drafts.models import ProposalRevision
    from portal.extensions import db

    revision = db.session.get(ProposalRevision, job.revision_id)
    if revision is None or revision.kind != "submitted":
        return False
    try:
        return frozen_store().get(frozen_name(revision, "customer")) is not None
    except Exception:  # a damaged frozen file: the download path reports it
        return True


# --- without Redis: a timer thread beside the web server --------------------------------------


class LocalTimer:
    """Debounced warm-ups in this process: each opportunity's time is moved on by every
    change; a daemon thread queues the due ones on the local render pool."""

    def __init__(self, app):
        self.app = app
        self.due: dict[int, float] = {}
        self.condition = threading.Condition()
        self.thread: threading.Thread | None = None
        self.stopped = False

    def touch(self, opportunity_ids) -> None:
        delay = float(self.app.config.get("PDF_WARM_SECONDS") or 0)
        with self.condition:
            if self.stopped:
                return
            at = time.monotonic() + delay
            for opportunity_id in opportunity_ids:
                self.due[opportunity_id] = at
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="pdf-warm", daemon=True)
                self.thread.start()
            self.condition.notify()

    def _run(self) -> None:
        from portal.timeutil import today

        day = today()
        while True:
            with self.condition:
                if self.stopped:
                    return
                if today() != day:
                    # The packs print the date and the days left: a new day changes every
                    # open bid's pack, so they are rendered again before anyone asks.
                    day = today()
                    self.due[ALL] = time.monotonic()
                now = time.monotonic()
                ready = {i for i, at in self.due.items() if at <= now}
                if not ready:
                    until = min(self.due.values()) - now if self.due else 3600.0
                    self.condition.wait(min(until, _seconds_to_midnight() + 1))
                    continue
                for opportunity_id in ready:
                    del self.due[opportunity_id]
            self._warm(ready)

    def stop(self) -> None:
        """End the thread (a warm-up under way finishes first); later changes are ignored.
        The web process never needs it: the thread is a daemon and ends with the process."""
        with self.condition:
            self.stopped = True
            self.condition.notify()
        if self.thread is not None:
            self.thread.join()

    def _warm(self, opportunity_ids) -> None:
        from portal.extensions import db

        with self.app.app_context():
            try:
                warm_now(opportunity_ids)
            except Exception:  # never let the thread die: the downloads still work
                self.app.logger.exception("PDF warm-up of %s failed", sorted(opportunity_ids))
            finally:
                db.session.remove()


def _seconds_to_midnight() -> float:
    from datetime import datetime, timedelta

    from portal.timeutil import utcnow

    now = utcnow()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    return (midnight - now).total_seconds()


_TIMER_LOCK = threading.Lock()


def _local_timer(app) -> LocalTimer:
    with _TIMER_LOCK:
        timer = app.extensions.get("pdf_warm")
        if timer is None:
            timer = app.extensions["pdf_warm"] = LocalTimer(app)
        return timer


# --- with Redis: RQ's scheduler ---------------------------------------------------------------


def _stamp_key(app, opportunity_id: int) -> str:
    return f"biddesk:pdf-warm:{app.config.get('PDF_RQ_QUEUE', 'pdf')}:{opportunity_id}"


def _schedule_on_rq(app, opportunity_ids) -> None:
    import os

    from redis import Redis

    from portal.exports.jobs import serve_jobs_here
    from proposals.documents import enqueue_job

    serve_jobs_here(app)
    delay = float(app.config["PDF_WARM_SECONDS"])
    redis = Redis.from_url(app.config["REDIS_URL"])
    for opportunity_id in opportunity_ids:
        stamp = os.urandom(8).hex()
        redis.set(_stamp_key(app, opportunity_id), stamp, ex=int(delay) + 3600)
        enqueue_job(
            run_warm_job,
            (opportunity_id, stamp),
            "0" * 64,
            app.config["REDIS_URL"],
            job_timeout=3600,
            queue=app.config.get("PDF_RQ_QUEUE", "pdf"),
            delay_seconds=delay,
        )


def run_warm_job(argument: tuple[int, str]) -> int:
    """The RQ job: if no later change rescheduled this bid, render its documents here (this
    is a render worker already) unless they are stored; how many were rendered."""
    from redis import Redis

    from portal.exports.jobs import _worker_app, run_build_job
    from portal.extensions import db
    from proposals.documents import PdfCache, PdfError

    opportunity_id, stamp = argument
    app = _worker_app(())
    redis = Redis.from_url(app.config["REDIS_URL"])
    latest = redis.get(_stamp_key(app, opportunity_id))
    if latest is not None and latest.decode() != stamp:
        return 0  # a later change: its own job will render
    rendered = 0
    with app.test_request_context("/"):
        try:
            jobs = warm_jobs({opportunity_id})
        finally:
            db.session.remove()
    for job in jobs:
        cache = PdfCache(job.cache_dir)
        if cache.get(job.key) is None and cache.get_failure(job.key) is None:
            try:
                run_build_job(job)
                rendered += 1
            except PdfError:
                pass  # stored as the failure; the download explains it
    return rendered
