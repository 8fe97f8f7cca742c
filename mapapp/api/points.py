"""GET /api/v1/points: what the map draws, as cacheable bytes."""

from flask import request

from mapapp.api import bp
from mapapp.extensions import db
from mapapp.payload import get_payload, get_total
from mapapp.queries import IncidentFilter
from mapapp.readmodel import respond

AGGREGATE_BELOW_ZOOM = {"sido": 8, "sigungu": 10}  # counts per region at low zoom
POINTS_WITHOUT_AGGREGATING = 2000  # a small result is sent as points at any zoom
VIEWS = ("points", "sido", "sigungu", "count")  # "count": just how many match


def choose_view(session, chosen, zoom):
    """Pick points or counts per region for this zoom level."""
    if zoom is None or zoom >= AGGREGATE_BELOW_ZOOM["sigungu"]:
        return "points"
    total = get_total(session, chosen)  # cached, not a query
    # Counted (unnamed) incidents have no pin: while any match, low zooms show region counts.
    if total <= POINTS_WITHOUT_AGGREGATING and get_total(session, chosen, "named_count") == total:
        return "points"
    return "sido" if zoom < AGGREGATE_BELOW_ZOOM["sido"] else "sigungu"


@bp.get("/api/v1/points")
def points():
    """Incidents for the map (or a count), honouring the list's filters; 304 if unchanged."""
    chosen = IncidentFilter.from_args(request.args)
    zoom = request.args.get("zoom", type=int)
    asked = request.args.get("view")
    view = asked if asked in VIEWS else choose_view(db.session, chosen, zoom)
    # A CDN may hold it briefly, and serve it stale while we refresh it or are down.
    return respond(get_payload(db.session, chosen, view),
                   "public, max-age=30, s-maxage=60, stale-while-revalidate=300, "
                   "stale-if-error=86400", {"Access-Control-Allow-Origin": "*"})
