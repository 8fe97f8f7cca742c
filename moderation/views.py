"""Sign-in with password and TOTP (enrolled through an admin's one-time link), sign-out, the
moderators' home page and the audit log."""

import time

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from mapapp import attempts, audit
from mapapp.extensions import db
from mapapp.models import AuditEvent, CorrectionRequest, Moderator, Report, utcnow
from mapapp.retention import last_purge, purge_overdue
from mapapp.security import limiter_key
from mapapp.spatial import write_transaction
from moderation import accounts, bp, devices, sessions
from moderation.admin_accounts import RESET
from moderation.forms import ActionForm, ChoosePasswordForm, CodeForm, LoginForm
from moderation.notifications import mail_configured

PENDING_SECONDS = 300  # time allowed between the password and the code
FAILED = 401


def _too_many():
    """Refuse an attempt beyond its allowance (the 429 page says to wait)."""
    abort(429)


def _take_password_attempt(name, moderator, device):
    """Count this password attempt before it is checked; return its ticket or answer 429.

    From the moderator's own device (a device cookie naming them) it counts against that
    device only; from anywhere else against this client and against the username's allowance
    for untrusted clients, which a stranger can use up without touching the device's.
    """
    config = current_app.config
    if device:
        ticket = attempts.take(config["LOGIN_DEVICE_LIMIT"], f"login-device:{device}")
    else:
        ticket = attempts.take(config["LOGIN_CLIENT_LIMIT"], f"login-client:{limiter_key()}")
        if ticket is not None and attempts.take(config["LOGIN_ACCOUNT_LIMIT"],
                                                f"login-account:{name.lower()}",
                                                ticket) is None:
            ticket.give_back()
            ticket = None
    return ticket if ticket is not None else _too_many()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """First step: username and password, with one message for every failure."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("moderation/login.html", form=form,
                               expired=request.args.get("expired"),
                               enrol=request.args.get("enrol")), 400 if form.errors else 200
    name = form.username.data.strip()
    moderator = db.session.scalar(select(Moderator).where(Moderator.username == name))
    device = devices.trusted_device(moderator)
    ticket = _take_password_attempt(name, moderator, device)
    enrol_token = session.get("enrol_token")
    if not accounts.check_password(moderator, form.password.data) or not moderator.active or (
            not moderator.totp_confirmed_at and not sessions.may_enrol(moderator, enrol_token)):
        # Without an authenticator, the password alone is not enough: the admin's one-time
        # link must have been opened in this browser (the same message, so nothing is told).
        form.password.errors.append(_("Wrong username, password or code."))
        return render_template("moderation/login.html", form=form), FAILED
    ticket.give_back()  # a right password is not a guess
    session.clear()
    session["pending_id"], session["pending_at"] = moderator.id, time.time()
    session["device"] = device
    if not moderator.totp_confirmed_at:
        session["enrol_token"] = enrol_token
        with write_transaction(db.session):
            moderator = db.session.get(Moderator, moderator.id)
            moderator.totp_secret = moderator.totp_secret or accounts.new_totp_secret()
    return redirect(url_for("moderation.second_factor"))


@bp.route("/enrol/<token>", methods=["GET", "POST"])
def enrol(token):
    """Open an admin's one-time link to set up an authenticator, then sign in with it. After
    an admin's reset, a new password is chosen here first."""
    moderator = sessions.enrolment_holder(db.session, token)
    if moderator is None or moderator.totp_confirmed_at is not None:
        abort(404, description=_("This set-up link is not valid or has expired. Please ask an "
                                 "admin for a new one."))
    if moderator.password_hash == RESET:
        form = ChoosePasswordForm()
        if not form.validate_on_submit():
            return render_template("moderation/choose_password.html", form=form,
                                   name=moderator.username), 400 if form.errors else 200
        with write_transaction(db.session):
            moderator = db.session.get(Moderator, moderator.id)
            moderator.password_hash = accounts.hash_password(form.new_password.data)
            audit.record(db.session, moderator, "moderator.choose_password", moderator)
    session.clear()
    session["enrol_token"] = token
    return redirect(url_for("moderation.login", enrol=1))


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """Second step: the TOTP code; at the first sign-in, enrol the authenticator first."""
    moderator = _pending_moderator()
    if moderator is None:
        session.clear()
        return redirect(url_for("moderation.login", expired=1))
    form = CodeForm()
    enrolling = moderator.totp_confirmed_at is None
    if enrolling and not sessions.may_enrol(moderator, session.get("enrol_token")):
        session.clear()
        return redirect(url_for("moderation.login", expired=1))
    qr = accounts.qr_svg(accounts.provisioning_uri(moderator)) if enrolling else None
    page = {"form": form, "enrolling": enrolling, "qr": qr,
            "secret": moderator.totp_secret if enrolling else None}
    if not form.validate_on_submit():
        return render_template("moderation/code.html", **page), 400 if form.errors else 200
    device = session.get("device")
    # Codes guessed elsewhere never use up the allowance of the moderator's own device.
    ticket = attempts.take(current_app.config["TOTP_LIMIT"],
                           f"code-device:{device}" if device else f"code-account:{moderator.id}")
    if ticket is None:
        _too_many()
    with write_transaction(db.session):
        moderator = db.session.get(Moderator, moderator.id)
        accepted = accounts.accept_totp(moderator, form.code.data)
        if accepted:
            if enrolling:
                moderator.totp_confirmed_at = utcnow()
                sessions.finish_enrolment(moderator)
                audit.record(db.session, moderator, "totp.enrol", moderator)
            moderator.last_login_at = utcnow()
            audit.record(db.session, moderator, "login", moderator)
            token = sessions.start(db.session, moderator)
    if not accepted:
        form.code.errors.append(_("Wrong username, password or code."))
        return render_template("moderation/code.html", **page), FAILED
    ticket.give_back()
    session.clear()  # a new session: nothing from before the sign-in carries over
    login_user(moderator)
    session["login_at"] = session["seen_at"] = time.time()
    session["sid"] = token
    return devices.remember_device(redirect(url_for("moderation.home")), moderator, device)


