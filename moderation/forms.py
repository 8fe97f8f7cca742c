"""Moderator sign-in forms."""

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from mapapp.labels import choices
from moderation.accounts import MIN_PASSWORD
from moderation.decisions import REJECT_REASONS

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class LoginForm(FlaskForm):
    """Username and password: the first of two steps."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    """The 6-digit code from the authenticator app: the second step."""

    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(max=12)])


class SettingsForm(FlaskForm):
    """A moderator's own settings."""

    show_tip_text = BooleanField(_l("Show tip texts at once (otherwise each is folded behind a "
                                    "content note, opened with one click)"))
    notify_email = StringField(_l("E-mail address for notifications (optional)"),
                               validators=[Optional(), Length(max=254), Email(
                                   message=_l("This does not look like an e-mail address."))])
    digest_hours = SelectField(_l("A summary of what waits"), coerce=int, choices=[
        SelectChoice(0, _l("never")), SelectChoice(1, _l("every hour")),
        SelectChoice(4, _l("every 4 hours")), SelectChoice(24, _l("once a day"))])
    notify_alerts = BooleanField(_l("An alert at once for a burst of tips or a correction "
                                    "deadline"))


class PasswordChangeForm(FlaskForm):
    """A new password, given with the current one and a code from the authenticator."""

    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("6-digit code from your authenticator"),
                       validators=[DataRequired(), Length(max=12)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200, message=_l(
            "The new password must have at least %(min)d characters.", min=MIN_PASSWORD))])
    repeat = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])


class ChoosePasswordForm(FlaskForm):
    """A new password, chosen with an admin's one-time link after a reset."""

    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200, message=_l(
            "The new password must have at least %(min)d characters.", min=MIN_PASSWORD))])
    repeat = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])


class NoteForm(FlaskForm):
    """A moderators-only note on a review case."""

    body = TextAreaField(_l("Note for the other moderators"),
                         validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A bare form: a CSRF token for buttons that change state (logout, decisions)."""


class PublicTextForm(FlaskForm):
    """What the public reads about an incident: level, summaries and sources.

    Whether the Korean summary is required depends on the decision; decisions.py checks it.
    """

    level = SelectField(_l("Verification level"), validators=[DataRequired()],
                        choices=choices("level_choice"))
    summary_ko = TextAreaField(_l("Public summary (Korean)"), validators=[Optional(),
                                                                       Length(max=1000)])
    summary_en = TextAreaField(_l("Public summary (English, optional)"),
                               validators=[Optional(), Length(max=1000)])
    sources = TextAreaField(_l("Public sources, one web address per line"),
                            validators=[Optional(), Length(max=3000)])
    first_month = StringField(_l("First reported month (YYYY-MM)"),
                              validators=[Optional(), Length(max=7)])
    last_month = StringField(_l("Last reported month (YYYY-MM)"),
                             validators=[Optional(), Length(max=7)])

    def validate_first_month(self, field):
        """A month as YYYY-MM, between 2000 and 2999."""
        if field.data and not (MONTH.match(field.data) and field.data >= "2000-01"):
            raise ValidationError(_l("Write the month as YYYY-MM, e.g. 2024-08."))

    validate_last_month = validate_first_month

    def values(self):
        """Return the public fields as the revision functions take them."""
        return {"level": self.level.data, "summary_ko": self.summary_ko.data,
                "summary_en": self.summary_en.data, "sources": source_lines(self.sources.data),
                "first_month": (self.first_month.data or "").strip(),
                "last_month": (self.last_month.data or "").strip()}

    def validate_sources(self, field):
        """Only http(s) addresses."""
        for line in source_lines(field.data):
            if urlsplit(line).scheme not in ("http", "https") or not urlsplit(line).hostname:
                raise ValidationError(_l("Each source must be an http:// or https:// address."))


class DecisionForm(PublicTextForm):
    """A decision on an institution's pending tips."""

    level = SelectField(_l("Verification level"), validators=[Optional()],
                        choices=choices("level_choice"))
    decision = RadioField(_l("Decision"), validators=[DataRequired()], choices=[
        SelectChoice("approve", _l("Approve: verified, publish (after the required approvals)")),
        SelectChoice("reject", _l("Reject: not published")),
        SelectChoice("spam", _l("Spam"))])
    basis = TextAreaField(_l("Basis of the verification (moderators only)"),
                          validators=[Optional(), Length(max=2000)])
    reason = SelectField(_l("Reason"), validators=[Optional()],
                         choices=choices("reject_reason", REJECT_REASONS))


class IncidentEditForm(PublicTextForm):
    """Propose a change to what the public reads about an incident."""

    basis = TextAreaField(_l("Basis of the change (moderators only)"),
                          validators=[DataRequired(), Length(max=2000)])


class ReturnForm(FlaskForm):
    """Send a proposed change back to its author."""

    reason = TextAreaField(_l("Why it goes back"), validators=[DataRequired(), Length(max=500)])


class AcceptCorrectionForm(PublicTextForm):
    """Accept a correction request: retract, or propose corrected public fields."""

    outcome = RadioField(_l("What changes"), validators=[DataRequired()], choices=[
        SelectChoice("retract", _l("Retract the entry")),
        SelectChoice("edit", _l("Correct the entry (fields below)"))])
    public_note = TextAreaField(_l("Public note (shown in the entry's history and to the "
                                   "requester)"),
                                validators=[DataRequired(), Length(max=1000)])
    basis = TextAreaField(_l("Basis (moderators only)"),
                          validators=[DataRequired(), Length(max=2000)])


class DeclineCorrectionForm(FlaskForm):
    """Decline a correction request."""

    note = TextAreaField(_l("Why it is declined (moderators only)"),
                         validators=[DataRequired(), Length(max=1000)])
    reply = TextAreaField(_l("Reply to the requester (optional)"),
                          validators=[Optional(), Length(max=1000)])


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
