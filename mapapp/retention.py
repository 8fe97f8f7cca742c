"""Data minimisation: tip text and source links are removed some days after the decision,
by `flask purge` (daily, deploy/mapapp-purge.timer). The app warns when that stops."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from mapapp import audit
from mapapp.models import AuditEvent, CaseNote, Report, utcnow

PURGE_ACTION = "tips.purge"


def purge_decided_tips(session, days):
    """Blank the description and source URL of tips decided more than `days` ago, and the
    text of case notes as old whose case has no pending tip.

    Counts, statuses, months and the audit log stay. Returns how many tips were purged.
    """
    now = utcnow()
    cutoff = now - timedelta(days=days)
    purged = session.execute(
        update(Report)
        .where(Report.status != "pending", Report.decided_at < cutoff, Report.purged_at.is_(None))
        .values(description=None, source_url=None, purged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Case notes go with the tips: once old enough and their case has nothing pending.
    still_open = select(Report.id).where(Report.institution_id == CaseNote.institution_id,
                                         Report.status == "pending").exists()
    notes = session.execute(
        update(CaseNote)
        .where(CaseNote.created_at < cutoff, CaseNote.purged_at.is_(None), ~still_open)
        .values(body=None, purged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(session, None, PURGE_ACTION, reason=f"decided more than {days} days ago",
                 count=purged, notes=notes)
    return purged


def last_purge(session):
    """When `flask purge` last ran (from the audit log), or None if it never did."""
    return session.scalar(select(func.max(AuditEvent.created_at))
                          .where(AuditEvent.action == PURGE_ACTION))


def purge_overdue(session, now=None):
    """Tell whether the last purge is older than PURGE_OVERDUE_HOURS, or never happened."""
    last = last_purge(session)
    limit = timedelta(hours=current_app.config["PURGE_OVERDUE_HOURS"])
    return last is None or last < (now or utcnow()) - limit


def startup_warning(session):
    """A loud line for the log at start when the purge has stopped running, else None."""
    try:
        if not purge_overdue(session):
            return None
        last = last_purge(session)
    except SQLAlchemyError:
        session.rollback()
        return "RETENTION: could not read when tips were last purged (database unavailable)"
    when = f"last ran {last:%Y-%m-%d %H:%M} UTC" if last else "has never run"
    return (f"RETENTION WARNING: `flask purge` {when}; decided tips are kept longer than the "
            f"{current_app.config['TIP_RETENTION_DAYS']} days the tip form promises. Enable "
            "deploy/mapapp-purge.timer (docs/deploy.md).")
