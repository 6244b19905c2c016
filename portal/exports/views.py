"""PDF downloads (negotiation sheet, internal bid pack) and the leadership bid desk.

Who may do what (tested in tests/portal/test_access.py):
- the negotiation-sheet PDF: everyone who sees the opportunity (as its print view);
- the bid pack: reps (owner or team), leaders and admins of the opportunities they see.
  Presales are left out: the pack carries the commercial side (price strategy, margins
  and approvals once quotes exist), which is the rep's and leadership's business;
- the bid desk and its zip: reps (their own open bids), leaders and admins (all open bids);
  deciding an approval request from the desk: leaders and admins, under the approval
  queue's rules (portal.drafts.approvals.decide_request).

A download request neither builds the document nor renders it: it checks access, computes
the document's input key (portal/exports/jobs.py: a few indexed queries) and, unless that
key's file is stored, queues a job (on RQ when REDIS_URL is set, else on a small local
process pool, see rendering.start_jobs) that builds the HTML and renders it. An htmx click
on a PDF button gets the button back in its state (queued, rendering, ready, failed), which
polls every second; without script the browser is sent to a progress page that polls the
same way. A stored file is answered at once. (Tests may set PDF_EXECUTOR=inline to get the
file in the answer.)
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.deals.models import Opportunity
from portal.exports import jobs, packs, rendering
from portal.exports.desk import MAX_ZIP, DeskCriteria, desk_page
from portal.exports.forms import DeskFilterForm
from portal.extensions import db
from portal.forms import EmptyForm
from portal.pages import render_page_or_fragment, wants_fragment
from portal.security import ALL_ROLES, allowed, get_opportunity_or_404, opportunity_scope
from portal.timeutil import today
from portal.workspace.tasks import chain_rollups
from proposals.documents import PdfError, zip_pdfs

bp = Blueprint("exports", __name__)

PACK_ROLES = ("rep", "leader", "admin")
DESK_ROLES = ("rep", "leader", "admin")
#: Who may decide approval requests from the desk (as in the approval queue).
DECIDE_ROLES = ("leader", "admin")
#: The finance view of a proposal (costs, margins): internal, the commercial side's business.
FINANCE_ROLES = ("rep", "leader", "admin")


# --- building the documents ------------------------------------------------------------
# The web request never builds a document: it computes the document's input key and queues
# a job (portal/exports/jobs.py); these builders run in the worker.


def _negotiation_request(opportunity: Opportunity, language: str):
    with force_locale(language):
        context = packs.negotiation_context(opportunity, language)
    html = rendering.render_pdf_html("pdf/negotiation_sheet.html", language, **context)
    return rendering.export_request(html), _filename("negotiation-sheet", opportunity)


def _bid_pack_request(opportunity: Opportunity, language: str):
    with force_locale(language):
        context = packs.bid_pack_context(opportunity, language)
    html = rendering.render_pdf_html("pdf/bid_pack.html", language, **context)
    return rendering.export_request(html), _filename("bid-pack", opportunity)


def _filename(prefix: str, opportunity: Opportunity) -> str:
    return rendering.safe_filename(prefix, opportunity.name, today().isoformat())


def opportunity_job(kind: str, opportunity: Opportunity, language: str):
    """The job of an opportunity's bid pack or negotiation sheet (a few indexed queries)."""
    key = jobs.opportunity_key(kind, opportunity, language, today())
    return rendering.build_job(kind, opportunity.id, language, key)


def _wants_button() -> bool:
    """An htmx click on a PDF button: answer the button in its new state, not the file."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _here() -> str:
    """This download's own address (path and query), to start it again or fetch it."""
    return request.full_path.rstrip("?")


def _download_now(url: str):
    """An htmx click on a file that is ready: the browser fetches it (a download; the page
    stays) and the button stays as it was."""
    response = make_response("", 200)
    response.headers["HX-Redirect"] = url
    response.vary.add("HX-Request")
    return response


