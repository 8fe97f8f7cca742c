"""Server-side moderator sessions and one-time enrolment links.

The signed cookie alone proves nothing after sign-out: a request is a moderator's only while
the token in its cookie has a row here. Rows go at sign-out (that browser), and on a password
change, a reset of the authenticator or a deactivation (every browser of that moderator).
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from mapapp.models import Moderator, ModeratorSession, utcnow


def digest(token):
    """Return the SHA-256 of a token: the only form in which the server keeps it."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(db_session, moderator):
    """Open a session for the moderator and return its token for the cookie (caller commits).

    The moderator's sessions older than the absolute limit are dropped on the way.
    """
    oldest = utcnow() - timedelta(hours=current_app.config["MODERATOR_SESSION_HOURS"])
    db_session.execute(delete(ModeratorSession).where(
        ModeratorSession.moderator_id == moderator.id, ModeratorSession.created_at < oldest))
    token = secrets.token_urlsafe(32)
    db_session.add(ModeratorSession(moderator_id=moderator.id, token_hash=digest(token)))
    return token


def is_live(db_session, moderator_id, token):
    """Tell whether this token is an open session of this moderator."""
    if not token or not isinstance(token, str):
        return False
    found = db_session.scalar(select(ModeratorSession.moderator_id).where(
        ModeratorSession.token_hash == digest(token)))
    return found == moderator_id


def end(db_session, token):
    """End one session (sign-out of this browser; caller commits)."""
    if token and isinstance(token, str):
        db_session.execute(delete(ModeratorSession).where(
            ModeratorSession.token_hash == digest(token)))


def end_all(db_session, moderator_id):
    """End every session of a moderator and return how many there were (caller commits)."""
    result = db_session.execute(delete(ModeratorSession).where(
        ModeratorSession.moderator_id == moderator_id))
    return result.rowcount


def issue_enrolment(moderator):
    """Give the moderator a new one-time enrolment token and return it (caller commits).

    Shown once to the admin; only its hash is stored, and it lapses after
    ENROLMENT_LINK_HOURS or at the first enrolment.
    """
    token = secrets.token_urlsafe(32)
    moderator.enrol_token_hash = digest(token)
    moderator.enrol_expires_at = utcnow() + timedelta(
        hours=current_app.config["ENROLMENT_LINK_HOURS"])
    return token


def enrolment_holder(db_session, token):
    """Return the moderator whose unexpired enrolment token this is, or None."""
    if not token or not isinstance(token, str):
        return None
    moderator = db_session.scalar(select(Moderator).where(
        Moderator.enrol_token_hash == digest(token)))
    if moderator is None or not moderator.active or moderator.enrol_expires_at is None:
        return None
    return moderator if moderator.enrol_expires_at > utcnow() else None


def may_enrol(moderator, token):
    """Tell whether this browser holds the moderator's live enrolment token."""
    return bool(token) and isinstance(token, str) and moderator.enrol_token_hash is not None \
        and secrets.compare_digest(moderator.enrol_token_hash, digest(token)) \
        and moderator.enrol_expires_at is not None and moderator.enrol_expires_at > utcnow()


def finish_enrolment(moderator):
    """Spend the enrolment token (caller commits)."""
    moderator.enrol_token_hash = moderator.enrol_expires_at = None
