"""Incidents as moderators manage them: the list, proposing changes, hiding."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from geodata.regions import region_names
from mapapp import publishing
from mapapp.extensions import db
from mapapp.models import (
    INCIDENT_STATUSES,
    VERIFICATION_LEVELS,
    Incident,
    IncidentHistory,
    Institution,
    Moderator,
    Revision,
)
from mapapp.spatial import write_transaction
from moderation import bp, decisions, revisions
from moderation.forms import ActionForm, IncidentEditForm, StatusChangeForm

PER_PAGE = 50
MAX_PAGE = 100_000


def _me():
    return db.session.get(Moderator, current_user.id)


@bp.get("/incidents")
def incidents():
    """Every incident, newest change first, searchable by name, region, status and level."""
    args = {k: (request.args.get(k) or "").strip() for k in ("q", "sido", "status", "level")}
    args["sido"] = args["sido"] if args["sido"] in region_names()[0] else ""
    args["status"] = args["status"] if args["status"] in INCIDENT_STATUSES else ""
    args["level"] = args["level"] if args["level"] in VERIFICATION_LEVELS else ""
    args["q"] = args["q"][:60]
    stmt = select(Incident).join(Institution, Institution.id == Incident.institution_id)
    if args["q"]:
        stmt = stmt.where(Institution.name_ko.icontains(args["q"], autoescape=True))
    if args["sido"]:
        stmt = stmt.where(Institution.sido_code == args["sido"])
    if args["status"]:
        stmt = stmt.where(Incident.status == args["status"])
    if args["level"]:
        stmt = stmt.where(Incident.verification_level == args["level"])
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = db.paginate(stmt.order_by(Incident.updated_at.desc(), Incident.id.desc()),
                       page=number, per_page=PER_PAGE, error_out=False)
    return render_template("moderation/incidents.html", page=page, args=args,
                           filters={k: v for k, v in args.items() if v},
                           statuses=INCIDENT_STATUSES, levels=VERIFICATION_LEVELS,
                           sidos=region_names()[0], action_form=ActionForm())


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
def incident(incident_id):
    """An incident: its public version, a proposal form that starts from it, its history."""
    item = db.session.get(Incident, incident_id) or abort(404)
    version = publishing.public_version(item)
    form = IncidentEditForm(data=None if request.method == "POST" else {
        **version, "sources": "\n".join(version["sources"])})
    error = None
    if form.validate_on_submit():
        try:
            with write_transaction(db.session):
                decisions.propose_edit(db.session, _me(), db.session.get(Incident, incident_id),
                                       form.values(), form.basis.data)
            return redirect(url_for("moderation.incident", incident_id=incident_id))
        except decisions.DecisionError as exc:
            error = str(exc)
    status = 409 if error else (400 if form.errors else 200)
    history = db.session.scalars(select(IncidentHistory).where(
        IncidentHistory.incident_id == incident_id).order_by(IncidentHistory.id)).all()
    proposals = db.session.scalars(select(Revision).where(Revision.incident_id == incident_id)
                                   .order_by(Revision.id.desc()).limit(20)).all()
    return render_template("moderation/incident.html", item=item, form=form, error=error,
                           version=version, history=history, proposals=proposals,
                           waiting=revisions.pending_revision(db.session, incident_id),
                           status_form=StatusChangeForm(), action_form=ActionForm()), status


STATUS_ACTIONS = {
    "hide": decisions.hide,  # at once: the safe direction
    "restore": decisions.propose_restore,  # proposals: they need the full approvals
    "retract": decisions.propose_retract,
}


@bp.post("/incidents/<int:incident_id>/status")
def change_status(incident_id):
    """Hide pending review at once; propose to show again or to retract."""
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
