"""JSON endpoints."""

from flask import Blueprint, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mapapp.extensions import db
from mapapp.gazetteer import region_names_for, search_institutions

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():
    """Report whether the database answers: 200 ok, or 503 degraded."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="degraded", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/api/v1/institutions")
def institutions():
    """Search the gazetteer by name (Korean or English), optionally within one 시/도."""
    found = search_institutions(db.session, request.args.get("q", ""), request.args.get("sido", ""))
    regions = region_names_for(db.session, found)
    response = jsonify(results=[
        {"id": i.id, "name_ko": i.name_ko, "name_en": i.name_en, "kind": i.kind,
         "address": i.address, "sido_code": i.sido_code, "sigungu_code": i.sigungu_code,
         "region_ko": " ".join(regions.get(c, "") for c in (i.sido_code, i.sigungu_code) if c),
         "location_approximate": i.location_approximate}
        for i in found
    ])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


from mapapp.api import boundaries, exports, points  # noqa: E402,F401  (routes attach to bp)
