"""Form pieces shared by every area."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField
from wtforms.validators import InputRequired, Length, ValidationError

# The longest text any single-line field accepts; a 10 MB paste is refused at the field.
LINE_MAX = 200
TEXT_MAX = 20_000


class EmptyForm(FlaskForm):
    """A bare button that changes something still carries the CSRF token."""


class VersionedForm(FlaskForm):
    """Forms editing a versioned row send back the version they started from."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def line(required: bool = True, maximum: int = LINE_MAX):
    from wtforms.validators import Optional

    first = InputRequired(message=_l("This field is required.")) if required else Optional()
    return [first, Length(max=maximum, message=_l("At most %(max)d characters.", max=maximum))]


def choice_in(codes):
    def check(form, field):
        if field.data not in codes:
            raise ValidationError(_l("Choose one of the listed options."))

    return check


def at_most_decimals(places: int):
    """For a DecimalField kept in a column with `places` decimals: more would be rounded
    away without a word, so they are refused at the field."""
    message = _l("Use at most %(n)d decimal places.", n=places)

    def check(form, field):
        value = field.data
        if (
            isinstance(value, Decimal)
            and value.is_finite()
            and -value.normalize().as_tuple().exponent > places
        ):
            raise ValidationError(message)

    return check


class NumberField(DecimalField):
    """A DecimalField that reads numbers as people type them: grouped ("180,000"),
    with full-width digits ("１８００００") or spaces between groups ("180 000"). Commas
    must group by three, else the field answers "Not a valid decimal value"."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            from proposals.pricing import normalise_number_text

            text = normalise_number_text(valuelist[0])
            if GROUPED.fullmatch(text):
                text = text.replace(",", "")
            valuelist = [text, *valuelist[1:]]
        super().process_formdata(valuelist)


GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
