"""`flask backup FILE` and `flask restore FILE`."""

import click
from flask.cli import with_appcontext

from mapapp import audit
from mapapp.backup import BackupError, backup, restore
from mapapp.extensions import db


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path):
    """Write a backup of the whole database to PATH."""
    _carry_out(backup, path)
    click.echo(f"backup written to {path}; head of the audit chain: {_head()}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(path):
    """Restore PATH into this (fresh) database, then check the audit chain."""
    _carry_out(restore, path)
    count, head, problems = audit.verify(db.session)
    db.session.remove()
    if problems:
        raise click.ClickException(f"restored, but the audit chain is broken: {problems[:3]}")
    click.echo(f"restored {count} audit events; head of the audit chain: {head}")


def _carry_out(action, path):
    """Run backup or restore on this app's database; its errors become a clean CLI message."""
    try:
        action(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


def _head():
    count, head, _problems = audit.verify(db.session)
    db.session.remove()
    return f"{head} ({count} events)"
