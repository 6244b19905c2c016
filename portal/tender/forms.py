"""Forms of the tender response area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

# The portal's own text and decimal fields: no NUL or control characters, no NaN or
# infinity (PostgreSQL refuses NUL outright).
from portal.forms import (
    DecimalField,
    StringField,
    TextAreaField,
    VersionedForm,
    at_most_decimals,
)
from portal.tender import labels
from proposals.content import MAX_SECTION_LENGTH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _len(maximum: int, required: bool = False):
    first = DataRequired(message=_l("This field is required.")) if required else Optional()
    return [first, Length(max=maximum, message=_l("At most %(max)d characters.", max=maximum))]


class RequirementForm(VersionedForm):
    number = StringField(_l("No."), validators=_len(40), filters=[_strip])
    clause = StringField(_l("Tender clause"), validators=_len(200), filters=[_strip])
    text = TextAreaField(_l("Requirement"), validators=_len(4000, True), filters=[_strip])
    kind = SelectField(_l("Kind"), choices=list(labels.KINDS.items()))
    mandatory = BooleanField(_l("★ mandatory"))
    scoring_item = StringField(_l("Scoring item"), validators=_len(200), filters=[_strip])
    points = DecimalField(
        _l("Points"),
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=99999, message=_l("Between 0 and 99999.")),
            at_most_decimals(2),
        ],
    )
    verdict = SelectField(_l("Verdict"), choices=list(labels.VERDICTS.items()))
    response = TextAreaField(
        _l("Response (Markdown)"), validators=_len(MAX_SECTION_LENGTH), filters=[_strip]
    )
    note = TextAreaField(_l("Explanation"), validators=_len(2000), filters=[_strip])
    section_id = SelectField(_l("Answered in section"), coerce=int, validate_choice=False)
    overwrite_version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class AssignForm(VersionedForm):
    owner_id = SelectField(_l("Assigned to"), coerce=int, validate_choice=False)
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validate_choice=False)
    due_date = DateField(_l("Due"), validators=[Optional()])
    review_state = SelectField(_l("Review"), choices=list(labels.REVIEW_STATES.items()))


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("Kind of requirements"), choices=list(labels.KINDS.items()), default="technical"
    )
    # As much text as the largest accepted upload (the request body is capped anyway).
    pasted = TextAreaField(
        _l("Paste the table (from Excel or Word)"),
        validators=[Optional(), Length(max=5 * 1024 * 1024)],
    )


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=_len(4000, True), filters=[_strip])


class ReviewCycleForm(VersionedForm):
    interval_days = IntegerField(
        _l("Review every (days)"),
        validators=[
            DataRequired(message=_l("This field is required.")),
            NumberRange(min=1, max=3650, message=_l("Between 1 and 3650.")),
        ],
    )
