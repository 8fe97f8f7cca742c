"""Admins manage moderator accounts in the browser: see them, reset one's password and
authenticator (a one-time link, shown once), deactivate one. The CLI does the same."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from mapapp import audit
from mapapp.extensions import db
from mapapp.models import Moderator, ModeratorSession
from mapapp.spatial import write_transaction
from mapapp.urls import external_url
from moderation import admin_only, bp, sessions
from moderation.forms import ActionForm

# A password hash no password matches (argon2 refuses it): set by a reset, replaced when the
# moderator opens the link and chooses a new password.
RESET = "!reset"


def reset_account(moderator):
    """Forget the password and the authenticator, end every session, and return a one-time
    link token (caller commits)."""
    moderator.password_hash = RESET
    moderator.totp_secret = moderator.totp_confirmed_at = moderator.totp_last_step = None
    ended = sessions.end_all(db.session, moderator.id)
    return sessions.issue_enrolment(moderator), ended


@bp.get("/accounts")
@admin_only
def accounts():
    """Every moderator account, with what an admin can do to it."""
    open_sessions = dict(db.session.execute(
        select(ModeratorSession.moderator_id, func.count()).group_by(
            ModeratorSession.moderator_id)).all())
    people = db.session.scalars(select(Moderator).order_by(Moderator.username)).all()
    return render_template("moderation/accounts.html", people=people,
                           open_sessions=open_sessions, action_form=ActionForm())


def _other_account(moderator_id):
    """The account an admin acts on: never their own (an admin cannot lock themselves out)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if moderator_id == current_user.id:
        abort(403, description=_("You cannot do this to your own account."))
    return db.session.get(Moderator, moderator_id) or abort(404)


@bp.post("/accounts/<int:moderator_id>/reset")
@admin_only
def reset(moderator_id):
    """Reset a moderator's password and authenticator; show the one-time link once."""
    _other_account(moderator_id)
    with write_transaction(db.session):
        moderator = db.session.get(Moderator, moderator_id)
        token, ended = reset_account(moderator)
        admin = db.session.get(Moderator, current_user.id)
        audit.record(db.session, admin, "moderator.reset", moderator, sessions=ended)
        name = moderator.username
    return render_template("moderation/account_link.html", name=name, ended=ended,
                           link=external_url("moderation.enrol", token=token),
                           action_form=ActionForm())


@bp.post("/accounts/<int:moderator_id>/deactivate")
@admin_only
def deactivate(moderator_id):
    """Deactivate a moderator: every session of theirs ends at once."""
    _other_account(moderator_id)
    with write_transaction(db.session):
        moderator = db.session.get(Moderator, moderator_id)
        moderator.active = False
        ended = sessions.end_all(db.session, moderator.id)
        audit.record(db.session, db.session.get(Moderator, current_user.id),
                     "moderator.deactivate", moderator,
                     reason=(request.form.get("reason") or "").strip()[:200] or None,
                     sessions=ended)
    return redirect(url_for("moderation.accounts"))
