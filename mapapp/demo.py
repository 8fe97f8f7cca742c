"""Synthetic demo incidents and tips on real gazetteer institutions; never real allegations."""

import random
import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select, text

from mapapp.models import (
    REPORT_CATEGORIES,
    TIPSTER_ROLES,
    CorrectionRequest,
    Incident,
    IncidentHistory,
    Institution,
    Report,
    Revision,
    RevisionApproval,
)

DEMO_SUMMARY_KO = "[데모] 시연용 가상 사례입니다. 실제 제보나 사건이 아닙니다."
DEMO_SUMMARY_EN = "[DEMO] A synthetic example for demonstration. Not a real tip or incident."
DEMO_TIP = "[데모] 시연용 가상 제보입니다. / [DEMO] Synthetic tip for demonstration."
# A receipt hash no code can ever match: demo tips have no holder.
DEMO_RECEIPT_HASH = "!demo"
MONTHS = [date(y, m, 1) for y in (2024, 2025) for m in range(1, 13)]
LEVEL_WEIGHTS = {"tips_only": 6, "media_reported": 3, "officially_confirmed": 1}
CHUNK = 10_000


def _pick_level(rng):
    """Draw a verification level, weakest most often."""
    levels, weights = zip(*LEVEL_WEIGHTS.items(), strict=True)
    return rng.choices(levels, weights)[0]


def incident_rows(rng, institution_ids, count, now):
    """Yield dicts for `count` published demo incidents."""
    for _ in range(count):
        first = rng.randrange(len(MONTHS))
        last = min(len(MONTHS) - 1, first + rng.choice((0, 0, 0, 1, 2, 4)))
        yield {
            "institution_id": rng.choice(institution_ids),
            "status": "published",
            "verification_level": _pick_level(rng),
            "verification_basis": "demo",
            "public_summary_ko": DEMO_SUMMARY_KO,
            "public_summary_en": DEMO_SUMMARY_EN,
            "public_sources": [],
            "first_reported_month": MONTHS[first],
            "last_reported_month": MONTHS[last],
            "report_count": rng.randint(1, 6),
            "is_demo": True,
            "published_at": now,
            "created_at": now,
            "updated_at": now,
        }


def report_rows(rng, institution_ids, count, now):
    """Yield dicts for `count` pending demo tips, received over the last 30 days."""
    for _ in range(count):
        yield {
            "institution_id": rng.choice(institution_ids),
            "occurred_month": rng.choice(MONTHS),
            "occurred_approximate": rng.random() < 0.3,
            "category": rng.choice(REPORT_CATEGORIES),
            "tipster_role": rng.choice((*TIPSTER_ROLES, None)),
            "description": DEMO_TIP,
            "personal_data_flags": [],
            "status": "pending",
            "receipt_lookup": "demo" + secrets.token_hex(6),
            "receipt_hash": DEMO_RECEIPT_HASH,
            "is_demo": True,
            "created_at": now - timedelta(minutes=rng.randrange(30 * 24 * 60)),
        }


def _insert_chunked(session, model, rows):
    """Insert rows in chunks so memory stays flat for large counts."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


def seed(session, incidents, reports, seed_value=None):
    """Add demo incidents and tips; raise LookupError if the gazetteer is empty."""
    ids = list(session.scalars(select(Institution.id).where(Institution.active.is_(True))))
    if not ids:
        raise LookupError("the gazetteer is empty: run 'flask geodata load' first")
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    _insert_chunked(session, Incident, incident_rows(rng, ids, incidents, now))
    _insert_chunked(session, Report, report_rows(rng, ids, reports, now))
    if incidents + reports >= CHUNK:
        # Fresh statistics, or the planner guesses badly after a bulk load (PostgreSQL took
        # 6.6 s instead of 62 ms for a filtered queue page before this).
        for table in ("incidents", "reports"):
            session.execute(text(f"ANALYZE {table}"))


def clear(session):
    """Delete every demo incident and tip; return how many of each."""
    demo_incidents = select(Incident.id).where(Incident.is_demo.is_(True))
    demo_revisions = select(Revision.id).where(Revision.incident_id.in_(demo_incidents))
    session.execute(delete(RevisionApproval).where(RevisionApproval.revision_id.in_(
        demo_revisions)))
    for model in (Revision, IncidentHistory, CorrectionRequest):
        session.execute(delete(model).where(model.incident_id.in_(demo_incidents)))
    tips = session.execute(delete(Report).where(Report.is_demo.is_(True))).rowcount
    incidents = session.execute(delete(Incident).where(Incident.is_demo.is_(True))).rowcount
    return incidents, tips


def present(session):
    """Tell whether any demo incident exists."""
    first = session.scalar(select(Incident.id).where(Incident.is_demo.is_(True)).limit(1))
    return first is not None
