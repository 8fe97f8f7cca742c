"""A moderator's own settings and password. Every change is audited; a new password ends
the moderator's other sessions."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mapapp import attempts, audit
from mapapp.extensions import db
from mapapp.models import Moderator
from mapapp.spatial import write_transaction
from moderation import accounts, bp, sessions
from moderation.forms import ActionForm, PasswordChangeForm, SettingsForm
from moderation.notifications import mail_configured


def _page(settings_form, password_form, status=200):
    return render_template("moderation/settings.html", settings_form=settings_form,
                           password_form=password_form, mail_on=mail_configured(),
                           action_form=ActionForm()), status


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Show the settings; save them (action=settings)."""
    settings_form = SettingsForm(obj=current_user)
    if request.method == "GET" or request.form.get("action") != "settings":
        return _page(settings_form, PasswordChangeForm(formdata=None))
    if not settings_form.validate():
        return _page(settings_form, PasswordChangeForm(formdata=None), 400)
    with write_transaction(db.session):
        moderator = db.session.get(Moderator, current_user.id)
        moderator.show_tip_text = settings_form.show_tip_text.data
        moderator.notify_email = (settings_form.notify_email.data or "").strip() or None
        moderator.digest_hours = settings_form.digest_hours.data
        moderator.notify_alerts = settings_form.notify_alerts.data
        # The address is the moderator's own business: the audit log says only whether one
        # is set.
        audit.record(db.session, moderator, "moderator.settings", moderator,
                     show_tip_text=moderator.show_tip_text,
                     notify_email=moderator.notify_email is not None,
                     digest_hours=moderator.digest_hours, alerts=moderator.notify_alerts)
    flash(_("Settings saved."))
    return redirect(url_for("moderation.settings"))


@bp.post("/settings/password")
def change_password():
    """Change one's own password: the current password and an authenticator code first. Every
    other browser of the moderator is signed out; this one stays signed in."""
    form = PasswordChangeForm()
    if not form.validate():
        return _page(SettingsForm(obj=current_user), form, 400)
    ticket = attempts.take(current_app.config["TOTP_LIMIT"], f"password-change:{current_user.id}")
    if ticket is None:
        form.form_errors.append(_("Too many wrong attempts. Please wait 15 minutes."))
        return _page(SettingsForm(obj=current_user), form, 429)
    with write_transaction(db.session):
        moderator = db.session.get(Moderator, current_user.id)
        right = accounts.check_password(moderator, form.current_password.data) and \
            accounts.accept_totp(moderator, form.code.data)
        if right:
            moderator.password_hash = accounts.hash_password(form.new_password.data)
            ended = sessions.end_all(db.session, moderator.id)
            token = sessions.start(db.session, moderator)
            audit.record(db.session, moderator, "moderator.change_password", moderator,
                         sessions=ended - 1)
    if not right:
        form.form_errors.append(_("The current password or the code is wrong."))
        return _page(SettingsForm(obj=current_user), form, 400)
    ticket.give_back()
    session["sid"] = token
    flash(_("Your password was changed. You were signed out on every other device."))
    return redirect(url_for("moderation.settings"))
