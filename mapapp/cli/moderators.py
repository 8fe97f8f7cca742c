"""`flask moderators create|deactivate|reset-2fa|set-password|list` and `flask audit verify`:
the only way accounts are made, and the check of the audit chain."""

import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from mapapp import audit as audit_log
from mapapp.extensions import db
from mapapp.models import MODERATOR_ROLES, Moderator
from mapapp.retention import purge_decided_tips
from mapapp.spatial import write_transaction
from mapapp.urls import external_url
from moderation import sessions
from moderation.accounts import MIN_PASSWORD, hash_password


def _find(username):
    """Return the moderator or stop with a friendly error."""
    moderator = db.session.scalar(select(Moderator).where(Moderator.username == username))
    if moderator is None:
        raise click.ClickException(f"no moderator named {username!r}")
    return moderator


@click.group(cls=AppGroup)
def moderators():
    """Moderator accounts (created here only; never from the web)."""


@moderators.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(MODERATOR_ROLES), default="moderator", show_default=True)
@click.password_option(help=f"At least {MIN_PASSWORD} characters; prompted when not given.")
def create(username, role, password):
    """Create an account; TOTP is set up at its first sign-in."""
    username = username.strip()
    if not username or len(username) > 60:
        raise click.ClickException("the username must be 1 to 60 characters")
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password must be at least {MIN_PASSWORD} characters")
    if db.session.scalar(select(Moderator.id).where(Moderator.username == username)):
        raise click.ClickException(f"a moderator named {username!r} exists already")
    with write_transaction(db.session):
        moderator = Moderator(username=username, role=role, password_hash=hash_password(password))
        db.session.add(moderator)
        db.session.flush()
        token = sessions.issue_enrolment(moderator)
        audit_log.record(db.session, None, "moderator.create", moderator, role=role)
    click.echo(f"created {role} {username!r}")
    _show_enrolment_link(token)


def _show_enrolment_link(token):
    """Print the one-time set-up link (shown here once; only its hash is kept)."""
    hours = current_app.config["ENROLMENT_LINK_HOURS"]
    click.echo(f"Give this one-time link to the moderator in person or over a trusted channel; "
               f"it works once, for {hours} hours, and is not shown again:")
    click.echo(external_url("moderation.enrol", token=token))


@moderators.command("deactivate")
@click.argument("username")
@click.option("--reason", default=None, help="Why (kept in the audit log).")
def deactivate(username, reason):
    """Deactivate an account; its sessions end on their next request."""
    with write_transaction(db.session):
        moderator = _find(username)
        moderator.active = False
        ended = sessions.end_all(db.session, moderator.id)
        audit_log.record(db.session, None, "moderator.deactivate", moderator, reason=reason,
                         sessions=ended)
    click.echo(f"deactivated {username!r}; {ended} session(s) ended")


@moderators.command("reset-2fa")
@click.argument("username")
def reset_2fa(username):
    """Forget an account's authenticator and end its sessions; print a one-time link with
    which the moderator sets up a new one (the password alone does not)."""
    with write_transaction(db.session):
        moderator = _find(username)
        moderator.totp_secret = moderator.totp_confirmed_at = moderator.totp_last_step = None
        ended = sessions.end_all(db.session, moderator.id)
        token = sessions.issue_enrolment(moderator)
        audit_log.record(db.session, None, "moderator.reset_2fa", moderator, sessions=ended)
    click.echo(f"two-factor reset for {username!r}; {ended} session(s) ended")
    _show_enrolment_link(token)


@moderators.command("set-password")
@click.argument("username")
@click.password_option(help=f"At least {MIN_PASSWORD} characters; prompted when not given.")
def set_password(username, password):
    """Give an account a new password and end all its sessions."""
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password must be at least {MIN_PASSWORD} characters")
    with write_transaction(db.session):
        moderator = _find(username)
        moderator.password_hash = hash_password(password)
        ended = sessions.end_all(db.session, moderator.id)
        audit_log.record(db.session, None, "moderator.set_password", moderator, sessions=ended)
    click.echo(f"new password for {username!r}; {ended} session(s) ended")


@moderators.command("list")
def list_moderators():
    """List accounts with role, state and last sign-in."""
    for m in db.session.scalars(select(Moderator).order_by(Moderator.username)):
        state = "active" if m.active else "deactivated"
        twofa = "2fa" if m.totp_confirmed_at else "no-2fa-yet"
        last = m.last_login_at.strftime("%Y-%m-%d %H:%M") if m.last_login_at else "never"
        click.echo(f"{m.username:<24} {m.role:<10} {state:<12} {twofa:<11} last {last}")


@click.group(cls=AppGroup)
def audit():
    """The audit log."""


@audit.command("verify")
def verify():
    """Check the hash chain; exit 1 if any event was edited or deleted."""
    count, head, problems = audit_log.verify(db.session)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"audit chain BROKEN: {len(problems)} problem(s) "
                                   f"in {count} events")
    click.echo(f"audit chain intact: {count} events, head {head}")


@click.command("purge")
@click.option("--days", type=click.IntRange(0, 3650), default=None,
              help="Override TIP_RETENTION_DAYS.")
@with_appcontext
def purge(days):
    """Remove tip descriptions and source URLs N days after the decision."""
    days = current_app.config["TIP_RETENTION_DAYS"] if days is None else days
    started = time.perf_counter()
    with write_transaction(db.session):
        count = purge_decided_tips(db.session, days)
    click.echo(f"purged the text of {count} tips decided more than {days} days ago "
               f"in {time.perf_counter() - started:.2f} s")
