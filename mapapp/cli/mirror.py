"""flask publish-static DIR: the public read side as plain files for any static host."""

import click
from flask.cli import with_appcontext


@click.command("publish-static")
@click.argument("folder", type=click.Path(file_okay=False), required=False)
@with_appcontext
def publish_static(folder):
    """Write the static mirror into FOLDER (default: the MIRROR_DIR setting). Only changed
    files are rewritten; files the mirror no longer holds are deleted."""
    from flask import current_app

    from mapapp.mirror import publish

    folder = folder or current_app.config.get("MIRROR_DIR")
    if not folder:
        raise click.UsageError("name a folder, or set MAPAPP_MIRROR_DIR")
    summary = publish(folder)
    click.echo(f"{folder}: {summary['pages']} pages ({summary['incident_pages']} incident "
               f"pages), {summary['files']} files, {summary['changed']} changed, "
               f"{summary['removed']} removed, in {summary['seconds']} s "
               f"(data version {summary['data_version']})")
