"""Moderator sign-in forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Username and password: the first of two steps."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    """The 6-digit code from the authenticator app: the second step."""

    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(max=12)])


class ActionForm(FlaskForm):
    """A bare form: a CSRF token for buttons that change state (logout, decisions)."""
