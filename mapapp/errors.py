"""Error handlers: roll back, then answer in the form the client asked for."""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
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


def handle_csrf_error(error):
    """An expired or missing CSRF token on the tip form re-renders it with the input kept."""
    if request.blueprint == "reports" and request.endpoint == "reports.tip":
        from mapapp.reports.forms import TipForm
        from mapapp.reports.views import render_form

        form = TipForm()  # not validated: keeps what was posted, renders a fresh token
        form.form_errors.append(_("Your session expired. Please check your answers and send "
                                  "again; nothing you typed was lost."))
        form.started.data = None
        return render_form(form, status=400)
    return render_error(error)


def handle_too_many(error):
    """A friendly 429 in the visitor's language."""
    error.description = _("Too many requests from your connection. Please wait a while and try "
                          "again. If you are in danger, call 112.")
    return render_error(error)


def handle_database_down(error):
    """A database we cannot reach is a 503, not a 500."""
    db.session.rollback()
    return render_error(ServiceUnavailable("The database is unavailable; please try again soon."))


def handle_unexpected(error):
    """Anything else is a 500 with no details for the client (the log gets the traceback)."""
    db.session.rollback()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(InternalServerError())


def register(app):
    """Attach the handlers to the app."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(429, handle_too_many)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
