"""The only ways what the public sees of an incident may change: applying an approved
revision, or hiding it (the one change a single moderator or the takedown deadline may make).

A flush guard refuses any other write to an incident's public fields, so a new route cannot
forget the rule.
"""

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from mapapp import audit
from mapapp.models import CorrectionRequest, Incident, IncidentHistory, utcnow

# Incident columns whose change the public can see (status and period included).
PUBLIC_COLUMNS = ("institution_id", "status", "verification_level", "public_summary_ko",
                  "public_summary_en", "public_sources", "first_reported_month",
                  "last_reported_month", "retraction_note")
ALLOWED = "public_change_allowed"


class PublicChangeRefused(RuntimeError):
    """A write to an incident's public fields outside a revision or a hide."""


@contextmanager
def public_change(session):
    """Allow writes to public incident fields inside the block (apply and hide only)."""
    session.info[ALLOWED] = session.info.get(ALLOWED, 0) + 1
    try:
        yield
    finally:
        session.info[ALLOWED] -= 1


@event.listens_for(Session, "before_flush")
def _refuse_unapproved_changes(session, _context, _instances):
    """Refuse a flush that changes a live incident's public fields outside public_change()."""
    if session.info.get(ALLOWED):
        return
    for obj in session.dirty:
        if not isinstance(obj, Incident):
            continue
        state = inspect(obj)
        changed = [c for c in PUBLIC_COLUMNS if state.attrs[c].history.has_changes()]
        # A draft is not public: its fields may change until a revision publishes it.
        still_draft = obj.status == "draft" and not state.attrs.status.history.has_changes()
        if changed and not still_draft:
            raise PublicChangeRefused(f"incident {obj.id}: {', '.join(changed)} changed "
                                      "without an approved revision")


def public_version(incident):
    """Return what the public sees of an incident now, as plain JSON values."""
    return {
        "status": incident.status, "institution_id": incident.institution_id,
        "level": incident.verification_level,
        "summary_ko": incident.public_summary_ko or "",
        "summary_en": incident.public_summary_en or "",
        "sources": list(incident.public_sources or []),
        "first_month": incident.first_reported_month.strftime("%Y-%m")
        if incident.first_reported_month else "",
        "last_month": incident.last_reported_month.strftime("%Y-%m")
        if incident.last_reported_month else "",
        "retraction_note": incident.retraction_note or "",
    }


def _month(text):
    year, month = (int(v) for v in text.split("-"))
    return date(year, month, 1)


def apply(session, revision, moderator):
    """Make the revision's proposed version public, note it in the history and the audit log."""
    incident, proposed = revision.incident, revision.proposed
    before, now = public_version(incident), utcnow()
    with public_change(session):
        incident.institution_id = proposed["institution_id"]
        incident.verification_level = proposed["level"]
        incident.public_summary_ko = proposed["summary_ko"] or None
        incident.public_summary_en = proposed["summary_en"] or None
        incident.public_sources = list(proposed["sources"])
        incident.first_reported_month = _month(proposed["first_month"])
        incident.last_reported_month = _month(proposed["last_month"])
        incident.status = proposed["status"]
        if revision.action == "publish" and incident.published_at is None:
            incident.published_at = now
        if revision.action == "restore":
            incident.hidden_at = incident.hidden_by_id = incident.hidden_reason = None
        if revision.action == "retract":
            incident.retracted_at = now
            incident.retraction_note = proposed["retraction_note"]
        session.flush()
    revision.status, revision.decided_at = "applied", now
    revision.decided_by_id = moderator.id
    correction = session.get(CorrectionRequest, revision.correction_id) if (
        revision.correction_id) else None
    if correction is not None:  # a restore answers "no"; any other change, "yes"
        correction.status = "rejected" if revision.action == "restore" else "accepted"
        correction.decided_at, correction.decided_by_id = now, moderator.id
    _write_history(session, incident, before, public_version(incident), now,
                   correction if correction is not None and correction.status == "accepted"
                   else None)
    audit.record(session, moderator, "revision.apply", revision, incident=incident.id,
                 change=revision.action)


def _write_history(session, incident, before, after, now, correction=None):
    """Add the public history lines for one applied revision."""
    def add(change, old=None, new=None, note=None):
        session.add(IncidentHistory(incident_id=incident.id, created_at=now, change=change,
                                    from_value=old, to_value=new, note=note))

    if before["status"] == "draft":
        add("published", None, after["level"])
        return
    if before["status"] != after["status"]:
        if after["status"] == "retracted":
            add("retracted", note=after["retraction_note"])
        elif after["status"] == "published":
            add("restored")
    if before["level"] != after["level"]:
        add("level", before["level"], after["level"])
    if (before["first_month"], before["last_month"]) != (after["first_month"],
                                                         after["last_month"]):
        add("period", f"{before['first_month']}/{before['last_month']}",
            f"{after['first_month']}/{after['last_month']}")
    if (before["summary_ko"], before["summary_en"]) != (after["summary_ko"], after["summary_en"]):
        add("summary")
    if before["sources"] != after["sources"]:
        add("sources")
    if before["institution_id"] != after["institution_id"]:
        add("institution")
    if correction is not None:
        add("correction", correction.problem, note=correction.public_note)


def hide(session, moderator, incident, reason):
    """Take a published incident off the public site pending review (safe, so one is enough)."""
    now = utcnow()
    with public_change(session):
        incident.status, incident.hidden_at = "hidden", now
        incident.hidden_by_id = moderator.id if moderator else None
        incident.hidden_reason = reason.strip()[:200]
        session.flush()
    session.add(IncidentHistory(incident_id=incident.id, created_at=now, change="hidden"))
    audit.record(session, moderator, "incident.hide", incident, reason=incident.hidden_reason)
