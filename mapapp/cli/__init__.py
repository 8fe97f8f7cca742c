"""Flask CLI commands for set-up and administration."""

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade

from mapapp.cli.backup import backup_command, restore_command
from mapapp.cli.demo import demo
from mapapp.cli.geodata import geodata
from mapapp.cli.mirror import publish_static
from mapapp.cli.moderators import audit, moderators, purge


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema (runs the migrations)."""
    from mapapp.extensions import db
    from mapapp.textsearch import ensure_forms

    upgrade()
    click.echo("database is at the latest migration")
    written = ensure_forms(db.session)  # an upgrade to 0005: the search needs the forms
    db.session.commit()
    if written:
        click.echo(f"name search: forms written for {written} institutions")


@click.group("corrections")
def corrections():
    """Correction and takedown requests."""


@corrections.command("enforce")
@with_appcontext
def enforce_corrections():
    """Hide the entries whose correction requests passed the triage deadline (for cron; the
    app also does it by itself every few seconds)."""
    from mapapp.corrections import enforce_deadlines
    from mapapp.extensions import db
    from mapapp.spatial import write_transaction

    with write_transaction(db.session):
        hidden = enforce_deadlines(db.session)
    click.echo(f"{len(hidden)} entries hidden pending review")


@click.command("notify")
@with_appcontext
def notify():
    """Send the moderators' alerts and digests that are due (for a timer, every few minutes;
    deploy/mapapp-notify.timer)."""
    from mapapp.extensions import db
    from moderation.notifications import mail_configured, run

    sent = run(db.session)
    mail = "on" if mail_configured() else "off (no MAIL_SERVER)"
    click.echo(f"{sent} notifications sent; e-mail {mail}")


def register(app):
    """Attach the commands to the app's CLI."""
    app.cli.add_command(init_db)
    app.cli.add_command(corrections)
    app.cli.add_command(notify)
    app.cli.add_command(geodata)
    app.cli.add_command(demo)
    app.cli.add_command(moderators)
    app.cli.add_command(audit)
    app.cli.add_command(purge)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(publish_static)