def _answer(kind: str, items, zip_name, url, what: str, back: str, frozen=None, file_url=None):
    """The download's answer: on an htmx click the button showing how the render stands
    (it polls until ready); otherwise the file if it is ready, the failure page if it
    failed, else the progress page (which polls too: the no-script path)."""
    token = rendering.start_jobs(kind, items, zip_name, url)
    download = rendering.load_download(token)
    if _wants_button():
        if download.done and not download.failed:
            # Stored already (a settled bid's background render): straight to the file.
            return _download_now(file_url or url_for("exports.file", token=token))
        response = make_response(
            render_template("exports/_job_button.html", download=download, token=token)
        )
        response.vary.add("HX-Request")
        return response
    if download.failed:
        item = download.failed[0]
        return rendering.failure_page(rendering.failure_of(item), what, back)
    see_other = 303 if request.method == "POST" else 302
    if not download.done:
        return redirect(url_for("exports.progress", token=token), code=see_other)
    files = [(i.filename, rendering.cached_pdf(i.key)) for i in download.items]
    if any(pdf is None for _n, pdf in files):  # evicted meanwhile: the page starts it again
        return redirect(url_for("exports.progress", token=token), code=see_other)
    if zip_name:
        data = zip_pdfs(files)
        return rendering.attachment(
            data, zip_name, hashlib.sha256(data).hexdigest(), mimetype="application/zip"
        )
    ((filename, pdf),) = files
    if frozen is not None:  # a submitted revision: stored once, the same file ever after
        stored = frozen(pdf)
        return rendering.attachment(stored.pdf, filename, stored.sha256)
    return rendering.attachment(pdf, filename, hashlib.sha256(pdf).hexdigest())


def _load_for_pack(opportunity_id: int) -> Opportunity:
    return get_opportunity_or_404(opportunity_id)


def _download(opportunity: Opportunity, kind: str, prefix: str, what: str):
    language = rendering.pdf_language(request.args.get("lang"))
    job = opportunity_job(kind, opportunity, language)
    back = url_for("deals.detail", opportunity_id=opportunity.id)
    return _answer(kind, [(job, _filename(prefix, opportunity))], None, _here(), what, back)


@bp.get("/opportunities/<int:opportunity_id>/negotiation.pdf")
@allowed(*ALL_ROLES)
def negotiation_pdf(opportunity_id: int):
    opportunity = get_opportunity_or_404(opportunity_id)
    return _download(opportunity, "negotiation", "negotiation-sheet", _("Negotiation sheet"))


@bp.get("/opportunities/<int:opportunity_id>/bid-pack.pdf")
@allowed(*PACK_ROLES)
def bid_pack(opportunity_id: int):
    opportunity = _load_for_pack(opportunity_id)
    return _download(opportunity, "bid-pack", "bid-pack", _("Bid pack"))


# --- proposal revisions: customer proposal, finance view, technical annex -------------------


def revision_job(revision, proposal, opportunity: Opportunity, view: str):
    from portal.exports import revision_pdfs

    customer = opportunity.account.name if opportunity.account else opportunity.name
    key = jobs.revision_key(view, revision, proposal, customer)
    language = revision_pdfs.language_of(revision, proposal)
    return rendering.build_job(
        view, opportunity.id, language, key, proposal_id=proposal.id, revision_id=revision.id
    )


def _revision_download(
    opportunity_id: int, proposal_id: int, revision_id: int, view: str, what: str
):
    """A revision's PDF: a submitted revision's from the FrozenStore (stored at its first
    download, byte-identical afterwards); others from the cache, or queued like the other
    downloads."""
    from portal.drafts.models import ProposalRevision
    from portal.drafts.queries import child_or_404, get_proposal_or_404
    from portal.exports import revision_pdfs

    opportunity, proposal = get_proposal_or_404(opportunity_id, proposal_id)
    revision = child_or_404(ProposalRevision, revision_id, proposal)
    filename = revision_pdfs.filename(revision, proposal, view)
    back = url_for(
        "drafts.revision",
        opportunity_id=opportunity.id,
        proposal_id=proposal.id,
        revision_id=revision.id,
    )
    try:
        stored = revision_pdfs.frozen(revision, view)
    except PdfError as error:
        return rendering.failure_page(error, what, back)
    if stored is not None:
        if _wants_button():
            return _download_now(_here())
        return rendering.attachment(stored.pdf, filename, stored.sha256)
    freeze = None
    if revision_pdfs.is_frozen_kind(revision):
        name = revision_pdfs.frozen_name(revision, view)

        def freeze(pdf: bytes):
            return revision_pdfs.frozen_store().freeze(name, pdf)

    job = revision_job(revision, proposal, opportunity, view)
    kind = view if view == "finance" else "proposal"
    return _answer(kind, [(job, filename)], None, _here(), what, back, freeze, _here())


@bp.get(
    "/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>"
    "/revisions/<int:revision_id>.pdf"
)
@allowed(*ALL_ROLES)
def proposal_pdf(opportunity_id: int, proposal_id: int, revision_id: int):
    return _revision_download(opportunity_id, proposal_id, revision_id, "customer", _("Proposal"))


