"""The public correction and takedown request form of an incident."""

from flask import abort, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mapapp.extensions import db, limiter
from mapapp.models import CorrectionRequest, Incident
from mapapp.public import bp
from mapapp.spatial import write_transaction
from moderation.decisions import receive_correction


class CorrectionForm(FlaskForm):
    """Who asks, and what should change."""

    requester_institution = StringField(_l("Your school or organisation"),
                                        validators=[Optional(), Length(max=200)])
    requester_role = StringField(_l("Your role (e.g. principal, teacher, parent)"),
                                 validators=[Optional(), Length(max=100)])
    contact = StringField(_l("How to reach you (optional)"),
                          validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("What is wrong, and what should change?"), validators=[
        DataRequired(message=_l("Please say what should change.")), Length(max=3000)])


@bp.route("/incidents/<int:incident_id>/correction", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["CORRECTION_RATE_LIMIT"], methods=["POST"])
def correction(incident_id):
    """Ask for a correction or a takedown; the entry is hidden while moderators review it."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.status not in ("published", "hidden"):
        abort(404)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return render_template("public/correction.html", form=form, incident=incident), (
            400 if form.errors else 200)
    with write_transaction(db.session):
        receive_correction(db.session, CorrectionRequest(
            incident_id=incident_id, body=form.body.data.strip(),
            requester_institution=form.requester_institution.data or None,
            requester_role=form.requester_role.data or None,
            contact=form.contact.data or None))
    return render_template("public/correction_received.html")


@bp.after_request
def no_store_for_forms(response):
    """Form pages are not cached anywhere."""
    from flask import request

    if request.endpoint == "public.correction":
        response.headers["Cache-Control"] = "no-store"
    return response
