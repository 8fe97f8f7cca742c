"""Open data: published incidents as GeoJSON and CSV, honouring the same filters."""

import csv
import io
import json
from collections import namedtuple
from dataclasses import replace
from operator import itemgetter

import orjson
from flask import abort, request
from sqlalchemy import select, type_coerce
from sqlalchemy.types import NullType

from mapapp import readmodel
from mapapp.api import bp
from mapapp.extensions import db
from mapapp.models import Incident, Institution
from mapapp.policy import named_clause, named_levels
from mapapp.queries import PUBLIC_FIELDS, IncidentFilter, public_record, public_values
from mapapp.spatial import month_of

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

MONTH_COLUMNS = ("first_reported_month", "last_reported_month")
RecordRow = namedtuple("RecordRow", [column.key for column in RECORD_COLUMNS])


def _values(chosen):
    """Yield the public values (tuples in PUBLIC_FIELDS order) for the filter in batches, in
    id order (open data needs no other, and a sort of every row would cost the database tens
    of megabytes).

    The columns are read as the driver gives them, without SQLAlchemy's type processing
    (dates, times and JSON as SQLite's text; public_values reads either form): at 100,000
    rows that processing took as long as the rest of the build."""
    raw = [(month_of(db.session, column) if column.key in MONTH_COLUMNS else
            type_coerce(column, NullType())).label(column.key) for column in RECORD_COLUMNS]
    stmt = chosen.statement(db.session, "all").with_only_columns(*raw)
    # On the statement, not the connection: Connection.execution_options() would change the
    # connection itself, and every later statement would go through a server-side cursor.
    result = db.session.connection().execute(
        stmt.order_by(None).order_by(Incident.id).limit(EXPORT_LIMIT)
        .execution_options(yield_per=BATCH))
    levels = named_levels()
    for rows in result.partitions():
        # A namedtuple reads its fields several times faster than a Row does.
        yield [public_values(row, row, levels) for row in map(RecordRow._make, rows)]


def _open_data(kind, build, mimetype, filename):
    """Serve an export from the read model: built once per data version and filter. The rows
    are in id order whatever `sort` says, so sort is not part of the key (three values would
    build the same 45 MB three times)."""
    chosen = replace(IncidentFilter.from_args(request.args), sort="recent")
    answer = readmodel.cached(db.session, kind, chosen.data_key(db.session),
                              lambda: build(chosen), mimetype, outage_key=chosen.key())
    return readmodel.respond(answer, OPEN_DATA_CACHE, {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Access-Control-Allow-Origin": "*"})  # open data, no credentials


def geojson_chunks(chosen):
    """Yield the GeoJSON FeatureCollection in pieces (one orjson call per batch)."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in _values(chosen):
        text = orjson.dumps(list(map(_feature, batch)))[1:-1]
        yield text if first else b"," + text
        first = False
    yield b"]}"


@bp.get("/api/v1/incidents.geojson")
def incidents_geojson():
    """Published incidents as a GeoJSON FeatureCollection (WGS84)."""
    return _open_data("geojson", geojson_chunks, "application/geo+json", "incidents.geojson")


PROPERTIES = tuple(name for name in PUBLIC_FIELDS if name not in ("lon", "lat"))
_properties = itemgetter(*(PUBLIC_FIELDS.index(name) for name in PROPERTIES))
_ID, _LON, _LAT = (PUBLIC_FIELDS.index(name) for name in ("id", "lon", "lat"))


# What a counted incident keeps (public_values leaves the rest None): read by index, not
# filtered key by key, as that was the largest cost of building the GeoJSON.
COUNTED = ("named", "sido_code", "sido_ko", "sigungu_code", "sigungu_ko", "first_month",
           "last_month", "verification_level", "summary_ko", "summary_en", "sources", "demo")
_counted = itemgetter(*(PUBLIC_FIELDS.index(name) for name in COUNTED))


def _feature(values):
    """Return a GeoJSON feature of public values: a point for a named incident; a counted one
    has no geometry and no id (its region is in the properties; no None values)."""
    if not values[0]:  # counted: no institution
        kept = _counted(values)
        properties = zip(COUNTED, kept, strict=True) if None not in kept else (
            (k, v) for k, v in zip(COUNTED, kept, strict=True) if v is not None)
        return {"type": "Feature", "geometry": None, "properties": dict(properties)}
    return {"type": "Feature", "id": values[_ID],
            "geometry": {"type": "Point", "coordinates": [values[_LON], values[_LAT]]},
            "properties": dict(zip(PROPERTIES, _properties(values), strict=True))}


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


FORMULA_STARTS = frozenset("=+-@\t\r")
# The fields that hold text from people (names, summaries, sources); the rest are codes,
# months, numbers and flags the application writes itself.
FREE_TEXT = tuple(PUBLIC_FIELDS.index(name) for name in (
    "institution_ko", "institution_en", "summary_ko", "summary_en", "sources"))


def spreadsheet_safe(value):
    """Keep a spreadsheet from running a cell as a formula (=, +, -, @, tab, CR)."""
    if value.__class__ is list:
        value = " ".join(value)
    if value.__class__ is str and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_row(values):
    """Return a CSV row of public values, free text made spreadsheet-safe."""
    row = list(values)
    for index in FREE_TEXT:
        row[index] = spreadsheet_safe(row[index])
    return row


def csv_chunks(chosen):
    """Yield the CSV in pieces (UTF-8 with BOM, so spreadsheet apps read Korean)."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(PUBLIC_FIELDS)
    for batch in _values(chosen):
        writer.writerows(map(csv_row, batch))
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
    yield out.getvalue().encode()


@bp.get("/api/v1/incidents.csv")
def incidents_csv():
    """Published incidents as CSV."""
    return _open_data("csv", csv_chunks, "text/csv", "incidents.csv")
