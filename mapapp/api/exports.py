"""Open data: published incidents as GeoJSON and CSV, honouring the same filters."""

import csv
import io
import json

from flask import Response, abort, jsonify, request
from sqlalchemy import select

from mapapp.api import bp
from mapapp.extensions import db
from mapapp.models import Incident, Institution
from mapapp.policy import named_clause
from mapapp.queries import PUBLIC_FIELDS, IncidentFilter, public_record

EXPORT_LIMIT = 200_000


def _records():
    """Return the public records for the filter in the query string."""
    stmt = IncidentFilter.from_args(request.args).statement(db.session, "all").limit(EXPORT_LIMIT)
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
    features = [_feature(r) for r in _records()]
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
    return _open_data(body, "application/geo+json", "incidents.geojson")


def _feature(record):
    """Return a GeoJSON feature: a point for a named incident; a counted one has no geometry
    and no id (its region is in the properties)."""
    if not record["named"]:
        return {"type": "Feature", "geometry": None,
                "properties": {k: v for k, v in record.items() if v is not None
                               and k not in ("lon", "lat")}}
    return {"type": "Feature", "id": record["id"],
            "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
            "properties": {k: v for k, v in record.items() if k not in ("lon", "lat")}}


@bp.get("/api/v1/incidents/<int:incident_id>")
def incident_json(incident_id):
    """One published incident's public fields (what a map popup shows); 404 otherwise."""
    row = db.session.execute(select(Incident, Institution)
                             .join(Institution, Institution.id == Incident.institution_id)
                             .where(Incident.id == incident_id,
                                    Incident.status == "published", named_clause())).first()
    if row is None:
        abort(404)
    response = jsonify(public_record(*row))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


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
