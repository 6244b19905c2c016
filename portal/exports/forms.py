"""The bid desk's filter bar (rendering only: exports.desk.DeskCriteria parses the query
string, so a stale or hand-made URL never fails)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import Length, Optional

from portal import labels
from portal.drafts.labels import APPROVAL_STATES
from portal.forms import StringField  # refuses NUL and control characters


class DeskFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    # Choices of stage and owner are filled per request; "" (not None) is "all", so the
    # URL never carries stage=None.
    stage = SelectField(_l("Stage"), validate_choice=False)
    owner = SelectField(_l("Owner"), validate_choice=False)
    deadline = SelectField(
        _l("Bid deadline"),
        choices=[
            ("", _l("Any deadline")),
            ("overdue", _l("Passed")),
            ("7", _l("Next 7 days")),
            ("30", _l("Next 30 days")),
            ("90", _l("Next 90 days")),
            ("undated", _l("No deadline")),
        ],
    )
    approval = SelectField(
        _l("Approval"),
        choices=[("", _l("Any approval state")), ("none", _l("No request"))]
        + list(APPROVAL_STATES.items()),
    )
    grade = SelectField(
        _l("Account grade"),
        choices=[("", _l("All grades"))] + [(code, code) for code in labels.ACCOUNT_GRADES],
    )
    mine = BooleanField(_l("Needs my decision"), false_values=("", "0", "false"))
    sort = SelectField(
        _l("Sort by"),
        choices=[
            ("deadline", _l("Bid deadline")),
            ("-deadline", _l("Bid deadline, latest first")),
            ("name", _l("Opportunity name")),
            ("-amount", _l("Amount, largest first")),
            ("-margin", _l("Margin, highest first")),
            ("-pwin", _l("P(win), highest first")),
            ("stage", _l("Stage")),
        ],
    )
