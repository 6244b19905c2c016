"""Forms of the workspace; matrix cells are checked by proposals.workspace.validate_*."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import TEXT_MAX, StringField, TextAreaField, VersionedForm, line
from proposals.stages import ACTIVITY_STATUSES, NSABC_ELEMENTS, localized
from proposals.workspace import validate_score, validate_weight


def _coerce_int_or_none(value):
    # WTForms renders the None choice ("—") as value="None": it comes back as that string.
    if value in ("", None, "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class ActivityForm(VersionedForm):
    status = SelectField(_l("Status"))
    owner_id = SelectField(_l("Owner"), coerce=_coerce_int_or_none, validate_choice=True)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=TEXT_MAX)])
    override_reason = TextAreaField(
        _l("Reason to mark it done against the records"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        default="",
    )

    EDITABLE = ("status", "owner_id", "due_date", "evidence", "override_reason")

    def fill_choices(self, locale: str, users) -> None:
        self.status.choices = [
            (code, localized(text, locale)) for code, text in ACTIVITY_STATUSES.items()
        ]
        self.owner_id.choices = [(None, "—")] + [(uid, name) for uid, name in users]


class LikelihoodForm(VersionedForm):
    percent = IntegerField(
        _l("Likelihood of winning (%)"),
        validators=[
            InputRequired(message=_l("Enter a whole percent from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("Enter a whole percent from 0 to 100.")),
        ],
    )


class CompetitorForm(FlaskForm):
    name = StringField(_l("Competitor name"), validators=line(maximum=120))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class TemplateForm(VersionedForm):
    stage_id = SelectField(_l("Stage"), coerce=int, validate_choice=True)
    element = SelectField(_l("Element"))
    title_en = StringField(_l("Activity (English)"), validators=line())
    title_zh = StringField(_l("Activity (Chinese)"), validators=line(required=False))
    hint_en = TextAreaField(_l("Hint (English)"), validators=[Optional(), Length(max=2000)])
    hint_zh = TextAreaField(_l("Hint (Chinese)"), validators=[Optional(), Length(max=2000)])

    EDITABLE = ("title_en", "title_zh", "hint_en", "hint_zh")

    def fill_choices(self, locale: str, stages) -> None:
        self.stage_id.choices = [(stage.id, stage.name(locale)) for stage in stages]
        self.element.choices = [
            (code, localized(text, locale)) for code, text in NSABC_ELEMENTS.items()
        ]


class CriterionInput:
    """One matrix row as typed: name, weight, our score and each competitor's score.

    Every number goes through the domain validators, so "12" for a score or "-5" for a
    weight is rejected at its own field with the range in the message; the typed text is
    kept (``raw``) to show back. A competitor score left empty means "not scored".
    """

    def __init__(self, formdata, competitor_ids, locale: str):
        self.raw = {
            key: (formdata.get(key) or "")
            for key in ["name", "weight", "our_score", "version"]
            + [f"score-{c}" for c in competitor_ids]
        }
        self.errors: dict[str, str] = {}
        self.name = self.raw["name"].strip()
        if not self.name:
            self.errors["name"] = str(_l("Name the criterion."))
        elif len(self.name) > 200:
            self.errors["name"] = str(_l("At most %(max)d characters.", max=200))
        self.weight = self._number("weight", validate_weight, locale)
        self.our_score = self._number("our_score", validate_score, locale)
        self.scores: dict[int, Decimal | None] = {}
        for competitor_id in competitor_ids:
            key = f"score-{competitor_id}"
            if self.raw[key].strip():
                self.scores[competitor_id] = self._number(key, validate_score, locale)
            else:
                self.scores[competitor_id] = None
        try:
            self.version = int(self.raw["version"] or 0)
        except ValueError:
            self.version = -1

    def _number(self, key, check, locale) -> Decimal | None:
        result = check(self.raw[key])
        if not result.ok:
            self.errors[key] = localized(result.error.message, locale)
            return None
        # Two decimals, as stored (NUMERIC(5, 2)).
        return Decimal(str(result.value)).quantize(Decimal("0.01"))

    @property
    def ok(self) -> bool:
        return not self.errors


_RATINGS = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


def _rating(value):
    return None if value in ("", None, "None") else int(value)


class QualificationForm(VersionedForm):
    """The qualification inputs (article 002), each 1 (against us) to 5 (for us) or blank."""

    project_level = SelectField(_l("Project level"), choices=_RATINGS, coerce=_rating)
    funding = SelectField(_l("Funding"), choices=_RATINGS, coerce=_rating)
    technical_fit = SelectField(_l("Technical fit"), choices=_RATINGS, coerce=_rating)
    relationship = SelectField(_l("Relationship"), choices=_RATINGS, coerce=_rating)
    creditworthiness = SelectField(_l("Creditworthiness"), choices=_RATINGS, coerce=_rating)
    competition = SelectField(
        _l("Competition (product, price, solution, after-sales)"), choices=_RATINGS, coerce=_rating
    )

    EDITABLE = (
        "project_level",
        "funding",
        "technical_fit",
        "relationship",
        "creditworthiness",
        "competition",
    )
