from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal import labels as base_labels
from portal.forms import (
    TEXT_MAX,
    NumberField,
    StringField,
    TextAreaField,
    VersionedForm,
    line,
)
from portal.negotiation import labels
from portal.negotiation.snapshot import SHEET_FIELDS
from portal.objections.forms import coerce_int_or_none, strip
from proposals.negotiation import SITUATION_INPUTS, situation_input_problems

MONEY_MAX = 10**12
_TEXT = [Optional(), Length(max=TEXT_MAX)]
CURRENCY_CHOICES = [(c, c) for c in base_labels.CURRENCIES]


def _money(label, required=False):
    first = InputRequired(message=_l("Enter an amount, e.g. 1200000.")) if required else Optional()
    return NumberField(
        label,
        places=2,
        max_places=2,
        validators=[
            first,
            NumberRange(
                min=0, max=MONEY_MAX, message=_l("Enter an amount between 0 and 1,000,000,000,000.")
            ),
        ],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SheetForm(VersionedForm):
    situation = SelectField(_l("Negotiation situation"), validate_choice=True)
    intended_outcome = TextAreaField(_l("Intended outcome"), validators=_TEXT)
    delay_advantage = TextAreaField(
        _l("Delay: the advantage we are waiting for"), validators=_TEXT, default=""
    )
    delay_until = DateField(_l("Delay: the advantage is expected by"), validators=[Optional()])
    new_force = TextAreaField(
        _l("Break: the new negotiating force we bring in"), validators=_TEXT, default=""
    )
    no_rival_evidence = TextAreaField(
        _l("Win-lose: why no rival can meet the buyer's need"), validators=_TEXT, default=""
    )
    our_batna = TextAreaField(
        _l("Our BATNA (best alternative if there is no deal)"), validators=_TEXT
    )
    our_batna_value = _money(_l("Value of our BATNA"))
    our_batna_currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES)
    buyer_batna = TextAreaField(_l("The buyer's estimated BATNA"), validators=_TEXT)
    buyer_max = _money(_l("Most the buyer will pay (estimate)"))
    buyer_currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES)
    currency = SelectField(_l("Deal currency"), choices=CURRENCY_CHOICES)
    contract_list = _money(_l("Contract list price (before discount)"))
    solution_net = _money(_l("Solution (net)"), required=True)
    services_net = _money(_l("Implementation & training (net)"), required=True)
    maintenance_net_per_year = _money(_l("Maintenance per year (net)"), required=True)
    maintenance_years = IntegerField(
        _l("Maintenance years"),
        validators=[
            InputRequired(message=_l("Enter a whole number of years, 0 to 10.")),
            NumberRange(min=0, max=10, message=_l("Enter a whole number of years, 0 to 10.")),
        ],
    )
    contract_cost = _money(_l("Our cost over the contract"), required=True)
    annual_maintenance_cost = _money(_l("Our cost of one maintenance year"), required=True)
    training_day_cost = _money(_l("Our cost of one training day"), required=True)
    cost_of_capital_pct = NumberField(
        _l("Cost of capital (% per year)"),
        places=2,
        max_places=3,
        validators=[
            InputRequired(message=_l("Enter a percentage, e.g. 6.")),
            NumberRange(min=0, max=100, message=_l("Enter a percentage between 0 and 100.")),
        ],
    )
    lead_id = SelectField(_l("Lead negotiator"), coerce=coerce_int_or_none, validate_choice=True)
    technical_id = SelectField(
        _l("Technical support"), coerce=coerce_int_or_none, validate_choice=True
    )
    finance_id = SelectField(_l("Finance"), coerce=coerce_int_or_none, validate_choice=True)
    sponsor_id = SelectField(
        _l("Executive sponsor (escalation)"), coerce=coerce_int_or_none, validate_choice=True
    )
    checklist = MultiCheckboxField(_l("Technique checklist"), validate_choice=True)
    alternatives = MultiCheckboxField(
        _l("Their alternatives: rivals the buyer could turn to"), coerce=int, validate_choice=True
    )

    # The same fields are snapshotted in every sheet version.
    EDITABLE = SHEET_FIELDS

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the inputs the chosen situation asks for."""
        valid = super().validate(extra_validators)
        typed = {name: self[name].data for name in SITUATION_INPUTS}
        for name in situation_input_problems(self.situation.data, typed):
            self[name].errors = [*self[name].errors, _l("The situation chosen asks for this.")]
            valid = False
        return valid


class GoalForm(FlaskForm):
    term = SelectField(_l("Term"), choices=list(labels.TERMS.items()))
    label = StringField(_l("What exactly"), validators=line(required=False))
    unit = StringField(_l("Unit"), validators=line(required=False, maximum=40))
    best = NumberField(
        _l("Best"),
        places=2,
        max_places=2,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=-MONEY_MAX, max=MONEY_MAX),
        ],
    )
    expected = NumberField(
        _l("Expected"),
        places=2,
        max_places=2,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=-MONEY_MAX, max=MONEY_MAX),
        ],
    )
    walk_away = NumberField(
        _l("Walk-away"),
        places=2,
        max_places=2,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=-MONEY_MAX, max=MONEY_MAX),
        ],
    )
    core = SelectField(
        _l("Core or tradeable"),
        choices=[("core", _l("Core: not traded")), ("tradeable", _l("Tradeable"))],
    )
    direction = SelectField(
        _l("Better for us"),
        choices=[
            ("auto", _l("Usual for this term")),
            ("higher", _l("Higher is better")),
            ("lower", _l("Lower is better")),
        ],
    )


class GoalEditForm(GoalForm):
    """A goal changed in place: the figures, label, unit and kind; its term stays (it is
    what the goal is about). Sends back the version the edit started from."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])

    EDITABLE = ("label", "unit", "best", "expected", "walk_away")


