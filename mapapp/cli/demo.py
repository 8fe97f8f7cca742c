"""`flask demo seed|clear`: synthetic data, always marked as demo."""

import time

import click
from flask.cli import AppGroup

from mapapp import demo as demo_data
from mapapp.extensions import db


@click.group(cls=AppGroup)
def demo():
    """Synthetic demo data (never real allegations)."""


@demo.command("seed")
@click.option("--incidents", default=200, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--reports", default=0, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--seed", "seed_value", type=int, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when demo incidents exist already.")
def seed(incidents, reports, seed_value, if_empty):
    """Create demo incidents and pending tips on real gazetteer institutions."""
    if if_empty and demo_data.present(db.session):
        click.echo("demo data present; nothing added")
        return
    started = time.perf_counter()
    try:
        demo_data.seed(db.session, incidents, reports, seed_value)
        db.session.commit()
    except LookupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added {incidents} demo incidents and {reports} demo tips "
               f"in {time.perf_counter() - started:.1f} s")


@demo.command("clear")
def clear():
    """Delete all demo incidents and tips."""
    incidents, tips = demo_data.clear(db.session)
    db.session.commit()
    click.echo(f"deleted {incidents} demo incidents and {tips} demo tips")