@bp.get(
    "/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>"
    "/revisions/<int:revision_id>/finance.pdf"
)
@allowed(*FINANCE_ROLES)
def finance_pdf(opportunity_id: int, proposal_id: int, revision_id: int):
    return _revision_download(
        opportunity_id, proposal_id, revision_id, "finance", _("Finance view")
    )


@bp.get(
    "/opportunities/<int:opportunity_id>/proposals/<int:proposal_id>"
    "/revisions/<int:revision_id>/technical.pdf"
)
@allowed(*ALL_ROLES)
def technical_pdf(opportunity_id: int, proposal_id: int, revision_id: int):
    return _revision_download(
        opportunity_id, proposal_id, revision_id, "technical", _("Technical annex")
    )


@bp.app_template_global("revision_pdf_links")
def revision_pdf_links(opportunity_id: int, proposal_id: int, revision) -> list[dict]:
    """The PDF links of a revision page the reader may use, each with the SHA-256 of its
    stored file once a submitted revision's PDF has been frozen (None before)."""
    from portal.exports import revision_pdfs

    ids = dict(opportunity_id=opportunity_id, proposal_id=proposal_id, revision_id=revision.id)
    links = [("customer", "exports.proposal_pdf", _("Proposal PDF"))]
    if current_user.role in FINANCE_ROLES:
        links.append(("finance", "exports.finance_pdf", _("Finance view (internal)")))
    links.append(("technical", "exports.technical_pdf", _("Technical annex")))
    out = []
    for view, endpoint, label in links:
        try:
            stored = revision_pdfs.frozen(revision, view)
        except (PdfError, ValueError):
            stored = None
        out.append(
            {
                "url": url_for(endpoint, **ids),
                "label": label,
                "sha256": stored.sha256 if stored else None,
            }
        )
    return out


# --- the bid desk --------------------------------------------------------------------------


def _desk_criteria(source) -> DeskCriteria:
    """The filters of a desk request: its query string, or on a POST from the desk the
    filter state the page was showing (the `filters` field: a query string)."""
    if request.method == "POST":
        raw = (source.get("filters") or "")[:1000]
        return DeskCriteria.from_args(MultiDict(parse_qsl(raw)))
    return DeskCriteria.from_args(source)


def _desk_filters(criteria: DeskCriteria) -> DeskFilterForm:
    from portal.deals.views import _stage_choices, _user_choices

    filters = DeskFilterForm(formdata=None, data={**criteria.args(), "mine": criteria.mine})
    filters.stage.choices = [("", _("All stages"))] + [
        (str(i), name) for i, name in _stage_choices()
    ]
    filters.owner.choices = [("", _("All owners"))] + [
        (str(i), name) for i, name in _user_choices("rep", "leader", "admin")
    ]
    return filters


def _may_decide_here(approval) -> bool:
    from portal.drafts.approvals import may_decide

    return current_user.role in DECIDE_ROLES and may_decide(approval.required_role)


def _desk_after(source) -> int | None:
    """The page cursor of a desk request (an opportunity id), or None for the first page."""
    raw = source.get("after", "") if request.method == "GET" else ""
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 2**31 - 1 else None


def _desk_context(criteria: DeskCriteria, form=None, after: int | None = None, **extra) -> dict:
    language = rendering.pdf_language(None)
    page = desk_page(current_user, today(), language, criteria, _may_decide_here, after)
    context = dict(
        rows=page.rows,
        page=page,
        form=form or EmptyForm(),
        max_zip=MAX_ZIP,
        today=today(),
        criteria=criteria,
        filter_query=urlencode(criteria.args()),
        filters=_desk_filters(criteria),
        **extra,
    )
    # Decision-chain coverage and its tasks, one short line per bid (two queries).
    context["chain"] = chain_rollups([row.opportunity.id for row in context["rows"]], today())
    return context


@bp.get("/desk")
@allowed(*DESK_ROLES)
def desk():
    """The desk page; htmx filter changes get the results fragment (the URL carries the
    filters, so reload, bookmarks and back/forward give the same list as a full page)."""
    criteria = _desk_criteria(request.args)
    return render_page_or_fragment(
        "exports/desk.html",
        "exports/_desk_results.html",
        **_desk_context(criteria, after=_desk_after(request.args)),
    )


