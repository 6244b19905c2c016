from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal import labels as common_labels
from portal.drafts import labels
from portal.forms import LINE_MAX, StringField, TextAreaField, VersionedForm
from portal.idempotency import token_field
from proposals.content import MAX_SECTION_LENGTH
from proposals.pricing import MAX_MAINTENANCE_YEARS, MAX_OPTION_NAME_LENGTH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _line(required: bool = True, maximum: int = LINE_MAX):
    """A single-line text: spaces around it are dropped, so "   " counts as empty."""
    first = DataRequired(message=_l("This field is required.")) if required else Optional()
    return [first, Length(max=maximum, message=_l("At most %(max)d characters.", max=maximum))]


def _text(maximum: int, required: bool = False):
    # DataRequired (with the strip filter) so that only spaces count as empty.
    first = DataRequired(message=_l("This field is required.")) if required else Optional()
    return [first, Length(max=maximum, message=_l("At most %(max)d characters.", max=maximum))]


class ProposalForm(VersionedForm):
    request_token = token_field()  # create only: a double-clicked "Create" makes one proposal
    title = StringField(_l("Proposal title"), validators=_line(), filters=[_strip])
    language = SelectField(_l("Language"), choices=list(labels.LANGUAGES.items()))
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in common_labels.CURRENCIES])

    EDITABLE = ("title", "language", "currency")


class SectionForm(VersionedForm):
    title = StringField(_l("Section title"), validators=_line(), filters=[_strip])
    body = TextAreaField(_l("Text (Markdown)"), validators=_text(MAX_SECTION_LENGTH))
    # Set by "keep my version" in the conflict view: the saved version the user has seen.
    overwrite_version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    EDITABLE = ("title", "body")


class NewSectionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(labels.SECTION_KINDS.items()))
    title = StringField(_l("Section title"), validators=_line(required=False), filters=[_strip])


class OptionForm(VersionedForm):
    name = StringField(
        _l("Option name"),
        validators=[
            InputRequired(message=_l("Give the option a name.")),
            Length(
                max=MAX_OPTION_NAME_LENGTH,
                message=_l("At most %(max)d characters.", max=MAX_OPTION_NAME_LENGTH),
            ),
        ],
    )
    recommended = BooleanField(_l("Recommended"))
    maintenance_years = IntegerField(
        _l("Maintenance term (years)"),
        validators=[
            InputRequired(message=_l("Enter a whole number of years from 0 to 10.")),
            NumberRange(
                min=0,
                max=MAX_MAINTENANCE_YEARS,
                message=_l("Enter a whole number of years from 0 to 10."),
            ),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        # A name of only spaces is as empty as no name.
        if self.name.data is not None:
            self.name.data = self.name.data.strip()
        valid = super().validate(extra_validators)
        if valid and not self.name.data:
            self.name.errors = [_l("Give the option a name.")]
            valid = False
        return valid


class LibraryBlockForm(VersionedForm):
    title = StringField(_l("Block title"), validators=_line(), filters=[_strip])
    tags = StringField(_l("Tags"), validators=_line(required=False))
    language = SelectField(_l("Language"), choices=list(labels.LANGUAGES.items()))
    body = TextAreaField(
        _l("Text (Markdown)"), validators=_text(MAX_SECTION_LENGTH, required=True), filters=[_strip]
    )
    last_reviewed = DateField(_l("Last reviewed"), validators=[Optional()])

    EDITABLE = ("title", "tags", "language", "body", "last_reviewed")


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=_text(4000, required=True), filters=[_strip])


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"), choices=[("approve", _l("Approve")), ("reject", _l("Reject"))]
    )
    comment = TextAreaField(_l("Comment"), validators=_text(2000))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.decision.data == "reject" and not (self.comment.data or "").strip():
            self.comment.errors = [_l("Say why the quote is rejected, so presales can fix it.")]
            valid = False
        return valid


class BulkApprovalForm(FlaskForm):
    """One reason for every request ticked in the approval queue (the ids come as
    repeated `approval_id` fields)."""

    comment = TextAreaField(
        _l("Reason for the selected approvals"),
        validators=_text(2000, required=True),
        filters=[_strip],
    )
    selection_error = None


class StatusForm(VersionedForm):
    target = SelectField(choices=list(labels.STATUSES.items()))


class RevisionForm(FlaskForm):
    note = StringField(_l("Note"), validators=_line(required=False), filters=[_strip])
