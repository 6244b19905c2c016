from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal import labels
from portal.forms import (
    TEXT_MAX,
    NumberField,
    StringField,
    TextAreaField,
    VersionedForm,
    line,
)
from portal.idempotency import token_field

# 12 integer digits: above any real bid, below NUMERIC(16, 2)'s limit, so a 30-digit
# paste gets a message instead of a database error.
AMOUNT_MAX = 10**12


def _optional_choice(codes: dict):
    return [("", "—")] + list(codes.items())


def _coerce_int_or_none(value):
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not in the choices: answered "Not a valid choice" at the field


class OpportunityForm(VersionedForm):
    request_token = token_field()  # create only: a double-clicked "Create" makes one deal
    name = StringField(_l("Opportunity name"), validators=line())
    account_id = SelectField(_l("Account"), coerce=int, validate_choice=True)
    stage_id = SelectField(_l("Stage"), coerce=int, validate_choice=True)
    procurement_form = SelectField(
        _l("Procurement form"), choices=list(labels.PROCUREMENT_FORMS.items())
    )
    amount = NumberField(
        _l("Estimated amount"),
        places=2,
        max_places=2,
        validators=[
            InputRequired(message=_l("Enter an amount, e.g. 1200000.")),
            NumberRange(
                min=0,
                max=AMOUNT_MAX,
                message=_l("Enter an amount between 0 and 1,000,000,000,000."),
            ),
        ],
    )
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in labels.CURRENCIES])
    bid_deadline = DateField(_l("Bid deadline"), validators=[Optional()])
    close_date = DateField(_l("Expected close date"), validators=[Optional()])
    owner_id = SelectField(_l("Owner (rep)"), coerce=int, validate_choice=True)
    presales_id = SelectField(_l("Presales"), coerce=_coerce_int_or_none, validate_choice=True)
    status = SelectField(_l("Status"), choices=list(labels.OPPORTUNITY_STATUSES.items()))
    status_reason = TextAreaField(
        _l("Reason (for won, lost or abandoned)"), validators=[Optional(), Length(max=2000)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=TEXT_MAX)])

    EDITABLE = (
        "name",
        "account_id",
        "stage_id",
        "procurement_form",
        "amount",
        "currency",
        "bid_deadline",
        "close_date",
        "owner_id",
        "presales_id",
        "status",
        "status_reason",
        "description",
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not as validate_status_reason: Optional() would skip that on empty input.
        if (
            self.status.data in ("lost", "abandoned")
            and not (self.status_reason.data or "").strip()
        ):
            self.status_reason.errors.append(_l("Say why the opportunity was lost or abandoned."))
            valid = False
        return valid

    def validate_close_date(self, field):
        if field.data and self.bid_deadline.data and field.data < self.bid_deadline.data:
            raise ValidationError(_l("The close date cannot be before the bid deadline."))


class StakeholderForm(VersionedForm):
    name = StringField(_l("Name"), validators=line(maximum=120))
    title = StringField(_l("Title"), validators=line(required=False, maximum=120))
    department = StringField(_l("Department"), validators=line(required=False, maximum=120))
    map_role = SelectField(_l("MAP role"), choices=_optional_choice(labels.MAP_ROLES))
    buying_role = SelectField(_l("Buying role"), choices=_optional_choice(labels.BUYING_ROLES))
    decision_type = SelectField(
        _l("Decision type"), choices=_optional_choice(labels.DECISION_TYPES)
    )
    influence = IntegerField(
        _l("Influence (1–5)"),
        validators=[
            InputRequired(message=_l("Enter a whole number from 1 to 5.")),
            NumberRange(min=1, max=5, message=_l("Influence is a whole number from 1 to 5.")),
        ],
    )
    attitude = SelectField(_l("Attitude"), choices=list(labels.ATTITUDES.items()))
    last_contact = DateField(_l("Last contact"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT_MAX)])

    EDITABLE = (
        "name",
        "title",
        "department",
        "map_role",
        "buying_role",
        "decision_type",
        "influence",
        "attitude",
        "last_contact",
        "notes",
    )

    def clean(self, name):
        """Form value as stored: empty choices become NULL."""
        value = self[name].data
        if name in ("map_role", "buying_role", "decision_type"):
            return value or None
        if isinstance(value, str):
            return value.strip()
        return value


class ListFilterForm(FlaskForm):
    """The filter bar of the opportunity list (rendering only: deals.queries.ListCriteria
    parses the query string)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    stage = SelectField(_l("Stage"), coerce=_coerce_int_or_none, validate_choice=True)
    status = SelectField(_l("Status"), choices=_optional_choice(labels.OPPORTUNITY_STATUSES))
    owner = SelectField(_l("Owner"), coerce=_coerce_int_or_none, validate_choice=True)
    sort = SelectField(
        _l("Sort by"),
        choices=[
            # The form always sends its sort: "" lets a search rank its results.
            ("", _l("Best match, or bid deadline without a search")),
            ("deadline", _l("Bid deadline")),
            ("-amount", _l("Amount, largest first")),
            ("name", _l("Opportunity name")),
            ("stage", _l("Stage")),
            ("-updated", _l("Recently updated")),
        ],
    )
