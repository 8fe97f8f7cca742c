"""Moderators and the append-only audit log of what they do."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from mapapp.extensions import db
from mapapp.models.base import UTCDateTime, choice, utcnow

MODERATOR_ROLES = ("moderator", "admin")


class Moderator(UserMixin, db.Model):
    """A volunteer account, created from the CLI only; TOTP is mandatory."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # rejects a replayed code
    role: Mapped[str] = mapped_column(choice(*MODERATOR_ROLES), default="moderator")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A one-time link from an admin is needed to enrol an authenticator (new account or reset):
    # knowing the password alone is not enough. Only the link token's SHA-256 is kept.
    enrol_token_hash: Mapped[str | None] = mapped_column(String(64))
    enrol_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Tip texts open at once, or folded behind a content note (the default; settings page).
    show_tip_text: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=sa_false())
    # Notifications they asked for (moderation/notifications.py): where, a digest every N
    # hours (0: none), and alerts for bursts and correction deadlines.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    digest_hours: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    notify_alerts: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=sa_false())
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self):
        """Flask-Login: a deactivated moderator is signed out on the next request."""
        return self.active


class AuditEvent(db.Model):
    """One moderator or system action; each row's hash covers the previous row's hash."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("moderators.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(60))  # "system" for CLI and jobs
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ModeratorSession(db.Model):
    """A signed-in browser: the cookie holds a random token, the server only its SHA-256.

    A moderator request is let in only while its row exists, so deleting rows ends sessions at
    once (sign-out, password change, reset of the authenticator, deactivation).
    """

    __tablename__ = "moderator_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeSent(db.Model):
    """A notification delivered (key and channel), so it is sent once; failures are not
    recorded and are retried. Rows older than a month are dropped."""

    __tablename__ = "notices_sent"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
