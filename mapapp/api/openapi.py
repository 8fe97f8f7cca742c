"""GET /api/v1/openapi.json: an OpenAPI 3.0 description of the public API and forms.

The fuzz tests (tests/test_fuzz.py) generate requests from it and check every answer against
it, so it cannot drift from what the server does without a test failing.
"""

from functools import lru_cache

from flask import jsonify

from geodata.regions import region_names, sigungu_names
from mapapp.api import bp
from mapapp.models import (
    CORRECTION_PROBLEMS,
    INSTITUTION_KINDS,
    REPORT_CATEGORIES,
    REQUESTER_KINDS,
    TIPSTER_ROLES,
    VERIFICATION_LEVELS,
)
from mapapp.queries import PUBLIC_FIELDS, SORTS

MONTH = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2024-08"}
TEXT = {"type": "string"}
ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": TEXT, "message": TEXT}}
HTML = {"text/html": {"schema": TEXT}}


def _query(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _json(schema):
    return {"application/json": {"schema": schema}}


def _filters():
    """The one filter's parameters, shared by the map, exports and feed."""
    return [
        _query("sido", {"type": "string", "enum": sorted(region_names()[0])}, "시/도 code"),
        _query("sigungu", {"type": "string", "enum": sorted(sigungu_names())}, "시/군/구 code"),
        _query("month_from", MONTH, "periods ending in or after this month"),
        _query("month_to", MONTH, "periods starting in or before this month"),
        _query("kind", {"type": "string", "enum": list(INSTITUTION_KINDS)}),
        _query("level", {"type": "string", "enum": list(VERIFICATION_LEVELS)}),
        _query("q", {"type": "string", "maxLength": 60}, "name, Korean or English"),
        _query("sort", {"type": "string", "enum": list(SORTS)}),
        _query("bbox", {"type": "string", "example": "126.8,37.4,127.2,37.7"},
               "west,south,east,north in WGS84"),
    ]


def _record_schema():
    nullable_text = {"type": "string", "nullable": True}
    number = {"type": "number"}
    props = {name: nullable_text for name in PUBLIC_FIELDS}
    props.update(named={"type": "boolean"}, id={"type": "integer"})
    props.update(lon=number, lat=number, demo={"type": "boolean"},
                 location_approximate={"type": "boolean"},
                 sources={"type": "array", "items": TEXT},
                 verification_level={"type": "string", "enum": list(VERIFICATION_LEVELS)},
                 kind={"type": "string", "enum": list(INSTITUTION_KINDS)})
    return {"type": "object", "required": list(PUBLIC_FIELDS), "additionalProperties": False,
            "properties": props}


def _points_schema():
    rows = {"type": "array", "items": {"type": "array"}}
    return {"oneOf": [
        {"type": "object", "required": ["count"], "additionalProperties": False,
         "properties": {"count": {"type": "integer", "minimum": 0}}},
        {"type": "object", "required": ["view", "fields", "rows"],
         "properties": {"view": {"type": "string", "enum": ["points", "sido", "sigungu"]},
                        "fields": {"type": "array", "items": TEXT}, "rows": rows}},
    ]}


def _form(properties, required=()):
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": properties, "required": list(required)}}}}


def _tip_form():
    text = {"type": "string"}
    return _form({
        "institution_id": text, "institution_text": {"type": "string", "maxLength": 200},
        "sido_code": {"type": "string", "enum": sorted(region_names()[0])},
        "sigungu_code": {"type": "string", "enum": sorted(sigungu_names())},
        "occurred_year": {"type": "string", "pattern": r"^20[12]\d$"},
        "occurred_month": {"type": "string", "pattern": r"^([1-9]|1[0-2])$"},
        "category": {"type": "string", "enum": list(REPORT_CATEGORIES)},
        "tipster_role": {"type": "string", "enum": list(TIPSTER_ROLES)},
        "description": {"type": "string", "maxLength": 2000}, "source_url": text,
        "confirm": {"type": "string", "enum": ["y"]}, "website": text, "started": text,
        "action": {"type": "string", "enum": ["submit", "search"]},
    }, required=["category", "description", "confirm"])


def _responses(*codes, ok=None):
    """Map status codes to responses; `ok` is the 200 content."""
    out = {}
    for code in codes:
        if code == 200:
            out["200"] = {"description": "OK", "content": ok}
        elif code == 304:
            out["304"] = {"description": "Not modified (If-None-Match)"}
        else:
            out[str(code)] = {"description": "Error", "content": {**_json(ERROR), **HTML}}
    return out


@lru_cache(maxsize=1)
def spec():
    """Return the OpenAPI document as a dict."""
    filters = _filters()
    geojson = {"application/geo+json": {"schema": {
        "type": "object", "required": ["type", "features"],
        "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                       "features": {"type": "array", "items": {"type": "object"}}}}}}
    incident_id = {"name": "incident_id", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    get = lambda summary, params, responses: {  # noqa: E731
        "get": {"summary": summary, "parameters": params, "responses": responses}}
    post = lambda summary, params, body, responses: {  # noqa: E731
        "post": {"summary": summary, "parameters": params, "requestBody": body,
                 "responses": responses}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Deepfake abuse map: public API", "version": "1",
                 "description": "Published incidents only; never tip text or moderator "
                                "identity. Filters are the same everywhere."},
        "paths": {
            "/healthz": get("Database and Redis health", [], {
                "200": {"description": "ok or degraded", "content": _json({"type": "object"})},
                "503": {"description": "database down", "content": _json({"type": "object"})}}),
            "/api/v1/points": get("What the map draws", [
                *filters, _query("zoom", {"type": "integer", "minimum": 0, "maximum": 20}),
                _query("view", {"type": "string", "enum": ["points", "sido", "sigungu",
                                                           "count"]})],
                _responses(200, 304, 503, ok=_json(_points_schema()))),
            "/api/v1/incidents.geojson": get("Open data as GeoJSON", filters,
                                             _responses(200, 503, ok=geojson)),
            "/api/v1/incidents.csv": get("Open data as CSV", filters,
                                         _responses(200, 503, ok={"text/csv": {"schema": TEXT}})),
            "/api/v1/incidents/{incident_id}": get("One published incident", [incident_id],
                                                   _responses(200, 404, 503,
                                                              ok=_json(_record_schema()))),
            "/api/v1/regions.geojson": get("Region outlines", [
                _query("sido", {"type": "string", "enum": sorted(region_names()[0])})],
                _responses(200, 304, 404, ok=geojson)),
            "/api/v1/institutions": get("Gazetteer search", [
                _query("q", {"type": "string", "maxLength": 60}),
                _query("sido", {"type": "string", "enum": sorted(region_names()[0])})],
                _responses(200, 503, ok=_json({"type": "object", "required": ["results"],
                                               "properties": {"results": {"type": "array"}}}))),
            "/feed.atom": get("New incidents as Atom", filters, _responses(
                200, 503, ok={"application/atom+xml": {"schema": TEXT}})),
            "/report": post("Send an anonymous tip", [], _tip_form(),
                            _responses(200, 400, 409, 413, 415, 429, 503, ok=HTML)),
            "/report/status": post("Look a receipt up", [], _form(
                {"code": {"type": "string", "maxLength": 40}}, required=["code"]),
                _responses(200, 400, 404, 415, 429, 503, ok=HTML)),
            "/incidents/{incident_id}/correction": post(
                "Ask for a correction or takedown", [incident_id], _form({
                    "requester_kind": {"type": "string", "enum": list(REQUESTER_KINDS)},
                    "problem": {"type": "string", "enum": list(CORRECTION_PROBLEMS)},
                    "requester_institution": {"type": "string", "maxLength": 200},
                    "contact": {"type": "string", "maxLength": 200},
                    "body": {"type": "string", "maxLength": 2000}},
                    required=["requester_kind", "problem", "body"]),
                _responses(200, 400, 404, 415, 429, 503, ok=HTML)),
            "/corrections/status": post("Look a correction request up", [], _form(
                {"code": {"type": "string", "maxLength": 40}}, required=["code"]),
                _responses(200, 400, 404, 415, 429, 503, ok=HTML)),
        },
    }


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI description of the public API."""
    response = jsonify(spec())
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
