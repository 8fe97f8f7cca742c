"""Moderator sign-in forms."""

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from mapapp.models import VERIFICATION_LEVELS
from moderation.decisions import REJECT_REASONS

LEVEL_LABELS = {
    "tips_only": _l("Tips only (not confirmed elsewhere)"),
    "media_reported": _l("Reported by the media"),
    "officially_confirmed": _l("Officially confirmed (school, education office or police)"),
}


class LoginForm(FlaskForm):
    """Username and password: the first of two steps."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    """The 6-digit code from the authenticator app: the second step."""

    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(max=12)])


class ActionForm(FlaskForm):
    """A bare form: a CSRF token for buttons that change state (logout, decisions)."""


class PublicTextForm(FlaskForm):
    """What the public reads about an incident: level, summaries and sources.

    Whether the Korean summary is required depends on the decision; decisions.py checks it.
    """

    level = SelectField(_l("Verification level"), validators=[Optional()], choices=[
        SelectChoice(v, LEVEL_LABELS[v]) for v in VERIFICATION_LEVELS])
    summary_ko = TextAreaField(_l("Public summary (Korean)"), validators=[Optional(),
                                                                       Length(max=1000)])
    summary_en = TextAreaField(_l("Public summary (English, optional)"),
                               validators=[Optional(), Length(max=1000)])
    sources = TextAreaField(_l("Public sources, one web address per line"),
                            validators=[Optional(), Length(max=3000)])

    def validate_sources(self, field):
        """Only http(s) addresses."""
        for line in source_lines(field.data):
            if urlsplit(line).scheme not in ("http", "https") or not urlsplit(line).hostname:
                raise ValidationError(_l("Each source must be an http:// or https:// address."))


class DecisionForm(PublicTextForm):
    """A decision on an institution's pending tips."""

    decision = RadioField(_l("Decision"), validators=[DataRequired()], choices=[
        SelectChoice("approve", _l("Approve: verified, publish (after the required approvals)")),
        SelectChoice("reject", _l("Reject: not published")),
        SelectChoice("spam", _l("Spam"))])
    basis = TextAreaField(_l("Basis of the verification (moderators only)"),
                          validators=[Optional(), Length(max=2000)])
    reason = SelectField(_l("Reason"), validators=[Optional()], choices=[
        SelectChoice(r, r.replace("_", " ")) for r in REJECT_REASONS])


class IncidentEditForm(PublicTextForm):
    """Edit what the public reads about an incident."""

    reason = StringField(_l("Why (for the audit log)"), validators=[DataRequired(),
                                                                    Length(max=200)])


class ReplyForm(FlaskForm):
    """A short reply the tipster reads with the receipt code."""

    reply = TextAreaField(_l("Reply to the tipster"), validators=[Length(max=500)])


def source_lines(text):
    """Return the non-empty lines of the sources box."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class StatusChangeForm(FlaskForm):
    """Hide, restore or retract an incident; or decide a correction request."""

    note = TextAreaField(_l("Reason or public note"), validators=[DataRequired(),
                                                                 Length(max=1000)])
