from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import TEXT_MAX, StringField, TextAreaField, VersionedForm, line
from portal.objections import labels


def strip(value):
    return value.strip() if isinstance(value, str) else value


def coerce_int_or_none(value):
    # WTForms renders a None choice as value="None"; it comes back as that string.
    if value in ("", None, "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not among the choices: "Not a valid choice" at the field


class ObjectionForm(FlaskForm):
    stakeholder_id = SelectField(_l("Raised by"), coerce=coerce_int_or_none, validate_choice=True)
    objection_type = SelectField(_l("Type"), choices=list(labels.TYPES.items()))
    competitor_id = SelectField(
        _l("Rival it names"), coerce=coerce_int_or_none, validate_choice=True
    )
    customer_words = TextAreaField(
        _l("The customer's words"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write down what the customer said.")),
            Length(max=TEXT_MAX),
        ],
    )
    severity = SelectField(
        _l("Severity"), choices=list(labels.SEVERITIES.items()), default="medium"
    )
    raised_on = DateField(_l("Raised on"), validators=[Optional()])


class StepForm(FlaskForm):
    """Every field any LSCPA step uses; which are required is decided by the domain."""

    step = HiddenField()
    stakeholder_id = SelectField(_l("Said by"), coerce=coerce_int_or_none, validate_choice=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT_MAX)])
    customer_confirmed = BooleanField(_l("The customer confirmed this is the real concern"))
    # Confirm may find the real concern is of another type ("budget not approved" is a
    # decision objection, not a price one).
    objection_type = SelectField(
        _l("The real concern is of type"), choices=list(labels.TYPES.items()), validate_choice=False
    )
    # Radio buttons drawn by the template; membership is checked in the view, since only the
    # Process step sends it.
    response = StringField(_l("Response used"), validators=[Optional(), Length(max=20)])
    evidence = TextAreaField(_l("Evidence offered"), validators=[Optional(), Length(max=TEXT_MAX)])
    commitment = TextAreaField(
        _l("Commitment or guarantee"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    owner_id = SelectField(_l("Owner"), coerce=coerce_int_or_none, validate_choice=True)
    due_date = DateField(_l("Due date"), validators=[Optional()])


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Close as"), choices=list(labels.OUTCOMES.items()))
    close_note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT_MAX)])


class PlaybookForm(VersionedForm):
    objection_type = SelectField(_l("Objection type"), choices=list(labels.TYPES.items()))
    title_en = StringField(_l("Title (English)"), validators=line())
    title_zh = StringField(_l("Title (Chinese)"), validators=line())
    body_en = TextAreaField(_l("Response (English)"), validators=[Optional(), Length(max=TEXT_MAX)])
    body_zh = TextAreaField(_l("Response (Chinese)"), validators=[Optional(), Length(max=TEXT_MAX)])
    active = BooleanField(_l("Offer this response in the Process step"), default=True)

    EDITABLE = ("objection_type", "title_en", "title_zh", "body_en", "body_zh", "active")


class ReusableAnswerForm(FlaskForm):
    objection_type = SelectField(_l("Objection type"), choices=list(labels.TYPES.items()))
    title = StringField(_l("Answer title"), validators=line())
    body = TextAreaField(
        _l("Answer"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write the answer the next proposal should give.")),
            Length(max=TEXT_MAX),
        ],
    )
    language = SelectField(_l("Language"), choices=list(labels.LANGUAGES.items()))
    source_words = HiddenField()
    opportunity_count = IntegerField(widget=HiddenField.widget, validators=[Optional()])
