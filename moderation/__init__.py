"""The moderators' blueprint: every route is guarded in one before_request."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user

from mapapp.extensions import db, login_manager
from mapapp.spatial import write_transaction

bp = Blueprint("moderation", __name__, url_prefix="/mod")
PUBLIC_ENDPOINTS = {"moderation.login", "moderation.second_factor", "moderation.enrol"}


def admin_only(view):
    """Mark a view as for admins only (the guard enforces it)."""
    view.admin_only = True
    return view


@bp.before_request
def guard():
    """Let nobody past the sign-in pages without both factors, an active account and a live
    session; keep non-admins out of admin views."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated or not current_user.active:
        logout_user()
        return redirect(url_for("moderation.login"))
    now = datetime.now(UTC)
    started = datetime.fromtimestamp(session.get("login_at", 0), UTC)
    seen = datetime.fromtimestamp(session.get("seen_at", 0), UTC)
    config = current_app.config
    if (now - seen > timedelta(minutes=config["MODERATOR_IDLE_MINUTES"])
            or now - started > timedelta(hours=config["MODERATOR_SESSION_HOURS"])):
        from moderation import sessions

        with write_transaction(db.session):
            sessions.end(db.session, session.get("sid"))
        logout_user()
        session.clear()
        return redirect(url_for("moderation.login", expired=1))
    session["seen_at"] = now.timestamp()
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "admin_only", False) and current_user.role != "admin":
        abort(403)
    return None


@bp.after_request
def keep_private(response):
    """Moderator pages are never cached."""
    response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def load_moderator(user_id):
    """Return the signed-in moderator, or None once deactivated or once this browser's
    session has ended on the server (sign-out, reset, deactivation): a copied cookie is then
    worth nothing."""
    from mapapp.models import Moderator
    from moderation import sessions

    moderator = db.session.get(Moderator, int(user_id))
    if moderator is None or not moderator.active:
        return None
    return moderator if sessions.is_live(db.session, moderator.id, session.get("sid")) else None


from moderation import (  # noqa: E402,F401  (routes attach to bp)
    admin_accounts,
    bulk,
    claims,
    correction_views,
    incidents,
    review,
    revision_views,
    settings,
    views,
)