def _pending_moderator():
    """Return the moderator who passed the password step in the last few minutes, or None."""
    started = session.get("pending_at", 0)
    if not session.get("pending_id") or time.time() - started > PENDING_SECONDS:
        return None
    moderator = db.session.get(Moderator, session["pending_id"])
    return moderator if moderator and moderator.active else None


@bp.post("/logout")
def logout():
    """Sign out (a POST, so no link or image can do it)."""
    form = ActionForm()
    if form.validate_on_submit():
        everywhere = request.form.get("everywhere") == "1"
        with write_transaction(db.session):
            moderator = db.session.get(Moderator, current_user.id)
            if everywhere:
                ended = sessions.end_all(db.session, moderator.id)
                audit.record(db.session, moderator, "logout", moderator, everywhere=True,
                             sessions=ended)
            else:
                sessions.end(db.session, session.get("sid"))
                audit.record(db.session, moderator, "logout")
        logout_user()
        session.clear()
    return redirect(url_for("moderation.login"))


@bp.get("/")
def home():
    """The moderators' start page: what waits for them."""
    from moderation.revisions import waiting_for

    pending = db.session.scalar(select(func.count()).select_from(Report)
                                .where(Report.status == "pending"))
    open_corrections = db.session.scalar(select(func.count()).select_from(CorrectionRequest)
                                         .where(CorrectionRequest.status == "pending"))
    purged = None
    if current_user.role == "admin":  # the retention promise, kept by a daily timer
        purged = {"last": last_purge(db.session), "overdue": purge_overdue(db.session)}
    return render_template("moderation/home.html", pending=pending,
                           open_corrections=open_corrections,
                           waiting=waiting_for(db.session, current_user.id),
                           purged=purged, action_form=ActionForm(), mail_on=mail_configured(),
                           minutes_in=int((time.time() - session.get("login_at", time.time()))
                                          // 60))


@bp.get("/audit")
def audit_log():
    """Browse the audit log, newest first, filtered by action or actor: admins see every
    entry, other moderators their own."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if request.args.get("action"):
        stmt = stmt.where(AuditEvent.action == request.args["action"])
    if current_user.role != "admin":
        stmt = stmt.where(AuditEvent.actor_id == current_user.id)
    elif request.args.get("actor"):
        stmt = stmt.where(AuditEvent.actor_name == request.args["actor"])
    number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = db.paginate(stmt, page=number, per_page=50, error_out=False)
    return render_template("moderation/audit.html", page=page, action_form=ActionForm(),
                           own=current_user.role != "admin")
