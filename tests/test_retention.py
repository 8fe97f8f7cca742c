"""Purge: no tip text survives N days after the decision; counts and audit stay."""

from datetime import timedelta

from sqlalchemy import func, select

from mapapp import audit
from mapapp.models import Report, utcnow
from tests.test_moderation_review import add_tip, school


def test_purge_removes_old_decided_text_only(runner, session):
    inst = school(session)
    old = add_tip(session, inst, source_url="https://example.org/a")
    recent = add_tip(session, inst)
    pending = add_tip(session, inst)
    for tip_id, days_ago in ((old, 100), (recent, 10)):
        tip = session.get(Report, tip_id)
        tip.status, tip.decided_at = "rejected", utcnow() - timedelta(days=days_ago)
    session.commit()
    out = runner.invoke(args=["purge", "--days", "90"])
    assert out.exit_code == 0 and "purged the text of 1 tips" in out.output
    left = session.scalars(select(Report.description).where(
        Report.decided_at < utcnow() - timedelta(days=90))).all()
    assert left == [None]
    assert session.get(Report, old).source_url is None
    assert session.get(Report, recent).description and session.get(Report, pending).description
    assert session.scalar(select(func.count()).select_from(Report)) == 3
    assert audit.verify(session)[2] == []


def test_purge_uses_the_configured_retention(runner, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RETENTION_DAYS", 5)
    tip = session.get(Report, add_tip(session, school(session)))
    tip.status, tip.decided_at = "spam", utcnow() - timedelta(days=6)
    session.commit()
    assert "purged the text of 1 tips" in runner.invoke(args=["purge"]).output
