"""The correction queue: requests grouped per incident, triage, accept or decline."""

from itertools import groupby

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from mapapp import corrections, publishing
from mapapp.extensions import db
from mapapp.models import CorrectionRequest, Moderator
from mapapp.spatial import write_transaction
from moderation import bp, takedowns
from moderation.forms import (
    AcceptCorrectionForm,
    ActionForm,
    DeclineCorrectionForm,
    StatusChangeForm,
)
from moderation.revisions import RevisionError


def _me():
    return db.session.get(Moderator, current_user.id)


@bp.get("/corrections")
def corrections_queue():
    """Open requests per incident, oldest first, with deadlines and burst flags."""
    corrections.enforce_if_due(db.session)  # the deadline holds here too; writes only if due
    open_requests = db.session.scalars(select(CorrectionRequest).where(
        CorrectionRequest.status.in_(("pending", "triaged")))
        .order_by(CorrectionRequest.incident_id, CorrectionRequest.created_at)).all()
    groups = [(items[0].incident, items) for _, group in groupby(
        open_requests, key=lambda r: r.incident_id) for items in [list(group)]]
    groups.sort(key=lambda g: g[1][0].created_at)
    burst_total, burst_incidents = corrections.bursting(db.session)
    return render_template(
        "moderation/corrections.html", groups=groups, burst_total=burst_total,
        burst_incidents=burst_incidents, deadline=corrections.triage_deadline,
        hide_until=corrections.hide_until, triage_form=StatusChangeForm(),
        accept_form=AcceptCorrectionForm(), decline_form=DeclineCorrectionForm(),
        version=publishing.public_version, action_form=ActionForm())


@bp.post("/corrections/incidents/<int:incident_id>/triage")
def triage(incident_id):
    """Start the temporary measure: the entry is hidden while its requests are reviewed."""
    form = StatusChangeForm()
    if not form.validate_on_submit():
        abort(400)
    with write_transaction(db.session):
        if not corrections.triage(db.session, _me(), incident_id, form.note.data):
            flash(_no_open_request(), "error")
    return redirect(url_for("moderation.corrections_queue"))


def _no_open_request():
    from flask_babel import gettext as _

    return _("There is no untriaged request for this incident.")


@bp.post("/corrections/<int:request_id>/accept")
def accept_correction(request_id):
    """Accept: propose the retraction or the corrected fields (needs the full approvals)."""
    form = AcceptCorrectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(url_for("moderation.corrections_queue"))
    try:
        with write_transaction(db.session):
            item = db.session.get(CorrectionRequest, request_id) or abort(404)
            takedowns.accept(db.session, _me(), item, form.outcome.data, form.public_note.data,
                             form.basis.data, form.values() if form.outcome.data == "edit"
                             else None)
    except RevisionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.corrections_queue"))


@bp.post("/corrections/<int:request_id>/decline")
def decline_correction(request_id):
    """Decline: at once, or by proposing to show the hidden entry again."""
    form = DeclineCorrectionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with write_transaction(db.session):
            item = db.session.get(CorrectionRequest, request_id) or abort(404)
            takedowns.decline(db.session, _me(), item, form.note.data, form.reply.data)
    except RevisionError as exc:
        flash(str(exc), "error")
    return redirect(url_for("moderation.corrections_queue"))
