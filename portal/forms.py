"""Form pieces shared by every area."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

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

    def check(form, field):
        if isinstance(field.data, Decimal):
            _value, problem = finite_decimal(field.data, places)
            if problem is not None:
                raise ValidationError(problem)

    return check


# --- hostile input -------------------------------------------------------------------------
# NUL, the other C0 controls except tab/newlines, DEL and the C1 controls: PostgreSQL refuses
# NUL outright (a 500 before), and the rest only garble pages, PDFs and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Decimal input beyond this many digits either side of the point is no real figure.
_DECIMAL_EXPONENT_LIMIT = 24


def control_characters(text: str | None) -> bool:
    """True when `text` holds a character no field accepts (see _CONTROL)."""
    return bool(text) and _CONTROL.search(text) is not None


def no_control_characters(form, field):
    """Validator for any text field: refuse NUL and other control characters at the field."""
    if isinstance(field.data, str) and control_characters(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this text."))


class _CleanText:
    def pre_validate(self, form):
        super().pre_validate(form)
        if isinstance(self.data, str) and control_characters(self.data):
            raise StopValidation(_l("Remove the invisible control characters from this text."))


class StringField(_CleanText, wtforms.StringField):
    """A single-line text field that refuses NUL and control characters at the field."""


class TextAreaField(_CleanText, wtforms.TextAreaField):
    """A text area that refuses NUL and control characters (tab and newlines are fine)."""


class PasswordField(_CleanText, wtforms.PasswordField):
    """A password field that refuses NUL and control characters."""


def finite_decimal(value, places: int | None = None):
    """(Decimal, None) or (None, message) for any input: NaN, sNaN, ±Infinity, absurd
    exponents (1E+999999999) and more than `places` decimals are refused, never raised."""
    if value is None:
        return None, None
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value).strip())
        except (InvalidOperation, ValueError, TypeError):
            return None, _l("Enter a number, e.g. 1200.50.")
    if not value.is_finite():
        return None, _l("Enter a number, e.g. 1200.50.")
    if value.adjusted() > _DECIMAL_EXPONENT_LIMIT:
        return None, _l("This number is too large.")
    if value and value.adjusted() < -_DECIMAL_EXPONENT_LIMIT:
        return None, _l("Use at most %(n)d decimal places.", n=places or 0)
    if places is not None:
        # Decimals as typed, less trailing zeros; computed from the digits, since
        # normalize() overflows on exponents like 1E+999999999.
        sign, digits, exponent = value.as_tuple()
        trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        if any(digits) and -(exponent + trailing) > places:
            return None, _l("Use at most %(n)d decimal places.", n=places)
    return value, None


# WTForms' own message, translated by WTForms' catalog (a variable: not ours to extract).
_WTFORMS_NOT_A_DECIMAL = "Not a valid decimal value."


class DecimalField(wtforms.DecimalField):
    """The one decimal field of the portal.

    Refuses, with a message at the field, what would otherwise reach a comparison or the
    database and end in a 500: NaN, sNaN, ±Infinity, 1E+999999999, and (with `max_places`,
    which stored fields set to their column's scale) more decimals than the column keeps,
    so 0.0000000001 can never pass "above zero" and then round to 0.00.
    """

    def __init__(self, label=None, validators=None, places=2, rounding=None, **kwargs):
        self.max_places = kwargs.pop("max_places", None)
        super().__init__(label, validators, places=places, rounding=rounding, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0]
        if raw is None or not str(raw).strip():
            self.data = None
            raise ValueError(self.gettext(_WTFORMS_NOT_A_DECIMAL))
        try:
            parsed = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            self.data = None
            raise ValueError(self.gettext(_WTFORMS_NOT_A_DECIMAL)) from None
        value, message = finite_decimal(parsed, self.max_places)
        if message is not None:
            self.data = None
            raise ValueError(str(message))
        self.data = value


# Row ids and versions are 32-bit integers in both databases: a larger number in a form is
# no id at all (and would make the database driver raise instead of finding nothing).
DB_INT_MAX = 2**31 - 1


def db_int(value) -> int:
    """`type=` for request.form.get: an int a database column can hold, else ValueError
    (so .get answers its default). Only ASCII digits: int("²") would raise elsewhere."""
    text = str(value).strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        raise ValueError(value)
    number = int(text)
    if not -DB_INT_MAX <= number <= DB_INT_MAX:
        raise ValueError(value)
    return number


def db_int_or_none(value) -> int | None:
    try:
        return db_int(value)
    except (TypeError, ValueError):
        return None


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
