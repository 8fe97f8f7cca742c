"""Published incidents and correction requests, as moderators manage them."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from mapapp.extensions import db
from mapapp.models import INCIDENT_STATUSES, CorrectionRequest, Incident, Moderator
from mapapp.spatial import write_transaction
from moderation import bp, decisions
from moderation.forms import ActionForm, IncidentEditForm, StatusChangeForm, source_lines

STATUS_ACTIONS = {"hide": decisions.hide, "restore": decisions.restore,
                  "retract": decisions.retract}


def _me():
    return db.session.get(Moderator, current_user.id)


@bp.get("/incidents")
def incidents():
    """List incidents by status, newest first."""
    status = request.args.get("status", "published")
    if status not in INCIDENT_STATUSES:
        abort(404)
    page = db.paginate(select(Incident).where(Incident.status == status)
                       .order_by(Incident.updated_at.desc()), per_page=50, error_out=False)
    return render_template("moderation/incidents.html", page=page, status=status,
                           statuses=INCIDENT_STATUSES, action_form=ActionForm())


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
def incident(incident_id):
    """Edit an incident's public text and level."""
    item = db.session.get(Incident, incident_id) or abort(404)
    form = IncidentEditForm(obj=None if request.method == "POST" else _edit_values(item))
    error = None
    if form.validate_on_submit():
        try:
            with write_transaction(db.session):
                decisions.edit(db.session, _me(), db.session.get(Incident, incident_id),
                               form.level.data, form.summary_ko.data, form.summary_en.data,
                               source_lines(form.sources.data), form.reason.data)
            return redirect(url_for("moderation.incident", incident_id=incident_id))
        except decisions.DecisionError as exc:
            error = str(exc)
    status = 409 if error else (400 if form.errors else 200)
    return render_template("moderation/incident.html", item=item, form=form, error=error,
                           status_form=StatusChangeForm(), action_form=ActionForm()), status


def _edit_values(item):
    """Return an object with the edit form's fields, filled from the incident."""
    class Values:
        level = item.verification_level
        summary_ko, summary_en = item.public_summary_ko, item.public_summary_en
        sources = "\n".join(item.public_sources or [])
        reason = ""
    return Values


@bp.post("/incidents/<int:incident_id>/status")
def change_status(incident_id):
    """Hide pending review, restore, or retract with a public note."""
    form = StatusChangeForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in STATUS_ACTIONS:
        abort(400)
    try:
        with write_transaction(db.session):
            item = db.session.get(Incident, incident_id) or abort(404)
            STATUS_ACTIONS[action](db.session, _me(), item, form.note.data)
    except decisions.DecisionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.incident", incident_id=incident_id))


@bp.get("/corrections")
def corrections():
    """Pending correction and takedown requests, oldest first."""
    pending = db.session.scalars(select(CorrectionRequest)
                                 .where(CorrectionRequest.status == "pending")
                                 .order_by(CorrectionRequest.created_at)).all()
    return render_template("moderation/corrections.html", pending=pending,
                           form=StatusChangeForm(), action_form=ActionForm())


@bp.post("/corrections/<int:request_id>")
def decide_correction(request_id):
    """Accept or reject a correction request, with a note."""
    form = StatusChangeForm()
    verdict = request.form.get("verdict")
    if not form.validate_on_submit() or verdict not in ("accept", "reject"):
        abort(400)
    try:
        with write_transaction(db.session):
            item = db.session.get(CorrectionRequest, request_id) or abort(404)
            decisions.decide_correction(db.session, _me(), item, verdict == "accept",
                                        form.note.data)
    except decisions.DecisionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.corrections"))