class InterestForm(FlaskForm):
    stakeholder_id = SelectField(_l("Stakeholder"), coerce=coerce_int_or_none, validate_choice=True)
    position = TextAreaField(
        _l("Stated position (what they ask for)"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write what they say they want.")),
            Length(max=TEXT_MAX),
        ],
    )
    interest = TextAreaField(
        _l("Underlying interest (why)"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write why they want it: the interest behind the position.")),
            Length(max=TEXT_MAX),
        ],
    )


class ConcessionForm(FlaskForm):
    position = IntegerField(
        _l("Order"),
        validators=[
            InputRequired(message=_l("Number concessions from 1.")),
            NumberRange(min=1, max=99, message=_l("Number concessions from 1.")),
        ],
    )
    kind = SelectField(_l("What we give"), choices=list(labels.KINDS.items()))
    part = SelectField(_l("Part of the deal"), choices=list(labels.PARTS.items()))
    amount = NumberField(
        _l("Amount"),
        places=2,
        max_places=2,
        validators=[
            InputRequired(message=_l("Enter an amount above zero.")),
            NumberRange(min=0, max=10**9),
        ],
    )
    value_to_buyer = TextAreaField(_l("Value to the buyer"), validators=_TEXT)
    condition = TextAreaField(_l("What we ask in exchange (if you …, then we …)"), validators=_TEXT)


class RoundForm(FlaskForm):
    number = IntegerField(_l("Round"), validators=[InputRequired(), NumberRange(min=1, max=999)])
    held_on = DateField(_l("Date"), validators=[Optional()])
    their_ask = _money(_l("Their ask (price)"))
    our_offer = _money(_l("Our offer (price)"), required=True)
    given = TextAreaField(_l("Concessions we gave"), validators=_TEXT)
    received = TextAreaField(_l("Concessions we received"), validators=_TEXT)
    notes = TextAreaField(_l("Notes"), validators=_TEXT)
