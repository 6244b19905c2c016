"""The shared form pieces refuse hostile input at the field (portal/forms.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portal.forms import DecimalField, StringField, TextAreaField, db_int_or_none, finite_decimal


class _Form(FlaskForm):
    class Meta:
        csrf = False

    amount = DecimalField("Amount", max_places=2)
    name = StringField("Name")
    notes = TextAreaField("Notes")


@pytest.mark.parametrize(
    "raw",
    ["NaN", "sNaN", "-sNaN", "Infinity", "-Infinity", "1E+999999999", "0.0000000001", "1.234"],
)
def test_the_decimal_field_refuses_what_would_end_in_a_500(app, raw):
    with app.test_request_context():
        form = _Form(MultiDict({"amount": raw, "name": "a", "notes": "b"}))
        assert not form.validate()
        assert form.amount.errors and form.amount.data is None


def test_the_decimal_field_keeps_plain_numbers(app):
    with app.test_request_context():
        form = _Form(MultiDict({"amount": "1200.50", "name": "a", "notes": "b"}))
        assert form.validate(), form.errors
        assert form.amount.data == Decimal("1200.50")


@pytest.mark.parametrize("text", ["a\x00b", "\x07", "a\x1b[31m", "\x85"])
def test_text_fields_refuse_nul_and_control_characters(app, text):
    with app.test_request_context():
        form = _Form(MultiDict({"amount": "1", "name": text, "notes": text}))
        assert not form.validate()
        assert form.name.errors and form.notes.errors


def test_text_areas_keep_newlines_and_tabs(app):
    with app.test_request_context():
        form = _Form(MultiDict({"amount": "1", "name": "a", "notes": "one\r\n\ttwo"}))
        assert form.validate(), form.errors


def test_finite_decimal_never_raises():
    for raw in ["1E+999999999", "-1E-999999999", "sNaN", "abc", "1e3", "12E-1", ""]:
        finite_decimal(raw, 2)
    assert finite_decimal("1.2300", 2) == (Decimal("1.2300"), None)


def test_ids_beyond_the_database_integer_are_no_ids():
    assert db_int_or_none("12") == 12
    assert db_int_or_none("99999999999999999999") is None
    assert db_int_or_none("²") is None
    assert db_int_or_none("") is None


def test_a_line_description_longer_than_its_column_is_refused_not_cut(app, as_user, opportunity):
    from portal.drafts.views import _line_input
    from proposals.pricing import MAX_DESCRIPTION_LENGTH, validate_line

    raw = _line_input(
        {
            "part": "solution",
            "description": "x" * (MAX_DESCRIPTION_LENGTH + 100),
            "quantity": "1",
            "unit_price": "1",
            "unit_cost": "1",
        }
    )
    line, errors = validate_line(raw)
    assert line is None and errors["description"].code == "too_long"


def test_a_line_description_with_a_nul_byte_is_refused_at_the_field():
    from proposals.pricing import validate_line

    line, errors = validate_line(
        {
            "part": "solution",
            "description": "a\x00b",
            "quantity": "1",
            "unit_price": "1",
            "unit_cost": "1",
        }
    )
    assert line is None and errors["description"].code == "control_characters"


def test_every_text_field_of_every_form_has_a_length_limit(app):
    from wtforms.validators import Length

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    unbounded = []
    with app.test_request_context():
        for form_class in {f for f in subclasses(FlaskForm) if f.__module__.startswith("portal.")}:
            form = form_class(meta={"csrf": False})
            for field in form:
                if field.type in ("StringField", "TextAreaField", "PasswordField") and not any(
                    isinstance(v, Length) for v in field.validators
                ):
                    unbounded.append(f"{form_class.__name__}.{field.name}")
    assert unbounded == []


def test_k_values_refuse_nan_and_infinity():
    from portal.pricescore.forms import parse_k_set

    assert parse_k_set("0.02, 0.05") == (0.02, 0.05)
    for bad in ("NaN", "0.02, Infinity", "1E+999999999", "sNaN"):
        with pytest.raises(ValueError):
            parse_k_set(bad)
