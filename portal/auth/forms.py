from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, Length

from portal.forms import PasswordField, StringField


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[("en", "English"), ("zh_CN", "简体中文")],
        validators=[InputRequired()],
    )
