"""Words users see for objection codes, and the domain's error codes in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TYPES = {
    "price": _l("Price"),
    "time": _l("Time"),
    "risk": _l("Risk"),
    "decision": _l("Decision"),
    "other": _l("Other"),
}

SEVERITIES = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}

STATUSES = {
    "open": _l("Open"),
    "resolved": _l("Resolved"),
    "escalated": _l("Escalated"),
    "lost": _l("Lost"),
}

OUTCOMES = {k: v for k, v in STATUSES.items() if k != "open"}

STEPS = {
    "listen": _l("Listen"),
    "sympathize": _l("Sympathize"),
    "confirm": _l("Confirm"),
    "process": _l("Process"),
    "assure": _l("Assure"),
}

STEP_HINTS = {
    "listen": _l("What exactly was said, and by whom. Write the customer's own words."),
    "sympathize": _l("How we acknowledged the concern before answering it."),
    "confirm": _l("The real concern in one sentence, restated and confirmed by the customer."),
    "process": _l("The answer we chose and the evidence we offered."),
    "assure": _l("The commitment or guarantee given, who owns it and by when."),
}

LANGUAGES = {"en": _l("English"), "zh_CN": _l("Chinese (Simplified)")}

AGE_BUCKETS = {
    "0-7": _l("0–7 days"),
    "8-30": _l("8–30 days"),
    "31-90": _l("31–90 days"),
    ">90": _l("over 90 days"),
}

# Domain error codes (proposals.objections) in the reader's language.
ERRORS = {
    "previous_step_missing": _l("Finish the previous step first."),
    "required": _l("This field is required."),
    "confirmation_required": _l("The customer must confirm that this is the real concern."),
    "response_required": _l("Choose how you answered the objection."),
    "invalid_date": _l("Enter a date as yyyy-mm-dd."),
    "due_date_past": _l("The due date is in the past."),
    "steps_incomplete": _l("Work through all five steps before closing as resolved."),
}

# Field-specific wording where "required" alone would be vague.
FIELD_REQUIRED = {
    "listen": _l("Write down what the customer said."),
    "notes": _l("Describe the answer you gave."),
    "commitment": _l("State what we commit to."),
    "owner": _l("Name who owns the commitment."),
    "due_date": _l("Set a due date."),
}
