"""Forms of the outcome page: the result, and one small form per bidder row."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from portal.forms import NumberField, StringField, TextAreaField, at_most_decimals, choice_in, line
from portal.outcomes import labels
from proposals.award_notice import MAX_CHARS
from proposals.outcomes import REASON_CODES, RESULT_CODES

MONEY_MAX = 10**13  # NUMERIC(16, 2)
POINTS_MAX = 1000
#: Most bidder rows one outcome holds.
MAX_BIDDERS = 60


def _money(label):
    return NumberField(
        label,
        widget=TextInput(),
        render_kw={"inputmode": "decimal"},
        validators=[
            Optional(),
            NumberRange(min=0, max=MONEY_MAX, message=_l("Enter an amount from 0 up.")),
            at_most_decimals(2),
        ],
    )


def _points(label):
    return NumberField(
        label,
        widget=TextInput(),
        render_kw={"inputmode": "decimal"},
        validators=[
            Optional(),
            NumberRange(min=0, max=POINTS_MAX, message=_l("Points from 0 to 1000.")),
            at_most_decimals(2),
        ],
    )


class OutcomeForm(FlaskForm):
    # 0 while no outcome is recorded: a save then meets any outcome saved meanwhile.
    version = IntegerField(
        widget=TextInput(input_type="hidden"), default=0, validators=[Optional()]
    )
    rows = IntegerField(widget=TextInput(input_type="hidden"), default=0, validators=[Optional()])
    result = SelectField(
        _l("Result"), choices=list(labels.RESULTS.items()), validators=[choice_in(RESULT_CODES)]
    )
    reason_code = SelectField(
        _l("Main reason"),
        choices=list(labels.REASONS.items()),
        validators=[choice_in(REASON_CODES)],
    )
    reason_text = TextAreaField(_l("What happened"), validators=line(required=False, maximum=4000))
    closed_on = DateField(
        _l("Closed on"), validators=[InputRequired(message=_l("Enter the date it closed."))]
    )
    our_price = _money(_l("Our submitted price"))
    control_price = _money(_l("Buyer's control price (最高限价)"))
    budget = _money(_l("Buyer's budget"))
    notice = TextAreaField(
        _l("Paste the award notice"), validators=line(required=False, maximum=MAX_CHARS)
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Here, not as validate_reason_text: Optional() would skip that on empty input.
        if self.reason_code.data == "other" and not (self.reason_text.data or "").strip():
            self.reason_text.errors = [*self.reason_text.errors, _l("Say what the reason was.")]
            ok = False
        return ok


class BidderForm(FlaskForm):
    """One bidder row, prefixed ``b<n>`` (CSRF is the parent's)."""

    class Meta:
        csrf = False

    name = StringField(_l("Bidder as published"), validators=line(required=False, maximum=200))
    competitor_id = SelectField(_l("Rival record"), choices=[], validate_choice=False)
    is_us = BooleanField(_l("This is us"))
    price = _money(_l("Price"))
    tech_score = _points(_l("Technical points"))
    price_score = _points(_l("Price points"))
    total_score = _points(_l("Total points"))
    rank = IntegerField(
        _l("Rank"),
        widget=TextInput(),
        render_kw={"inputmode": "numeric"},
        validators=[Optional(), NumberRange(min=1, max=999, message=_l("A rank from 1 to 999."))],
    )

    def is_blank(self) -> bool:
        return (
            not (self.name.data or "").strip()
            and not self.is_us.data
            and all(
                self[f].data is None for f in ("price", "tech_score", "price_score", "total_score")
            )
        )

    def validate_name(self, field):
        if not (field.data or "").strip() and not self.is_us.data and not self.is_blank():
            raise ValidationError(_l("Name the bidder."))
