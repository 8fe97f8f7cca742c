"""Error handlers: roll back, then answer in the form the client asked for."""

import math
import time

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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


# What a page says for each status, in the visitor's language (Werkzeug's own texts are
# English). A description given where the error was raised is kept.
PAGE_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try "
                                "again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have been removed, "
                                   "or the address may be mistyped.")),
    405: (_l("Not allowed"), _l("This address does not take that kind of request.")),
    413: (_l("Too large"), _l("What was sent is too large.")),
    415: (_l("Not accepted"), _l("What was sent is of a kind this site does not take.")),
    429: (_l("Too many requests"), None),
    500: (_l("Something went wrong"), _l("An unexpected error happened on our side. Please try "
                                         "again later.")),
    503: (_l("Temporarily unavailable"), _l("The site cannot answer right now. Please try again "
                                            "in a few minutes.")),
}


def render_error(error):
    """Render an HTTP error as JSON or HTML with its own status code."""
    if wants_json():
        return jsonify(error=error.name, message=error.description), error.code
    title, text = PAGE_TEXTS.get(error.code, (error.name, None))
    default = error.description == type(error).description
    message = text if text is not None and default else error.description
    return render_template("errors/error.html", error=error, title=title,
                           message=message), error.code


def handle_http_error(error):
    """Handle 4xx and 5xx raised with abort()."""
    if error.code >= 500:
        db.session.rollback()
    return render_error(error)


def handle_csrf_error(error):
    """An expired or missing CSRF token on the tip form re-renders it with the input kept."""
    if request.endpoint == "reports.tip":
        return _tip_form_again(_("Your session expired. Please check your answers and send "
                                 "again; nothing you typed was lost."), 400, new_token=True)
    return render_error(error)


def minutes_to_wait():
    """Return the whole minutes until the limit that refused this request lets one through
    again (at least 1), or None when the limiter cannot tell."""
    from mapapp.extensions import limiter

    try:
        reset_at = limiter.current_limit.reset_at
    except (AttributeError, RuntimeError):
        return None
    return max(1, math.ceil((reset_at - time.time()) / 60))


def handle_too_many(error):
    """A friendly 429 in the visitor's language that says how long to wait. A refused tip or
    correction request comes back as its form with everything typed in it (nothing saved)."""
    minutes = minutes_to_wait()
    wait = (_("Please wait about %(minutes)d minutes and try again.", minutes=minutes)
            if minutes else _("Please wait a while and try again."))
    if request.method == "POST" and request.endpoint in FORM_PAGES:
        return FORM_PAGES[request.endpoint](" ".join(part for part in (
            _("Too many requests have come from your connection, or from everyone, in a short "
              "time. Nothing was saved, and what you typed is still below."), wait,
            _shared_network_note()) if part))
    error.description = " ".join((
        _("Too many requests have come from your connection in a short time."), wait,
        _("Going back in your browser keeps what you typed."),
        _("If you are in danger, call 112.")))
    return render_error(error)


def _shared_network_note():
    """Why a form sent without the browser's check met the per-address limit, and the ways
    round it (JavaScript, or the onion address); empty for any other refusal."""
    from mapapp import proofwork
    from mapapp.extensions import limiter

    try:
        refused_by = limiter.current_limit.key
    except (AttributeError, RuntimeError):
        return ""
    if "global" in refused_by or proofwork.has_proof():
        return ""
    note = _("This form was sent without the short check this page runs in the browser with "
             "JavaScript on, so it counts against a small limit that everyone on your network "
             "shares (a school or dormitory Wi-Fi, a phone carrier, Tor). With JavaScript on, "
             "many more tips can come from one network.")
    onion = current_app.config["ONION_URL"]
    if onion:
        note += " " + _("In Tor Browser you can also use our onion address: %(address)s",
                        address=onion)
    return note


def _tip_form_again(message, status=429, new_token=False):
    """The tip form as it was posted (not validated), with a message above it."""
    from mapapp.reports.forms import TipForm
    from mapapp.reports.views import render_form

    form = TipForm()
    form.form_errors.append(message)
    if new_token:  # the form's own timing token, given afresh with the new CSRF token
        form.started.data = None
    return render_form(form, status=status)


def _correction_form_again(message):
    from mapapp.public.corrections import render_correction_form

    return render_correction_form(request.view_args["incident_id"], message, status=429)


FORM_PAGES = {"reports.tip": _tip_form_again, "public.correction": _correction_form_again}


def handle_database_down(error):
    """A database we cannot reach is a 503, not a 500."""
    db.session.rollback()
    return render_error(ServiceUnavailable())


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
