from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal import labels
from portal.forms import TEXT_MAX, StringField, TextAreaField, VersionedForm, line


def _score(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("Enter a score from 0 to 10.")),
            NumberRange(min=0, max=10, message=_l("A score is a whole number from 0 to 10.")),
        ],
    )


class AccountForm(VersionedForm):
    name = StringField(_l("Customer name"), validators=line())
    industry = StringField(_l("Industry"), validators=line(required=False, maximum=120))
    region = StringField(_l("Region"), validators=line(required=False, maximum=120))
    grade = SelectField(_l("Grade"), choices=list(labels.ACCOUNT_GRADES.items()))
    decision_mode = SelectField(_l("Decision mode"), choices=list(labels.DECISION_MODES.items()))
    value_current = _score(_l("Current value (spend, margin, payment)"))
    value_potential = _score(_l("Potential value (growth, cross-sell)"))
    value_relationship = _score(_l("Relationship value (stability, information)"))
    value_strategic = _score(_l("Strategic value (influence, synergy)"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=TEXT_MAX)])

    EDITABLE = (
        "name",
        "industry",
        "region",
        "grade",
        "decision_mode",
        "value_current",
        "value_potential",
        "value_relationship",
        "value_strategic",
        "notes",
    )
