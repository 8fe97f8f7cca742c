"""JSON endpoints."""

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mapapp import region_label
from mapapp.extensions import db
from mapapp.gazetteer import search_institutions

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():
    """Report the database and Redis: 503 without the database (tips cannot be taken);
    200 "degraded" without Redis (rate limits fall back to each process's memory)."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    report = {"status": "ok", "database": database}
    if current_app.config["REDIS_URL"]:
        report["redis"] = "ok" if redis_answers(current_app.config["REDIS_URL"]) else "unreachable"
    if "unreachable" in report.values():
        report["status"] = "degraded"
    response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"
    return response, 503 if database != "ok" else 200


def redis_answers(url):
    """Tell whether Redis answers a PING within half a second."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


@bp.get("/api/v1/institutions")
def institutions():
    """Search the gazetteer by name (Korean or English), optionally within one 시/도."""
    found = search_institutions(db.session, request.args.get("q", ""), request.args.get("sido", ""))
    response = jsonify(results=[
        {"id": i.id, "name_ko": i.name_ko, "name_en": i.name_en, "kind": i.kind,
         "address": i.address, "sido_code": i.sido_code, "sigungu_code": i.sigungu_code,
         "region_ko": region_label(i.sido_code, i.sigungu_code, "ko"),
         "region_en": region_label(i.sido_code, i.sigungu_code, "en"),
         "location_approximate": i.location_approximate}
        for i in found
    ])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


from mapapp.api import boundaries, exports, openapi, points  # noqa: E402,F401  (routes attach to bp)
