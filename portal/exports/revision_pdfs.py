"""PDFs of a frozen proposal revision: the customer proposal, the finance view and the
technical annex (proposals.proposal_pdf builds the documents from the snapshot).

A revision of kind "submitted" is what the customer received: its PDFs are stored once in
the FrozenStore (PDF_FROZEN_DIR) at the first download and served byte-identical ever
after, with the SHA-256 recorded then. Other revisions render (or come from the PDF cache)
on each download.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.drafts import labels as dlabels
from portal.drafts.models import Proposal, ProposalRevision
from portal.exports import rendering
from proposals.content import render_markdown
from proposals.documents import ExportRequest, FrozenPdf, FrozenStore, export_frozen
from proposals.proposal_pdf import RevisionDocument, revision_document

FILE_PREFIX = {"customer": "proposal", "finance": "finance-view", "technical": "technical-annex"}


def labels() -> dict[str, str]:
    """The document labels in the current (forced) locale."""
    return {
        # The part names and figure names of the quote page, so screen and paper agree.
        "solution": str(dlabels.PARTS["solution"]),
        "services": str(dlabels.PARTS["services"]),
        "maintenance_per_year": str(dlabels.PARTS["maintenance"]),
        "maintenance_term": _("Maintenance over {years} years"),
        "maintenance_term_one": _("Maintenance for one year"),
        "first_year": _("First-year price"),
        "contract_total": _("Contract value (TCO over term)"),
        "quote_note": _("Amounts after discount. Maintenance term: {years} years."),
        "quote_note_one": _("Amounts after discount. Maintenance term: one year."),
        "discount_note": _("(discount {pct})"),
        "costs_margins": _("Costs and margins"),
        "option": _("Option"),
        "list_price": _("List price"),
        "discount": _("Discount vs list"),
        "net": _("Net contract value"),
        "cost": _("Cost"),
        "margin": _("Margin"),
        "margin_pct": _("Margin rate"),
        "tco": _("TCO over term"),
        "term_years": _("Maintenance term (years)"),
    }


def language_of(revision: ProposalRevision, proposal: Proposal) -> str:
    language = (revision.snapshot or {}).get("language") or proposal.language
    return language if language in rendering.LANGUAGES else "en"


def build(revision: ProposalRevision, proposal: Proposal, view: str) -> RevisionDocument:
    opportunity = proposal.opportunity
    language = language_of(revision, proposal)
    with force_locale(language):
        customer = opportunity.account.name if opportunity.account else opportunity.name
        kind = _("submitted") if revision.kind == "submitted" else _("working version")
        subtitle = {
            "customer": "",
            "finance": _("Finance view"),
            "technical": _("Technical annex"),
        }[view]
        confidentiality = (
            _("Not for the customer")
            if view == "finance"
            else _("Confidential: prepared for %(customer)s", customer=customer)
        )
        built = revision_document(
            revision.snapshot or {},
            view=view,
            labels=labels(),
            render_markdown=render_markdown,
            customer=customer,
            date=revision.created_at.date().isoformat(),
            version=f"v{revision.number} ({kind})",
            confidentiality=confidentiality,
            subtitle=subtitle,
        )
        if view == "customer":
            from portal.tender.documents import with_deviation_tables

            document = with_deviation_tables(built.document, revision.snapshot or {})
            built = dataclasses.replace(built, document=document)
        return built


def export_request(revision: ProposalRevision, proposal: Proposal, view: str) -> ExportRequest:
    """The render request; the pre-flight must find each option's contract value, as the
    quote computes it, printed under its label."""
    built = build(revision, proposal, view)
    document = built.document
    html = rendering.render_pdf_html(
        "pdf/document.html",
        language_of(revision, proposal),
        doc=document,
        sections=document.anchored_sections(),
        labels={},
    )
    return rendering.export_request(html, expected_totals=built.expected_totals)


def filename(revision: ProposalRevision, proposal: Proposal, view: str) -> str:
    return rendering.safe_filename(FILE_PREFIX[view], proposal.title, f"v{revision.number}")


def frozen_name(revision: ProposalRevision, view: str) -> str:
    """Named by id, view and a digest of the snapshot and its creation time: ids restart
    when a database is rebuilt (demo reset, SQLite), and a new revision must never be
    answered with the stored file of an old one that had its id."""
    content = json.dumps(
        [revision.snapshot, revision.created_at.isoformat()], sort_keys=True, default=str
    )
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return f"revision-{revision.id}-{view}-{digest}"


def frozen_store() -> FrozenStore:
    return FrozenStore(current_app.config["PDF_FROZEN_DIR"])


def is_frozen_kind(revision: ProposalRevision) -> bool:
    return revision.kind == "submitted"


def frozen(revision: ProposalRevision, view: str = "customer") -> FrozenPdf | None:
    """The stored PDF of a submitted revision, None before its first download."""
    if not is_frozen_kind(revision):
        return None
    return frozen_store().get(frozen_name(revision, view))


def freeze(revision: ProposalRevision, view: str, request: ExportRequest) -> FrozenPdf:
    return export_frozen(frozen_store(), frozen_name(revision, view), request)
