"""PDF jobs: the web request names a document and its inputs; a worker builds and renders it.

A download request only checks access, computes `input_key` (a few indexed queries, no
document HTML) and enqueues a `BuildJob` (rendering.start_jobs). The worker (an RQ worker,
or a process of the local pool) opens the app, loads the rows, builds the HTML, renders it
with the bounded renderer (proposals.documents.export_pdf) and stores the PDF, or the
failure, under the input key, where every web process finds it.

The input key changes whenever anything the document prints may have changed, so a changed
input never answers with a stale file:
- the bid pack and the negotiation sheet read the opportunity and the rows around it: every
  change to them writes an audit event carrying the opportunity id (portal/audit.py), and
  audit events are only ever added, so the number of them (with the newest id) names the
  state of those rows; shared rows they read (accounts, stages, competitors, settings)
  are covered the same way by the events without an opportunity, and people's names by a
  digest of the user names;
- a proposal revision is immutable: its id, content fingerprint and creation time, with
  the proposal's title and language and the customer's name, decide its PDFs;
- always: the document kind and language, the day (printed dates, days left), the code and
  templates of this deployment, the static files and the WeasyPrint version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import func, select

from proposals.documents import PIPELINE_VERSION, REPO_ROOT, PdfCache, PdfError, static_digest

#: Kinds whose input is the opportunity's rows (the rest are revision PDFs).
OPPORTUNITY_KINDS = ("bid-pack", "negotiation")
REVISION_KINDS = ("customer", "finance", "technical")
#: Audit entities without an opportunity that no PDF reads (user names are digested apart:
#: a login or logout bumps the user row and must not make every PDF stale).
NOT_PRINTED = ("user_account", "library_block", "block_review", "reusable_answer")


@dataclass(frozen=True)
class BuildJob:
    """One document to build and render; picklable (it travels to a worker as is)."""

    kind: str  # bid-pack, negotiation, customer, finance, technical
    opportunity_id: int
    language: str
    key: str  # the input key: where the PDF (or its failure) is stored
    cache_dir: str
    proposal_id: int | None = None
    revision_id: int | None = None
    #: create_app overrides for a local worker (the database, the directories); empty for
    #: RQ workers, which take their settings from their own environment.
    app_config: tuple[tuple[str, object], ...] = ()


_CODE_DIGEST: list[str] = []


def code_digest() -> str:
    """SHA-256 over the Python code, templates and compiled translations of this deployment
    (once per process: a deployment restarts its processes)."""
    if not _CODE_DIGEST:
        digest = hashlib.sha256()
        for folder, pattern in (
            ("portal", "*.py"),
            ("proposals", "*.py"),
            ("templates", "*.html"),
            ("translations", "*.mo"),
        ):
            for path in sorted((REPO_ROOT / folder).rglob(pattern)):
                digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        _CODE_DIGEST.append(digest.hexdigest())
    return _CODE_DIGEST[0]


def _key(*parts: object) -> str:
    import weasyprint

    digest = hashlib.sha256()
    for part in (PIPELINE_VERSION, weasyprint.__version__, static_digest(), code_digest(), *parts):
        data = str(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def opportunity_inputs(opportunity_id: int) -> tuple:
    """What names the state of an opportunity's rows and the shared rows its documents
    read: three indexed aggregate queries."""
    from portal.audit import AuditEvent
    from portal.auth.models import User
    from portal.extensions import db

    own = db.session.execute(
        select(func.count(AuditEvent.id), func.max(AuditEvent.id)).where(
            AuditEvent.opportunity_id == opportunity_id
        )
    ).one()
    # The shared part is the same for every document of a request (a zip of twenty packs).
    if has_request_context() and "pdf_shared_inputs" in g:
        return (tuple(own), *g.pdf_shared_inputs)
    shared = db.session.execute(
        select(func.count(AuditEvent.id), func.max(AuditEvent.id)).where(
            AuditEvent.opportunity_id.is_(None), AuditEvent.entity.not_in(NOT_PRINTED)
        )
    ).one()
    names = hashlib.sha256(
        "\0".join(
            f"{i}:{n}"
            for i, n in db.session.execute(select(User.id, User.display_name).order_by(User.id))
        ).encode()
    ).hexdigest()
    if has_request_context():
        g.pdf_shared_inputs = (tuple(shared), names)
    return (tuple(own), tuple(shared), names)


def opportunity_key(kind: str, opportunity, language: str, day) -> str:
    """The input key of an opportunity's bid pack or negotiation sheet."""
    return _key(
        kind,
        opportunity.id,
        opportunity.created_at.isoformat() if opportunity.created_at else "",
        language,
        day.isoformat(),
        *opportunity_inputs(opportunity.id),
    )


