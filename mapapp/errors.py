"""Error handlers: roll back, then answer in the form the client asked for."""

from flask import jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from mapapp.extensions import db


def wants_json():
    """Tell whether the client prefers JSON (API paths always do)."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(error):
    """Render an HTTP error as JSON or HTML with its own status code."""
    if wants_json():
        return jsonify(error=error.name, message=error.description), error.code
    return render_template("errors/error.html", error=error), error.code


def handle_http_error(error):
    """Handle 4xx and 5xx raised with abort()."""
    if error.code >= 500:
        db.session.rollback()
    return render_error(error)


def handle_database_down(error):
    """A database we cannot reach is a 503, not a 500."""
    db.session.rollback()
    return render_error(ServiceUnavailable("The database is unavailable; please try again soon."))


def handle_unexpected(error):
    """Anything else is a 500 with no details for the client."""
    db.session.rollback()
    return render_error(InternalServerError())


def register(app):
    """Attach the handlers to the app."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
