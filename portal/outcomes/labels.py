"""The words the outcome pages show for the codes proposals.outcomes and
proposals.award_notice use."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

RESULTS = {
    "won": _l("Won"),
    "lost": _l("Lost"),
    "abandoned": _l("We withdrew"),
    "no_decision": _l("No decision (cancelled or never awarded)"),
}

REASONS = {
    "price": _l("Price"),
    "technical_score": _l("Technical score"),
    "relationship": _l("Relationship"),
    "qualification": _l("Qualification"),
    "scope_change": _l("Scope changed"),
    "budget_cut": _l("Budget cut"),
    "timing": _l("Timing"),
    "other": _l("Other (say what)"),
}

REFERENCE_KINDS = {
    "control": _l("control price"),
    "budget": _l("budget"),
}


def notice_warning(warning) -> str:
    """One parser warning as a sentence for the rep."""
    from flask_babel import gettext as _

    code, line, detail = warning.code, warning.line, warning.detail
    if code == "empty":
        return _("Paste the text of the award notice first.")
    if code == "no_rows":
        return _(
            "No bidder table was found in this text. Check that the pasted part holds the "
            "bidders with their prices, or enter the bidders by hand below."
        )
    if code == "unit_assumed":
        return _("The notice states no unit (元, 万元, CNY): prices were read as yuan. Check them.")
    if code == "no_price":
        return _("Line %(line)d: no price was found for %(name)s.", line=line, name=detail)
    if code == "unreadable":
        return _("Line %(line)d could not be read: %(text)s", line=line, text=detail)
    if code == "total_mismatch":
        return _(
            "Line %(line)d: the technical and price points of %(name)s do not add up to "
            "the published total.",
            line=line,
            name=detail,
        )
    if code == "too_many":
        return _("Only the first 60 bidders were read.")
    if code == "too_long":
        return _("Only the first 50,000 characters were read.")
    return code
