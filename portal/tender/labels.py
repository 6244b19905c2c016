"""Words users see for tender codes, and the messages for import problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from proposals.requirements import ImportProblem

KINDS = {"technical": _l("Technical"), "commercial": _l("Commercial")}
VERDICTS = {
    "open": _l("Not answered"),
    "comply": _l("Comply"),
    "partial": _l("Partial"),
    "deviate": _l("Deviate"),
}
REVIEW_STATES = {
    "none": _l("No review"),
    "requested": _l("Review requested"),
    "approved": _l("Reviewed"),
    "changes": _l("Changes requested"),
}
BLOCKERS = {
    "mandatory_unanswered": _l("★ requirement not answered"),
    "mandatory_deviation": _l("★ requirement deviates without a leader's acceptance"),
    "unanswered": _l("Not answered"),
}

PROBLEMS = {
    "too_large": _l("The file is larger than %(max_mb)s MB."),
    "too_large_unpacked": _l("The file unpacks to far more than it weighs; it is refused."),
    "wrong_type": _l("Upload an Excel (.xlsx) or Word (.docx) file."),
    "unreadable": _l("The file could not be read. Save it again as .xlsx or .docx."),
    "no_table": _l("The document holds no table."),
    "no_rows": _l("No requirement rows found. The table needs a requirement column."),
    "too_many_rows": _l("More than %(max)s requirements: split the table."),
    "too_slow": _l("Reading the file took too long; split it."),
    "cell_too_long": _l("A cell is longer than %(max)s characters."),
    "empty_text": _l("The requirement text is empty."),
    "number_too_long": _l("The number is longer than 40 characters."),
    "duplicate_number": _l("The number %(number)s appears twice."),
    "bad_points": _l("The points “%(value)s” are not a number."),
}


def problem_message(problem: ImportProblem) -> str:
    message = str(PROBLEMS.get(problem.code, problem.code)) % problem.details
    if problem.row:
        return str(_l("Row %(row)d: %(message)s", row=problem.row, message=message))
    return message
