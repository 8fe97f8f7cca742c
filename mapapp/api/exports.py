"""Open data: published incidents as GeoJSON and CSV, honouring the same filters."""

import csv
import io
import json

from flask import Response, request

from mapapp.api import bp
from mapapp.extensions import db
from mapapp.queries import PUBLIC_FIELDS, IncidentFilter, public_record

EXPORT_LIMIT = 200_000


def _records():
    """Return the public records for the filter in the query string."""
    stmt = IncidentFilter.from_args(request.args).statement(db.session).limit(EXPORT_LIMIT)
    return [public_record(incident, inst) for incident, inst in db.session.execute(stmt)]


def _open_data(body, mimetype, filename):
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data, no credentials
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/api/v1/incidents.geojson")
def incidents_geojson():
    """Published incidents as a GeoJSON FeatureCollection (WGS84)."""
    features = [{"type": "Feature", "id": r["id"],
                 "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                 "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")}}
                for r in _records()]
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
    return _open_data(body, "application/geo+json", "incidents.geojson")


def spreadsheet_safe(value):
    """Keep a spreadsheet from running a cell as a formula (=, +, -, @, tab, CR)."""
    if isinstance(value, list):
        value = " ".join(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/api/v1/incidents.csv")
def incidents_csv():
    """Published incidents as CSV (UTF-8 with BOM, so spreadsheet apps read Korean)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(PUBLIC_FIELDS)
    for record in _records():
        writer.writerow([spreadsheet_safe(record[k]) for k in PUBLIC_FIELDS])
    return _open_data(out.getvalue(), "text/csv", "incidents.csv")
