"""Flask CLI commands for set-up and administration."""

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade

from mapapp.cli.backup import backup_command, restore_command
from mapapp.cli.demo import demo
from mapapp.cli.geodata import geodata
from mapapp.cli.moderators import audit, moderators, purge


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema (runs the migrations)."""
    upgrade()
    click.echo("database is at the latest migration")


def register(app):
    """Attach the commands to the app's CLI."""
    app.cli.add_command(init_db)
    app.cli.add_command(geodata)
    app.cli.add_command(demo)
    app.cli.add_command(moderators)
    app.cli.add_command(audit)
    app.cli.add_command(purge)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
