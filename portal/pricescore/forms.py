"""Scenario inputs. WTForms checks that each value is a number; the engine's validate_*
functions check what the numbers mean (weights over 100, low above high, K range …), and
their issues are attached here to the field the user typed into."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from portal.forms import (
    DecimalField,
    StringField,
    VersionedForm,
    at_most_decimals,
    finite_decimal,
    line,
)
from portal.pricescore import labels

# Money fields are NUMERIC(16, 2): refuse absurd pastes at the field, not in the database.
AMOUNT_MAX = Decimal(10) ** 12


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _not_blank(form, field):
    # InputRequired looks at the raw input, so "   " would pass it.
    if not field.data:
        raise ValidationError(_l("This field is required."))


POINTS_MAX = Decimal(1000)


def _number(label, required=True, maximum=AMOUNT_MAX, places=None, stored=False):
    """A decimal text box; `stored`: kept in a NUMERIC(16, 2) column, so at most 2 decimals."""
    first = InputRequired(message=_l("Enter a number.")) if required else Optional()
    # A text box, not <input type=number>: spinners are useless on 12,800,000, and the
    # browser would silently drop "abc" instead of letting us say what is wrong with it.
    return DecimalField(
        label,
        places=places,
        widget=TextInput(),
        render_kw={"inputmode": "decimal"},
        validators=[
            first,
            NumberRange(min=-maximum, max=maximum, message=_l("This number is too large.")),
            *([at_most_decimals(2)] if stored else []),
        ],
    )


class ScenarioForm(VersionedForm):
    name = StringField(
        _l("Scenario name"), validators=[*line(maximum=120), _not_blank], filters=[_strip]
    )
    # --- tender rules
    method = SelectField(_l("Benchmark method"), choices=list(labels.METHODS.items()))
    price_weight = _number(_l("Price weight (points)"), maximum=POINTS_MAX)
    tech_max = _number(_l("Technical & business points (max)"), maximum=POINTS_MAX)
    k = _number(_l("K (fraction, e.g. 0.05)"), required=False, maximum=POINTS_MAX)
    k_set = StringField(
        _l("or K drawn at opening from"),
        validators=[
            Optional(),
            Length(max=200, message=_l("At most %(max)d characters.", max=200)),
        ],
    )
    trim_n = IntegerField(
        _l("Drop n highest and n lowest"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=-1000, max=1000, message=_l("This number is too large.")),
        ],
    )
    trim_min_remaining = IntegerField(
        _l("Only if at least m bids remain"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=-1000, max=1000, message=_l("This number is too large.")),
        ],
    )
    alpha = _number(_l("α (weight on the lowest bid)"), maximum=POINTS_MAX)
    deduct_above = _number(_l("Deduction per 1 % above"), maximum=POINTS_MAX)
    deduct_below = _number(_l("Deduction per 1 % below"), maximum=POINTS_MAX)
    floor = _number(_l("Floor (points)"), maximum=POINTS_MAX)
    abnormal_low = BooleanField(_l("Exclude abnormally low bids"))
    al_threshold = _number(_l("Abnormally low below (percent of reference)"), maximum=POINTS_MAX)
    al_reference = SelectField(_l("Reference"), choices=list(labels.AL_REFERENCES.items()))
    al_action = SelectField(_l("Abnormally low bids are"), choices=list(labels.AL_ACTIONS.items()))
    decimals = IntegerField(
        _l("Decimal places"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=-100, max=100, message=_l("This number is too large.")),
        ],
    )
    ceiling = _number(_l("Budget ceiling"), required=False, stored=True)
    # --- our bid
    our_cost = _number(_l("Our cost"), stored=True)
    our_tech_low = _number(_l("low"), maximum=POINTS_MAX, stored=True)
    our_tech_likely = _number(_l("most likely"), maximum=POINTS_MAX, stored=True)
    our_tech_high = _number(_l("high"), maximum=POINTS_MAX, stored=True)
    # --- price grid and simulation
    grid_min = _number(_l("Lowest price to test"), stored=True)
    grid_max = _number(_l("Highest price to test"), stored=True)
    grid_steps = IntegerField(
        _l("Prices to test"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=2, max=200, message=_l("Test between 2 and 200 prices.")),
        ],
    )
    seed = IntegerField(
        _l("Random seed"),
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(
                min=0, max=2**31 - 1, message=_l("Use a whole number from 0 to 2147483647.")
            ),
        ],
    )
    chosen_price = _number(_l("Our bid price"), required=False, stored=True)

    RULE_FIELDS = (
        "method",
        "price_weight",
        "tech_max",
        "k",
        "k_set",
        "trim_n",
        "trim_min_remaining",
        "alpha",
        "deduct_above",
        "deduct_below",
        "floor",
        "abnormal_low",
        "al_threshold",
        "al_reference",
        "al_action",
        "decimals",
    )
    COLUMNS = (
        "name",
        "ceiling",
        "our_cost",
        "our_tech_low",
        "our_tech_likely",
        "our_tech_high",
        "grid_min",
        "grid_max",
        "grid_steps",
        "seed",
        "chosen_price",
    )

    def validate_k_set(self, field):
        try:
            parse_k_set(field.data)
        except ValueError as exc:
            raise ValidationError(
                _l("Enter K values as numbers separated by commas, e.g. 0.02, 0.05.")
            ) from exc

    def validate_grid_max(self, field):
        if (
            field.data is not None
            and self.grid_min.data is not None
            and field.data <= self.grid_min.data
        ):
            raise ValidationError(_l("The highest price must be above the lowest price."))

    def validate_chosen_price(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("A bid price must be above zero."))

    # --- between the form and the stored row

    def load(self, scenario) -> None:
        """Fill the form from a saved scenario (GET, or a rebased conflict)."""
        rules = scenario.rules
        for name in self.RULE_FIELDS:
            value = rules.get(name)
            if name == "al_threshold":
                value = Decimal(str(value)) * 100
            elif name == "k_set":
                value = ", ".join(_plain(x) for x in value or ())
            elif isinstance(value, float):
                value = Decimal(str(value))
            self[name].data = value
        for name in self.COLUMNS:
            self[name].data = trim(getattr(scenario, name))
        self.version.data = scenario.version

    def rules_dict(self) -> dict:
        """The JSON rules from validated input (numbers as plain floats/ints)."""
        d = self.data
        return {
            "method": d["method"],
            "price_weight": float(d["price_weight"]),
            "tech_max": float(d["tech_max"]),
            "k": None if d["k"] is None else float(d["k"]),
            "k_set": list(parse_k_set(d["k_set"])),
            "trim_n": int(d["trim_n"]),
            "trim_min_remaining": int(d["trim_min_remaining"]),
            "alpha": float(d["alpha"]),
            "deduct_above": float(d["deduct_above"]),
            "deduct_below": float(d["deduct_below"]),
            "floor": float(d["floor"]),
            "abnormal_low": bool(d["abnormal_low"]),
            "al_threshold": float(d["al_threshold"]) / 100.0,
            "al_reference": d["al_reference"],
            "al_action": d["al_action"],
            "decimals": int(d["decimals"]),
        }


def parse_k_set(text: str | None) -> tuple[float, ...]:
    """ "0.02, 0.03；0.05" → (0.02, 0.03, 0.05); raises ValueError on anything else."""
    if not text or not text.strip():
        return ()
    parts = [
        p.strip() for p in text.replace("，", ",").replace("；", ",").replace(";", ",").split(",")
    ]
    values = []
    for part in parts:
        if not part:
            continue
        value, problem = finite_decimal(part)
        if problem is not None or value is None:
            raise ValueError(part)  # NaN, Infinity, 1E+999999999: no K
        values.append(float(value))
    if len(values) > 20:
        raise ValueError("too many")
    return tuple(values)


def trim(value):
    """12800000.00 → 12800000 for display; other values unchanged."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value