@bp.post("/desk/approvals/<int:approval_id>")
@allowed(*DECIDE_ROLES)
def desk_decide(approval_id: int):
    """Approve a pending request from the desk: the queue's own decision (same rules, same
    audit on the approval row), then back to the desk with its filters."""
    from portal.drafts.approvals import decide_request
    from portal.drafts.forms import DecisionForm
    from portal.drafts.models import Approval
    from portal.drafts.queries import get_proposal_or_404

    approval = db.session.get(Approval, approval_id)
    if approval is None:
        abort(404)
    _opportunity, proposal = get_proposal_or_404(approval.opportunity_id, approval.proposal_id)
    criteria = _desk_criteria(request.form)
    back = url_for("exports.desk", **criteria.args())
    form = DecisionForm(request.form)
    if not form.validate() or form.decision.data != "approve":
        flash(
            _("Only approving is possible from the desk; reject from the approval queue."), "error"
        )
        return redirect(back) if request.form else ("", 422)
    ok, message = decide_request(approval, proposal, "approve", form.comment.data)
    flash(message, "success" if ok else "error")
    return redirect(back, code=303)


def _visible_opportunities(ids: list[int]) -> list[Opportunity]:
    return list(
        db.session.scalars(
            select(Opportunity)
            .where(Opportunity.id.in_(ids), opportunity_scope(current_user))
            .order_by(Opportunity.bid_deadline, Opportunity.id)
        )
    )


@bp.post("/desk/bid-packs.zip")
@allowed(*DESK_ROLES)
def desk_zip():
    form = EmptyForm(request.form)
    if not form.validate():
        abort(400)
    try:
        ids = sorted({int(v) for v in request.form.getlist("opportunity")})
    except ValueError:
        abort(400)
    if not ids or len(ids) > MAX_ZIP:
        message = (
            _("Select at least one bid to download.")
            if not ids
            else _("Select at most %(n)d bids for one zip.", n=MAX_ZIP)
        )
        if _wants_button():  # the desk stays as it is; the message sits by the button
            return render_template("exports/_zip_refused.html", error=message), 422
        context = _desk_context(
            _desk_criteria(request.form), form, error=message, selected=set(ids)
        )
        return render_template("exports/desk.html", **context), 422
    opportunities = _visible_opportunities(ids)
    if len(opportunities) != len(ids):
        abort(404)  # one of them is not the user's to see
    language = rendering.pdf_language(request.form.get("lang"))
    items = [
        (opportunity_job("bid-pack", o, language), _filename("bid-pack", o)) for o in opportunities
    ]
    zip_name = rendering.safe_filename("bid-packs", today().isoformat(), suffix=".zip")
    return _answer("bid-pack", items, zip_name, None, _("Bid packs"), url_for("exports.desk"))


# --- queued renders (REDIS_URL) --------------------------------------------------------------


def _download_or_404(token: str) -> rendering.Download:
    download = rendering.load_download(token)
    if download is None:
        abort(404)
    ids = sorted({i.opportunity_id for i in download.items})
    visible = db.session.scalar(
        select(func.count(Opportunity.id)).where(
            Opportunity.id.in_(ids), opportunity_scope(current_user)
        )
    )
    if visible != len(ids):
        abort(404)
    if download.kind == "bid-pack" and current_user.role not in PACK_ROLES:
        abort(404)
    if download.kind == "finance" and current_user.role not in FINANCE_ROLES:
        abort(404)
    return download


@bp.get("/exports/<token>")
@allowed(*ALL_ROLES)
def progress(token: str):
    download = _download_or_404(token)
    sha256 = None
    if download.done and not download.failed and not download.zip_name:
        pdf = rendering.cached_pdf(download.items[0].key)
        sha256 = hashlib.sha256(pdf).hexdigest() if pdf else None
    if request.args.get("button") and wants_fragment():
        response = make_response(
            render_template("exports/_job_button.html", download=download, token=token)
        )
    else:
        template = "exports/_progress.html" if wants_fragment() else "exports/progress.html"
        response = make_response(
            render_template(template, download=download, token=token, sha256=sha256)
        )
    response.vary.add("HX-Request")
    return response


@bp.get("/exports/<token>/file")
@allowed(*ALL_ROLES)
def file(token: str):
    download = _download_or_404(token)
    if not download.done or download.failed:
        return render_template("exports/progress.html", download=download, token=token), 409
    files = []
    for item in download.items:
        pdf = rendering.cached_pdf(item.key)
        if pdf is None:  # evicted from the cache since: start again
            return render_template(
                "exports/progress.html", download=download, token=token, expired=True
            ), 410
        files.append((item.filename, pdf))
    if download.zip_name:
        data = zip_pdfs(files)
        return rendering.attachment(
            data, download.zip_name, hashlib.sha256(data).hexdigest(), mimetype="application/zip"
        )
    ((filename, pdf),) = files
    return rendering.attachment(pdf, filename, hashlib.sha256(pdf).hexdigest())
