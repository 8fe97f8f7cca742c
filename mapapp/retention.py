"""Data minimisation: tip text and source links are removed some days after the decision."""

from datetime import timedelta

from sqlalchemy import update

from mapapp import audit
from mapapp.models import Report, utcnow


def purge_decided_tips(session, days):
    """Blank the description and source URL of tips decided more than `days` ago.

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
    audit.record(session, None, "tips.purge", reason=f"decided more than {days} days ago",
                 count=purged)
    return purged
