"""Words users see for proposal codes, and the messages for domain error codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "approved": _l("Approved"),
    "submitted": _l("Submitted"),
    "won": _l("Won"),
    "lost": _l("Lost"),
}

# Buttons that move a proposal to a status.
STATUS_ACTIONS = {
    "in_review": _l("Send for review"),
    "approved": _l("Mark approved"),
    "submitted": _l("Submit to customer"),
    "draft": _l("Back to draft"),
    "won": _l("Mark won"),
    "lost": _l("Mark lost"),
}

LANGUAGES = {"zh_CN": _l("Chinese (zh-CN)"), "en": _l("English")}

PARTS = {
    "solution": _l("Solution"),
    "services": _l("Implementation & training"),
    "maintenance": _l("Maintenance & after-sales (per year)"),
}

# Default section titles are written into the proposal in ITS language, not the reader's.
SECTION_TITLES = {
    "executive_summary": ("Executive summary", "执行摘要"),
    "customer_needs": ("Customer needs and pain points", "客户需求与痛点"),
    "proposed_solution": ("Proposed solution", "解决方案"),
    "value_roi": ("Value and ROI", "价值与投资回报"),
    "implementation_plan": ("Implementation plan and timeline", "实施计划与时间表"),
    "risk_reduction": ("Risk reduction", "风险控制"),
    "differentiation": ("Differentiation", "差异化优势"),
    "customer_cases": ("Customer cases", "客户案例"),
    "commercial_terms": ("Commercial terms", "商务条款"),
    "custom": ("New section", "新章节"),
}

SECTION_KINDS = {
    "executive_summary": _l("Executive summary"),
    "customer_needs": _l("Customer needs and pain points"),
    "proposed_solution": _l("Proposed solution"),
    "value_roi": _l("Value and ROI"),
    "implementation_plan": _l("Implementation plan and timeline"),
    "risk_reduction": _l("Risk reduction"),
    "differentiation": _l("Differentiation"),
    "customer_cases": _l("Customer cases"),
    "commercial_terms": _l("Commercial terms"),
    "custom": _l("Custom section"),
}

# A prompt shown in an empty section: what a strong section of this kind contains.
SECTION_HINTS = {
    "executive_summary": _l("The customer's problem, our answer and the value, in half a page."),
    "customer_needs": _l("Their goals and pain points, in their own words and numbers."),
    "proposed_solution": _l("What we deliver and how it solves each need listed above."),
    "value_roi": _l("Quantify: savings, efficiency, revenue, payback period, ROI."),
    "implementation_plan": _l("Phases, milestones, resources and who is responsible for what."),
    "risk_reduction": _l("Phased rollout, risk plan, contingency, flexible payment."),
    "differentiation": _l("Why us rather than the alternatives the customer is weighing."),
    "customer_cases": _l("Similar customers, what they achieved, who can be called."),
    "commercial_terms": _l("Validity, payment terms, warranty, assumptions."),
    "custom": _l("Write in Markdown: **bold**, lists with -, tables with |."),
}

APPROVAL_STATES = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn (quote changed)"),
}

REVISION_KINDS = {"version": _l("Saved version"), "submitted": _l("Submitted")}

METRICS = {"discount_pct": _l("Discount"), "margin_pct": _l("Margin")}

FIGURES = {
    "contract_value": _l("Contract value (TCO over term)"),
    "first_year_price": _l("First-year price"),
    "contract_cost": _l("Contract cost"),
    "margin_pct": _l("Margin %"),
    "discount_pct": _l("Discount vs list %"),
}

LINE_FIELDS = {
    "quantity": _l("Quantity"),
    "unit_price": _l("Unit price"),
    "unit_cost": _l("Unit cost"),
    "discount_pct": _l("Discount %"),
    "description": _l("Description"),
    "part": _l("Part"),
}

# Messages for proposals.pricing FieldError codes (the domain's English text is a fallback).
FIELD_ERRORS = {
    "required": _l("This field is required."),
    "control_characters": _l("Remove the invisible control characters from this text."),
    "not_a_number": _l("Enter a number, for example 1234.50."),
    "not_finite": _l("Enter a finite number."),
    "too_large": _l("Too large: use at most 11 digits before the decimal point."),
    "too_many_decimals": _l("Too many decimal places."),
    "negative": _l("Enter zero or a positive number."),
    "out_of_range": _l("Enter a discount between 0 and 100."),
    "invalid_choice": _l("Choose solution, services or maintenance."),
    "too_long": _l("Too long."),
    "maintenance_term_required": _l(
        "Maintenance lines are annual: enter a term of at least one year."
    ),
    "no_lines": _l("Add at least one line."),
    "too_few": _l("Add at least one option."),
    "too_many": _l("Offer at most 3 options."),
    "no_recommended": _l("Mark one option as recommended."),
    "several_recommended": _l("Only one option can be recommended."),
    "duplicate_name": _l("Give each option a different name."),
}

TRANSITION_ERRORS = {
    "not_allowed": _l("That step is not possible from the current status."),
    "quote_invalid": _l("Fix the quote first: see the problems listed under the totals."),
    "approval_required": _l(
        "This quote breaches an approval limit: it must be approved before it can move on."
    ),
    "same": _l("The proposal already has that status."),
    "bid_mismatch": _l(
        "The quote is not the bid price: match the quote option to the bid price, choose the "
        "price again on the official scenario, or ask a leader to record an override."
    ),
    "unknown_status": _l("Unknown status."),
}


def field_error(error) -> str:
    """The reader-language message of a proposals.pricing FieldError."""
    message = FIELD_ERRORS.get(error.code)
    if error.code == "required" and error.message != "This field is required.":
        message = None  # the domain says something more specific (e.g. "Give the option a name.")
    return str(message) if message is not None else error.message
