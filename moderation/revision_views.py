"""The informed approval: a proposed change side by side with the public version."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from mapapp.extensions import db
from mapapp.models import CorrectionRequest, Moderator, Report, Revision
from mapapp.spatial import write_transaction
from moderation import bp, revisions
from moderation.forms import ActionForm, ReturnForm
from moderation.queue import find_bursts

FIELDS = ("status", "level", "first_month", "last_month", "summary_ko", "summary_en", "sources",
          "institution_id", "retraction_note")


def _me():
    return db.session.get(Moderator, current_user.id)


@bp.get("/revisions")
def revision_list():
    """Proposed changes: those waiting for me first, then every pending one."""
    pending = db.session.scalars(select(Revision).where(Revision.status == "pending")
                                 .order_by(Revision.created_at)).all()
    return render_template("moderation/revisions.html", pending=pending,
                           mine={r.id for r in revisions.waiting_for(db.session,
                                                                     current_user.id)},
                           action_form=ActionForm())


@bp.get("/revisions/<int:revision_id>")
def revision(revision_id):
    """One proposal: the public version now and the proposed one, the proposer and basis,
    the tips behind it, the region's burst flags and the sources as (unfetched) links."""
    item = db.session.get(Revision, revision_id) or abort(404)
    incident = item.incident
    tip_ids = item.tip_ids or []
    tips = db.session.scalars(select(Report).where(
        (Report.id.in_(tip_ids or [0])) | (Report.incident_id == incident.id))
        .order_by(Report.created_at)).all()
    rows = [(name, item.base.get(name), item.proposed.get(name)) for name in FIELDS]
    return render_template(
        "moderation/revision.html", item=item, incident=incident, rows=rows, tips=tips,
        new_tips=set(tip_ids), flags=find_bursts(db.session).flags_for(incident.institution),
        correction=db.session.get(CorrectionRequest, item.correction_id)
        if item.correction_id else None,
        approvers=[a.moderator.username for a in item.approvals],
        can_approve=item.status == "pending" and all(
            a.moderator_id != current_user.id for a in item.approvals),
        return_form=ReturnForm(), action_form=ActionForm())


@bp.post("/revisions/<int:revision_id>/approve")
def approve_revision(revision_id):
    """Approve a proposal as a further moderator; it applies at the required number."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with write_transaction(db.session):
            item = db.session.get(Revision, revision_id) or abort(404)
            revisions.approve(db.session, _me(), item)
    except revisions.RevisionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.revision", revision_id=revision_id))


@bp.post("/revisions/<int:revision_id>/return")
def return_revision(revision_id):
    """Send a proposal back with a reason (audited)."""
    form = ReturnForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with write_transaction(db.session):
            item = db.session.get(Revision, revision_id) or abort(404)
            revisions.send_back(db.session, _me(), item, form.reason.data)
    except revisions.RevisionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.revision", revision_id=revision_id))
