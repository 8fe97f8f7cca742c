"""Public pages: what anyone can read."""

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

from geodata.regions import region_names
from mapapp.extensions import db
from mapapp.models import INSTITUTION_KINDS, VERIFICATION_LEVELS
from mapapp.pagecache import cached_page
from mapapp.payload import get_total
from mapapp.queries import IncidentFilter
from mapapp.readmodel import data_version

bp = Blueprint("public", __name__)


def filter_context(chosen):
    """Return what the shared filter form needs (regions come from files, not the database)."""
    sido, sigungu = region_names()
    return {"chosen": chosen, "sido": sido, "sigungu": sigungu, "kinds": INSTITUTION_KINDS,
            "levels": VERIFICATION_LEVELS}


@lru_cache(maxsize=1)
def _favicon(folder):
    return (Path(folder) / "favicon.ico").read_bytes()


@bp.get("/favicon.ico")
def favicon():
    """The icon browsers and crawlers ask for at the root (pages name the SVG one); 196
    bytes, kept in memory."""
    from flask import Response

    answer = Response(_favicon(current_app.static_folder), mimetype="image/vnd.microsoft.icon")
    answer.headers["Cache-Control"] = "public, max-age=604800"
    return answer


@bp.get("/")
def home():
    """The map: folium scaffolding in our page; incidents come from the points API."""
    from flask_babel import gettext as _

    from mapapp.mapbuilder import build_map

    chosen = IncidentFilter.from_args(request.args)
    config = current_app.config
    parts = build_map(url_for("static", filename=""), config["TILE_URL"],
                      config["TILE_ATTRIBUTION"], _("Incidents"), _("Regions"),
                      (_("Full screen"), _("Leave full screen"), _("Show schools near me")))

    def render():
        # Still rendered when the database is down, with the last count it saw.
        total = _or_none(lambda: get_total(db.session, chosen))
        return render_template("public/map.html", parts=parts, total=total,
                               **filter_context(chosen))

    return through_page_cache(render, chosen.key(), config["TILE_URL"])


def through_page_cache(render, *key):
    """Serve render()'s page from the page cache under the current data version and `key`
    (what the page shows: its parsed filter, page number or id); when the version cannot be
    read (the database is down), render afresh: render decides what it can still show."""
    version = _or_none(lambda: data_version(db.session))
    return render() if version is None else cached_page((version, *key), render)


def _or_none(read):
    """Return read(), or None (after a rollback) when the database fails."""
    try:
        return read()
    except SQLAlchemyError:
        db.session.rollback()
        return None


@bp.get("/stats")
def stats():
    """Totals by kind and 시/도, and a monthly timeline, drawn as SVG on the server."""
    from mapapp.stats import compute

    chosen = IncidentFilter.from_args(request.args)
    column = 0 if str(get_locale()) == "ko" else 1
    region_labels = {code: names[column] for code, names in region_names()[0].items()}
    return through_page_cache(lambda: render_template(
        "public/stats.html", stats=compute(db.session, chosen), region_labels=region_labels,
        **filter_context(chosen)), chosen.key())


from mapapp.public import corrections, feed, incidents  # noqa: E402,F401  (routes attach to bp)