def revision_key(view: str, revision, proposal, customer: str) -> str:
    """The input key of a revision's PDF (`view`: customer, finance, technical)."""
    return _key(
        view,
        revision.id,
        revision.fingerprint,
        revision.number,
        revision.kind,
        revision.created_at.isoformat() if revision.created_at else "",
        proposal.id,
        proposal.title,
        proposal.language,
        customer,
    )


# --- the worker side ---------------------------------------------------------------------

_APPS: dict = {}


def serve_jobs_here(app) -> None:
    """Jobs without settings of their own that run in this process (an RQ SimpleWorker
    beside the app, as in the tests) use `app`; a separate `rq worker` process never
    calls this and opens the app its environment describes."""
    _APPS[()] = app


def _worker_app(config: tuple):
    """The app of this worker process, created once per configuration."""
    if config not in _APPS:
        from portal import create_app
        from portal.config import CONFIGS

        overrides = dict(config)
        env = overrides.pop("ENV_NAME", None)
        _APPS[config] = create_app(CONFIGS.get(env) if env else None, **overrides)
    return _APPS[config]


def build_export(job: BuildJob):
    """The ExportRequest of `job` (inside the app context): loads the rows and builds the
    document's HTML."""
    from sqlalchemy.orm import selectinload

    from portal.deals.models import Opportunity
    from portal.extensions import db

    if job.kind in OPPORTUNITY_KINDS:
        from portal.exports.views import _bid_pack_request, _negotiation_request

        opportunity = db.session.scalars(
            select(Opportunity)
            .where(Opportunity.id == job.opportunity_id)
            .options(
                selectinload(Opportunity.stakeholders),
                selectinload(Opportunity.account),
                selectinload(Opportunity.stage),
            )
        ).one()
        build = _bid_pack_request if job.kind == "bid-pack" else _negotiation_request
        export, _name = build(opportunity, job.language)
        return export
    from portal.drafts.models import Proposal, ProposalRevision
    from portal.exports import revision_pdfs

    revision = db.session.get(ProposalRevision, job.revision_id)
    proposal = db.session.get(Proposal, job.proposal_id)
    if revision is None or proposal is None or revision.proposal_id != proposal.id:
        raise PdfError("the proposal revision no longer exists")
    return revision_pdfs.export_request(revision, proposal, job.kind)


def run_build_job(job: BuildJob) -> dict:
    """The job a worker runs: build the HTML, render it (bounded, pre-flight checked), store
    the PDF under the job's input key, or the failure, then raise it for the queue."""
    from proposals.documents import export_pdf

    cache = PdfCache(job.cache_dir)
    if cache.get(job.key) is not None:
        return {"key": job.key, "from_cache": True}
    app = _worker_app(job.app_config)
    with app.test_request_context("/"):
        from portal.extensions import db

        try:
            export = build_export(job)
            result = export_pdf(export)
        except PdfError as error:
            cache.put_failure(job.key, error)
            raise
        finally:
            db.session.remove()
    cache.put(job.key, result.pdf)
    return {"key": job.key, "sha256": result.sha256, "from_cache": result.from_cache}


def local_config(app) -> tuple[tuple[str, object], ...]:
    """The settings a local worker needs to open the same database and directories."""
    keys = ("SQLALCHEMY_DATABASE_URI", "PDF_CACHE_DIR", "PDF_FROZEN_DIR", "SECRET_KEY")
    return (("ENV_NAME", app.config.get("ENV_NAME")),) + tuple((k, app.config.get(k)) for k in keys)
