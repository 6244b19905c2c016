"""The tender parts of the customer documents: deviation tables in the PDF (from the
revision snapshot) and the Word export of the working proposal."""

from __future__ import annotations

import dataclasses

from flask_babel import force_locale
from flask_babel import gettext as _

from proposals.documents import DocumentSection
from proposals.requirements import deviation_rows, deviation_table_html


def deviation_labels() -> dict[str, str]:
    """Column headings in the format Chinese tenders use, in the current (forced) locale."""
    return {
        "no": _("No."),
        "clause": _("Tender clause"),
        "requirement": _("Tender requirement"),
        "response": _("Our response"),
        "deviation": _("Deviation"),
        "note": _("Explanation"),
        "partial": _("Partial deviation"),
        "deviate": _("Deviation"),
        "none": _("We comply with every requirement of this part: there is no deviation."),
        "technical": _("Technical deviation table"),
        "commercial": _("Commercial deviation table"),
        "responses": _("Requirement response"),
        "verdict": _("Verdict"),
        "description": _("Item"),
        "quantity": _("Quantity"),
        "unit_price": _("Unit price"),
        "amount": _("Amount"),
        "recommended": _("recommended"),
        "quote": _("Quotation"),
    }


def with_deviation_tables(document, snapshot: dict):
    """The customer document with the technical and commercial deviation tables appended
    (only partial/deviate rows; a "no deviation" statement for a part without any). A
    snapshot without a requirement table (or from before there was one) is unchanged."""
    requirements = snapshot.get("requirements") or []
    if not requirements:
        return document
    labels = deviation_labels()
    extra = tuple(
        DocumentSection(
            labels[kind],
            deviation_table_html(deviation_rows(requirements, kind), labels),
            anchor=f"deviation-{kind}",
        )
        for kind in ("technical", "commercial")
    )
    return dataclasses.replace(document, sections=tuple(document.sections) + extra)


def proposal_docx(opportunity, proposal) -> bytes:
    """The working proposal as .docx: sections, quote, deviation tables, requirement
    response. Prices come from the same quote tables the PDF prints."""
    from portal.drafts.workflow import snapshot
    from portal.exports import revision_pdfs
    from portal.tender.labels import VERDICTS
    from proposals.content import render_markdown
    from proposals.proposal_pdf import revision_document
    from proposals.word import ResponseRow, WordProposal, write_docx

    snap = snapshot(proposal)
    language = proposal.language if proposal.language in ("zh_CN", "en") else "en"
    with force_locale(language):
        labels = deviation_labels()
        customer = opportunity.account.name if opportunity.account else opportunity.name
        built = revision_document(
            snap,
            view="customer",
            labels=revision_pdfs.labels(),
            render_markdown=render_markdown,
            customer=customer,
            date=proposal.updated_at.date().isoformat(),
            version=_("working version"),
            confidentiality=_("Confidential: prepared for %(customer)s", customer=customer),
        )
        requirements = snap.get("requirements") or []
        deviations = (
            [(labels[k], deviation_rows(requirements, k)) for k in ("technical", "commercial")]
            if requirements
            else []
        )
        responses = [
            ResponseRow(
                r["number"], r["text"], str(VERDICTS[r["verdict"]]), r["response"], r["mandatory"]
            )
            for r in requirements
        ]
        return write_docx(
            WordProposal(
                title=proposal.title,
                customer=customer,
                date=built.document.date,
                version=built.document.version,
                confidentiality=built.document.confidentiality,
                language=language,
                sections=[(s["title"], s["body"]) for s in snap["sections"]],
                quote_tables=built.document.quote_tables,
                quote_heading=labels["quote"],
                deviation_tables=deviations,
                responses=responses,
                labels=labels,
            )
        )
