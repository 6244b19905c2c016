from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp

from portal import labels
from portal.forms import PasswordField, StringField, line

PASSWORD_MIN = 10


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            InputRequired(),
            Length(min=3, max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash and underscore only.")
            ),
        ],
    )
    display_name = StringField(_l("Display name"), validators=line(maximum=120))
    email = StringField(
        _l("Email"), validators=[Optional(), Length(max=254), Email(check_deliverability=False)]
    )
    role = SelectField(_l("Role"), choices=list(labels.ROLES.items()))
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("zh_CN", "简体中文")])
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[
            Optional(),
            Length(
                min=PASSWORD_MIN, max=256, message=_l("At least %(n)d characters.", n=PASSWORD_MIN)
            ),
        ],
    )
