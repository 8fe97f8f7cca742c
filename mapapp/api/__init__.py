"""JSON endpoints."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mapapp.extensions import db

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