def _plain(x) -> str:
    return format(Decimal(str(x)).normalize(), "f")


class CompetitorForm(FlaskForm):
    """One competitor row of the scenario form, prefixed ``c<id>`` (CSRF is the parent's)."""

    class Meta:
        csrf = False

    name = StringField(
        _l("Competitor"), validators=[*line(maximum=120), _not_blank], filters=[_strip]
    )
    price_low = _number(_l("Price low"), stored=True)
    price_likely = _number(_l("Price most likely"), stored=True)
    price_high = _number(_l("Price high"), stored=True)
    tech_low = _number(_l("Technical low"), maximum=POINTS_MAX, stored=True)
    tech_likely = _number(_l("Technical most likely"), maximum=POINTS_MAX, stored=True)
    tech_high = _number(_l("Technical high"), maximum=POINTS_MAX, stored=True)

    EDITABLE = (
        "name",
        "price_low",
        "price_likely",
        "price_high",
        "tech_low",
        "tech_likely",
        "tech_high",
    )

    def load(self, competitor) -> None:
        for name in self.EDITABLE:
            self[name].data = trim(getattr(competitor, name))


class NewScenarioForm(FlaskForm):
    name = StringField(
        _l("Scenario name"), validators=[*line(maximum=120), _not_blank], filters=[_strip]
    )
