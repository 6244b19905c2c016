"""Scenario inputs. WTForms checks that each value is a number; the engine's validate_*
functions check what the numbers mean (weights over 100, low above high, K range …), and
their issues are attached here to the field the user typed into."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import TextInput

from portal.forms import (
    NumberField,
    StringField,
    VersionedForm,
    at_most_decimals,
    finite_decimal,
    line,
)
from portal.pricescore import labels
from portal.pricescore.inputs import parse_numbers
from portal.pricescore.models import DEFAULT_RULES

# Money fields are NUMERIC(16, 2): refuse absurd pastes at the field, not in the database.
AMOUNT_MAX = Decimal(10) ** 12


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _not_blank(form, field):
    # InputRequired looks at the raw input, so "   " would pass it.
    if not field.data:
        raise ValidationError(_l("This field is required."))


POINTS_MAX = Decimal(1000)


def _finite(form, field):
    # Decimal("NaN") and Decimal("Infinity") parse; comparing NaN would raise further on.
    if isinstance(field.data, Decimal) and not field.data.is_finite():
        raise StopValidation(_l("Enter a finite number."))


def _number(label, required=True, maximum=AMOUNT_MAX, places=None, stored=False):
    """A decimal text box; `stored`: kept in a NUMERIC(16, 2) column, so at most 2 decimals."""
    first = InputRequired(message=_l("Enter a number.")) if required else Optional()
    # A text box, not <input type=number>: spinners are useless on 12,800,000, and the
    # browser would silently drop "abc" instead of letting us say what is wrong with it.
    return NumberField(
        label,
        places=places,
        widget=TextInput(),
        render_kw={"inputmode": "decimal"},
        validators=[
            first,
            _finite,
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
    # --- rules published by real tenders (blank: the default shown in the hint)
    source = SelectField(
        _l("Benchmark price comes from"), choices=list(labels.SOURCES.items()), default="bids"
    )
    fixed_price = _number(_l("Published benchmark price"), required=False, stored=True)
    control_price = _number(
        _l("Control price (empty: the budget ceiling)"), required=False, stored=True
    )
    blend_a = _number(_l("A (weight on control price × K1)"), required=False, maximum=POINTS_MAX)
    blend_b = _number(
        _l("B (weight on the average of valid bids)"), required=False, maximum=POINTS_MAX
    )
    k1 = _number(_l("K1"), required=False, maximum=POINTS_MAX)
    round_above = SelectField(
        _l("Deviation above the benchmark is rounded"),
        choices=list(labels.ROUNDINGS.items()),
        default="none",
    )
    round_below = SelectField(
        _l("Deviation below the benchmark is rounded"),
        choices=list(labels.ROUNDINGS.items()),
        default="none",
    )
    round_places = IntegerField(
        _l("Decimals of the deviation (percent)"),
        default=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=6, message=_l("Use 0 to 6 decimal places.")),
        ],
    )
    above_pieces = StringField(
        _l("Steps above (from % : points per 1 %)"), validators=[Optional(), Length(max=500)]
    )
    below_pieces = StringField(
        _l("Steps below (from % : points per 1 %)"), validators=[Optional(), Length(max=500)]
    )
    trim_tiers = StringField(
        _l("Trim by number of bids (bids : dropped at each end)"),
        validators=[Optional(), Length(max=500)],
    )
    linear_anchor = SelectField(
        _l("Linear scale ends at"), choices=list(labels.LINEAR_ANCHORS.items()), default="highest"
    )
    floor_price = _number(_l("Floor price (最低限价)"), required=False, stored=True)
    below_limit = _number(
        _l("Invalid if below the benchmark by more than (percent)"),
        required=False,
        maximum=POINTS_MAX,
    )
    min_tech = _number(_l("Minimum technical score"), required=False, maximum=POINTS_MAX)
    tie_order = SelectField(
        _l("Equal totals rank"), choices=list(labels.TIE_ORDERS.items()), default="price"
    )
    al_compare = SelectField(
        _l("Compared with"), choices=list(labels.AL_COMPARES.items()), default="all"
    )
    # --- our bid (our cost, technical points and the prices to test may stay empty: the
    # scenario is saved and says what is missing instead of showing a P(win))
    our_cost = _number(_l("Our cost"), required=False, stored=True)
    tech_source = RadioField(
        _l("Our technical points come from"),
        choices=[
            ("typed", _l("typed here")),
            ("matrix", _l("the competition matrix (weighted total, rescaled)")),
        ],
        default="typed",
    )
    our_sme_deduction_pct = _number(
        _l("Our SME price deduction (percent)"), required=False, maximum=POINTS_MAX, stored=True
    )
    our_preference_margin_pct = _number(
        _l("Preference margin added to our price (percent)"),
        required=False,
        maximum=POINTS_MAX,
        stored=True,
    )
    our_tech_low = _number(_l("low"), required=False, maximum=POINTS_MAX, stored=True)
    our_tech_likely = _number(_l("most likely"), required=False, maximum=POINTS_MAX, stored=True)
    our_tech_high = _number(_l("high"), required=False, maximum=POINTS_MAX, stored=True)
    # --- price grid and simulation
    grid_min = _number(_l("Lowest price to test"), required=False, stored=True)
    grid_max = _number(_l("Highest price to test"), required=False, stored=True)
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
        "source",
        "fixed_price",
        "control_price",
        "blend_a",
        "blend_b",
        "k1",
        "round_above",
        "round_below",
        "round_places",
        "above_pieces",
        "below_pieces",
        "trim_tiers",
        "linear_anchor",
        "floor_price",
        "below_limit",
        "min_tech",
        "tie_order",
        "al_compare",
    )
    # Rule fields left blank take these values (an older form that does not post them too).
    RULE_DEFAULTS = {"blend_a": 0.5, "blend_b": 0.5, "k1": 1.0, "round_places": 2}
    COLUMNS = (
        "name",
        "tech_source",
        "ceiling",
        "our_cost",
        "our_sme_deduction_pct",
        "our_preference_margin_pct",
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

    def validate_above_pieces(self, field):
        _check_pairs(field, parse_pieces)

    def validate_below_pieces(self, field):
        _check_pairs(field, parse_pieces)

    def validate_trim_tiers(self, field):
        _check_pairs(field, parse_tiers)

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
        rules = {**DEFAULT_RULES, **scenario.rules}
        for name in self.RULE_FIELDS:
            value = rules.get(name)
            if name in ("al_threshold", "below_limit") and value is not None:
                value = Decimal(str(value)) * 100
            elif name == "k_set":
                value = ", ".join(_plain(x) for x in value or ())
            elif name in ("above_pieces", "below_pieces", "trim_tiers"):
                value = ", ".join(f"{_plain(a)}:{_plain(b)}" for a, b in value or ())
            elif name in ("fixed_price", "control_price") and value is not None:
                value = trim(Decimal(str(value)))
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
            "source": d["source"],
            "fixed_price": None if d["fixed_price"] is None else str(d["fixed_price"]),
            "control_price": None if d["control_price"] is None else str(d["control_price"]),
            "blend_a": _or(d["blend_a"], self.RULE_DEFAULTS["blend_a"]),
            "blend_b": _or(d["blend_b"], self.RULE_DEFAULTS["blend_b"]),
            "k1": _or(d["k1"], self.RULE_DEFAULTS["k1"]),
            "round_above": d["round_above"],
            "round_below": d["round_below"],
            "round_places": int(
                self.RULE_DEFAULTS["round_places"]
                if d["round_places"] is None
                else d["round_places"]
            ),
            "above_pieces": [list(p) for p in parse_pieces(d["above_pieces"])],
            "below_pieces": [list(p) for p in parse_pieces(d["below_pieces"])],
            "trim_tiers": [list(p) for p in parse_tiers(d["trim_tiers"])],
            "linear_anchor": d["linear_anchor"],
            "floor_price": None if d["floor_price"] is None else str(d["floor_price"]),
            "below_limit": None if d["below_limit"] is None else float(d["below_limit"]) / 100.0,
            "min_tech": None if d["min_tech"] is None else float(d["min_tech"]),
            "tie_order": d["tie_order"],
            "al_compare": d["al_compare"],
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


def _or(value, default: float) -> float:
    return default if value is None else float(value)


def _pairs(text: str | None, convert) -> tuple[tuple, ...]:
    """ "0:1, 5:2" (or 0：1；5：2) → ((0, 1), (5, 2)); raises ValueError otherwise."""
    if not text or not text.strip():
        return ()
    text = text.replace("：", ":").replace("，", ",").replace("；", ",").replace(";", ",")
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        left, sep, right = part.partition(":")
        if not sep:
            raise ValueError(part)
        try:
            a, b = Decimal(left.strip()), Decimal(right.strip())
        except InvalidOperation as exc:
            raise ValueError(part) from exc
        if not (a.is_finite() and b.is_finite()):
            raise ValueError(part)
        out.append((convert(a), convert(b)))
    if len(out) > 10:
        raise ValueError("too many")
    return tuple(out)


def parse_pieces(text: str | None) -> tuple[tuple[float, float], ...]:
    """Deduction steps "0:1, 5:2": from 0 % 1 point per 1 %, from 5 % 2 points per 1 %."""
    return _pairs(text, float)


def parse_tiers(text: str | None) -> tuple[tuple[int, int], ...]:
    """Trimming tiers "7:1, 10:2": with ≥ 7 bids drop 1 at each end, with ≥ 10 drop 2."""

    def whole(d: Decimal) -> int:
        if d != d.to_integral_value():
            raise ValueError(str(d))
        return int(d)

    return _pairs(text, whole)


def _check_pairs(field, parse) -> None:
    try:
        parse(field.data)
    except ValueError as exc:
        raise ValidationError(
            _l("Enter pairs of numbers as 'a:b' separated by commas, e.g. 0:1, 5:2 (at most 10).")
        ) from exc


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

    # The rival itself (its name) is the shared competitor record: renamed on the
    # competitors page or the matrix, never typed per scenario.
    price_low = _number(_l("Price low"), required=False, stored=True)
    price_likely = _number(_l("Price most likely"), required=False, stored=True)
    price_high = _number(_l("Price high"), required=False, stored=True)
    tech_low = _number(_l("Technical low"), required=False, maximum=POINTS_MAX, stored=True)
    tech_likely = _number(
        _l("Technical most likely"), required=False, maximum=POINTS_MAX, stored=True
    )
    tech_high = _number(_l("Technical high"), required=False, maximum=POINTS_MAX, stored=True)
    price_model = SelectField(
        _l("Price model"), choices=list(labels.PRICE_MODELS.items()), default="triangular"
    )
    past_ratios = StringField(
        _l("Past bids ÷ our cost"), validators=line(required=False, maximum=4000)
    )
    sme_deduction_pct = _number(
        _l("SME deduction %"), required=False, maximum=POINTS_MAX, stored=True
    )
    preference_margin_pct = _number(
        _l("Preference margin %"), required=False, maximum=POINTS_MAX, stored=True
    )

    EDITABLE = (
        "price_low",
        "price_likely",
        "price_high",
        "tech_low",
        "tech_likely",
        "tech_high",
        "price_model",
        "past_ratios",
        "sme_deduction_pct",
        "preference_margin_pct",
    )

    def load(self, competitor) -> None:
        for name in self.EDITABLE:
            self[name].data = trim(getattr(competitor, name))

    def validate_past_ratios(self, field):
        # (an empty box stops at Optional; the engine asks for past bids if the model needs them)
        try:
            parse_numbers(field.data)
        except ValueError as exc:
            raise ValidationError(
                _l("Enter past bids as bid ÷ our cost, separated by commas, e.g. 1.08, 0.97.")
            ) from exc

    def value(self, name: str):
        """The typed value to store: blank percentages are 0, text is stripped."""
        value = self[name].data
        if name in ("sme_deduction_pct", "preference_margin_pct") and value is None:
            return Decimal(0)
        if name == "past_ratios" and value is None:
            return ""
        return value.strip() if isinstance(value, str) else value


class NewScenarioForm(FlaskForm):
    name = StringField(
        _l("Scenario name"), validators=[*line(maximum=120), _not_blank], filters=[_strip]
    )
