"""Correction and takedown requests: received with a reference code, never acted on alone.

The temporary measure (hidden pending review, at most TAKEDOWN_HIDE_DAYS) starts when a
moderator triages a request, or when CORRECTION_TRIAGE_HOURS pass without anyone deciding it:
one anonymous request by itself changes nothing the public sees.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from mapapp import audit, publishing
from mapapp.models import CorrectionRequest, Incident, utcnow


def receive(session, request_):
    """Store a new request (its reference hash is already set); nothing public changes."""
    session.add(request_)
    session.flush()
    audit.record(session, None, "correction.receive", request_,
                 incident=request_.incident_id, problem=request_.problem)


def triage(session, moderator, incident_id, note=None):
    """Start the temporary measure for an incident's pending requests: hide it while they are
    reviewed. `moderator` None means the triage deadline passed."""
    now = utcnow()
    pending = session.scalars(select(CorrectionRequest).where(
        CorrectionRequest.incident_id == incident_id,
        CorrectionRequest.status == "pending")).all()
    if not pending:
        return []
    for item in pending:
        item.status, item.triaged_at = "triaged", now
        item.triaged_by_id = moderator.id if moderator else None
    incident = session.get(Incident, incident_id)
    if incident is not None and incident.status == "published":
        reason = "correction request: triage deadline passed" if moderator is None else (
            (note or "").strip() or "correction request under review")
        publishing.hide(session, moderator, incident, reason)
    audit.record(session, moderator, "correction.triage", incident, requests=[
        i.id for i in pending])
    return pending


def due_before(now=None):
    """Return the time before which a pending request is past its triage deadline."""
    hours = current_app.config["CORRECTION_TRIAGE_HOURS"]
    return (now or utcnow()) - timedelta(hours=hours)


def triage_deadline(item):
    """Return when an untriaged request hides its entry by itself."""
    return item.created_at + timedelta(hours=current_app.config["CORRECTION_TRIAGE_HOURS"])


def overdue_incidents(session, now=None):
    """Return ids of incidents with a pending request past the triage deadline."""
    return list(session.scalars(select(CorrectionRequest.incident_id).distinct().where(
        CorrectionRequest.status == "pending", CorrectionRequest.created_at <= due_before(now))))


def enforce_deadlines(session, now=None):
    """Triage every incident whose request waited past the deadline; return their ids."""
    due = overdue_incidents(session, now)
    for incident_id in due:
        triage(session, None, incident_id)
    return due


def enforce_if_due(session):
    """Hide the entries whose requests passed the triage deadline, if there are any.

    Called whenever the public data version is read afresh (every few seconds per process),
    so the deadline holds without a scheduler; `flask corrections enforce` does the same from
    cron. A failure is logged, never shown to the visitor.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from mapapp.spatial import write_transaction

    try:
        if not overdue_incidents(session):
            return []
        with write_transaction(session):
            return enforce_deadlines(session)
    except SQLAlchemyError:
        session.rollback()
        current_app.logger.warning("triage deadlines not enforced: database error")
        return []


def bursting(session, now=None):
    """Return (all requests in the burst window, {incident id: its requests in the window})
    when either passes its threshold, for the moderators' flag."""
    config = current_app.config
    since = (now or utcnow()) - timedelta(hours=config["CORRECTION_BURST_HOURS"])
    rows = dict(session.execute(select(CorrectionRequest.incident_id, func.count())
                                .where(CorrectionRequest.created_at >= since)
                                .group_by(CorrectionRequest.incident_id)).all())
    total = sum(rows.values())
    per_incident = {i: n for i, n in rows.items() if n >= config["CORRECTION_BURST_PER_INCIDENT"]}
    return (total if total >= config["CORRECTION_BURST_TOTAL"] else 0), per_incident


def hide_until(item):
    """Return when the temporary measure of a triaged request ends."""
    if item.triaged_at is None:
        return None
    return item.triaged_at + timedelta(days=current_app.config["TAKEDOWN_HIDE_DAYS"])


def public_state(item):
    """Map a request to what its requester sees: received, under review, corrected, declined."""
    return {"pending": "received", "triaged": "under_review", "accepted": "corrected",
            "rejected": "declined"}[item.status]
