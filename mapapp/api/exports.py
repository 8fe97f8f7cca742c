"""Open data: published incidents as GeoJSON and CSV, honouring the same filters."""

import csv
import io
import json

from flask import abort, request
from sqlalchemy import select

from mapapp import readmodel
from mapapp.api import bp
from mapapp.extensions import db
from mapapp.models import Incident, Institution
from mapapp.policy import named_clause
from mapapp.queries import PUBLIC_FIELDS, IncidentFilter, public_record

EXPORT_LIMIT = 200_000
BATCH = 2000  # rows read and written at a time: no export is ever held whole as objects
OPEN_DATA_CACHE = "public, max-age=300, stale-while-revalidate=600, stale-if-error=86400"
# Plain columns, not ORM objects: public_record() reads the same names off a row.
RECORD_COLUMNS = (Incident.id, Incident.first_reported_month, Incident.last_reported_month,
                  Incident.verification_level, Incident.is_demo, Incident.public_summary_ko,
                  Incident.public_summary_en, Incident.public_sources, Incident.published_at,
                  Institution.sido_code, Institution.sigungu_code, Institution.name_ko,
                  Institution.name_en, Institution.kind, Institution.lon, Institution.lat,
                  Institution.location_approximate)


def _records(chosen):
    """Yield the public records for the filter, reading rows in batches."""
    stmt = chosen.statement(db.session, "all").with_only_columns(*RECORD_COLUMNS)
    result = db.session.execute(stmt.limit(EXPORT_LIMIT),
                                execution_options={"yield_per": BATCH})
    for rows in result.partitions():
        yield [public_record(row, row) for row in rows]


def _open_data(kind, build, mimetype, filename):
    """Serve an export from the read model: built once per data version and filter."""
    chosen = IncidentFilter.from_args(request.args)
    answer = readmodel.cached(db.session, kind, chosen.key(), lambda: build(chosen), mimetype)
    return readmodel.respond(answer, OPEN_DATA_CACHE, {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Access-Control-Allow-Origin": "*"})  # open data, no credentials


def geojson_chunks(chosen):
    """Yield the GeoJSON FeatureCollection in pieces."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in _records(chosen):
        text = ",".join(json.dumps(_feature(r), ensure_ascii=False, separators=(",", ":"))
                        for r in batch)
        yield (text if first else "," + text).encode()
        first = False
    yield b"]}"


@bp.get("/api/v1/incidents.geojson")
def incidents_geojson():
    """Published incidents as a GeoJSON FeatureCollection (WGS84)."""
    return _open_data("geojson", geojson_chunks, "application/geo+json", "incidents.geojson")


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
    def chunks():
        row = db.session.execute(select(*RECORD_COLUMNS)
                                 .join(Institution, Institution.id == Incident.institution_id)
                                 .where(Incident.id == incident_id,
                                        Incident.status == "published", named_clause())).first()
        if row is None:
            abort(404)  # not kept: only answers that were built are
        yield json.dumps(public_record(row, row), ensure_ascii=False,
                         separators=(",", ":")).encode()

    answer = readmodel.cached(db.session, "incident", incident_id, chunks, "application/json")
    return readmodel.respond(answer, "public, max-age=60, stale-if-error=86400",
                             {"Access-Control-Allow-Origin": "*"})


def spreadsheet_safe(value):
    """Keep a spreadsheet from running a cell as a formula (=, +, -, @, tab, CR)."""
    if isinstance(value, list):
        value = " ".join(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_chunks(chosen):
    """Yield the CSV in pieces (UTF-8 with BOM, so spreadsheet apps read Korean)."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(PUBLIC_FIELDS)
    for batch in _records(chosen):
        for record in batch:
            writer.writerow([spreadsheet_safe(record[k]) for k in PUBLIC_FIELDS])
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
    yield out.getvalue().encode()


@bp.get("/api/v1/incidents.csv")
def incidents_csv():
    """Published incidents as CSV."""
    return _open_data("csv", csv_chunks, "text/csv", "incidents.csv")
