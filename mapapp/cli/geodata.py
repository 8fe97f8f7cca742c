"""`flask geodata load|stats`."""

import json
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from geodata.loader import load_all
from geodata.stats import format_stats, gazetteer_stats
from mapapp.extensions import db
from mapapp.models import Institution


@click.group(cls=AppGroup)
def geodata():
    """Korean boundaries and the institution gazetteer."""


@geodata.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when institutions are loaded already.")
def load(if_empty):
    """Load (or refresh) the 시/도, 시/군/구 and institutions; safe to run again."""
    if if_empty and db.session.scalar(select(Institution.id).limit(1)) is not None:
        click.echo("gazetteer present; nothing loaded (run without --if-empty to refresh)")
        return
    started = time.perf_counter()
    try:
        result = load_all(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"regions: {result.regions.get(1, 0)} 시/도, {result.regions.get(2, 0)} 시/군/구")
    click.echo(f"institutions: {result.inserted} new, {result.updated} updated, "
               f"{result.deactivated} deactivated (no longer in the data)")
    for name, code, metres in result.snapped:
        click.echo(f"snapped to the nearest region: {name} -> {code} ({metres} m away)")
    for name in result.outside:
        click.echo(f"OUTSIDE every region (kept, no region): {name}", err=True)
    click.echo(f"done in {time.perf_counter() - started:.1f} s")


@geodata.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def stats(as_json):
    """Print counts by region and kind."""
    data = gazetteer_stats(db.session)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_stats(data))
