"""The public correction and takedown request form, and its status page.

A request gets a reference code (the tip receipts' machinery: shown once, kept as a hash).
It hides nothing by itself: see mapapp/corrections.py.
"""

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from mapapp import corrections, proofwork
from mapapp.extensions import db, limiter
from mapapp.labels import choices
from mapapp.models import CorrectionRequest, Incident
from mapapp.policy import is_named
from mapapp.public import bp
from mapapp.reports import receipts
from mapapp.reports.forms import StatusForm
from mapapp.spatial import write_transaction


class CorrectionForm(FlaskForm):
    """Who asks, what is wrong and why."""

    requester_kind = SelectField(
        _l("Who is asking?"), choices=[SelectChoice("", "—"), *choices("requester_kind")],
        validators=[DataRequired(message=_l("Please say who is asking."))])
    problem = SelectField(
        _l("What is wrong?"), choices=[SelectChoice("", "—"), *choices("problem")],
        validators=[DataRequired(message=_l("Please say what is wrong."))])
    body = TextAreaField(_l("Why? What should change?"), validators=[
        DataRequired(message=_l("Please say what should change.")), Length(max=3000)])
    requester_institution = StringField(_l("Your school or organisation (optional)"),
                                        validators=[Optional(), Length(max=200)])
    contact = StringField(_l("How to reach you (optional)"),
                          validators=[Optional(), Length(max=200)])

    def validate_body(self, field):
        """A request needs a real explanation, not a one-word complaint."""
        least = current_app.config["CORRECTION_MIN_LENGTH"]
        if len((field.data or "").strip()) < least:
            raise ValidationError(_l("Please explain in at least %(count)d characters.",
                                     count=least))


def _requestable(incident_id):
    """Return the incident if the public can ask to correct it (it has a public page)."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.status not in ("published", "hidden") or (
            incident.status == "published" and not is_named(incident.verification_level)):
        abort(404)
    return incident


@bp.route("/incidents/<int:incident_id>/correction", methods=["GET", "POST"])
@limiter.shared_limit(lambda: current_app.config["CORRECTION_RATE_LIMIT"], scope="corrections",
                      methods=["POST"], exempt_when=proofwork.has_proof)
@limiter.shared_limit(lambda: current_app.config["CORRECTION_PROOF_RATE_LIMIT"],
                      scope="corrections-proof", methods=["POST"],
                      exempt_when=lambda: not proofwork.has_proof())
def correction(incident_id):
    """Ask for a correction or a takedown; moderators triage it (the entry stays as it is
    until they do, or until the triage deadline passes)."""
    incident = _requestable(incident_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return render_template("public/correction.html", form=form, incident=incident,
                               hours=current_app.config["CORRECTION_TRIAGE_HOURS"]), (
            400 if form.errors else 200)
    try:
        code = _save(form, incident_id)
    except IntegrityError:  # its proof of work raced another request that used it
        db.session.rollback()
        return render_correction_form(incident_id, _(
            "This form was sent once already. To send it as a new request, press the button "
            "again."), status=409)
    return render_template("public/correction_received.html", code=receipts.grouped(code),
                           hours=current_app.config["CORRECTION_TRIAGE_HOURS"])


def _save(form, incident_id):
    """Store the request (and spend its proof of work); return its reference code."""
    code, lookup, hashed = receipts.new_receipt()
    with write_transaction(db.session):
        proofwork.spend(db.session)
        db.session.flush()  # a proof used meanwhile fails here
        while receipts.lookup_taken(db.session, lookup, CorrectionRequest):
            code, lookup, hashed = receipts.new_receipt()
        corrections.receive(db.session, CorrectionRequest(
            incident_id=incident_id, requester_kind=form.requester_kind.data,
            problem=form.problem.data, body=form.body.data.strip(),
            requester_institution=(form.requester_institution.data or "").strip() or None,
            contact=(form.contact.data or "").strip() or None,
            receipt_lookup=lookup, receipt_hash=hashed))
    return code


def render_correction_form(incident_id, message, status):
    """Render the correction form again with what was posted and a message above it."""
    form = CorrectionForm()  # not validated: keeps what was posted
    form.form_errors.append(message)
    return render_template("public/correction.html", form=form,
                           incident=_requestable(incident_id),
                           hours=current_app.config["CORRECTION_TRIAGE_HOURS"]), status


@bp.route("/corrections/status", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STATUS_RATE_LIMIT"], methods=["POST"])
def correction_status():
    """Let the holder of a reference code follow the request."""
    form = StatusForm()
    if request.method == "GET" or not form.validate():
        return render_template("public/correction_status.html", form=form), 200 if (
            request.method == "GET") else 400
    code = receipts.normalise(form.code.data)
    item = receipts.find(db.session, code, CorrectionRequest) if code else None
    if item is None:
        form.code.errors.append(_("No request matches this code. Check the 16 digits and try "
                                  "again."))
        return render_template("public/correction_status.html", form=form), 404
    return render_template("public/correction_status.html", form=form, item=item,
                           state=corrections.public_state(item))


@bp.after_request
def no_store_for_forms(response):
    """Form and status pages are not cached anywhere."""
    if request.endpoint in ("public.correction", "public.correction_status"):
        response.headers["Cache-Control"] = "no-store"
    return response
