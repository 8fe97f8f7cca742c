"""flask backup / flask restore: a fresh database gets the same incidents and audit chain."""

from flask_migrate import upgrade
from sqlalchemy import func, select

from geodata.loader import load_all
from mapapp import audit, create_app
from mapapp.demo import seed
from mapapp.extensions import db
from mapapp.models import Incident, Institution, Moderator
from tests.conftest import TEST_CONFIG, throwaway_database


def snapshot(app):
    """Return what must survive: published incidents, gazetteer size, audit chain."""
    with app.app_context():
        incidents = db.session.execute(
            select(Incident.id, Incident.institution_id, Incident.public_summary_ko,
                   Incident.verification_level).where(Incident.status == "published")
            .order_by(Incident.id)).all()
        institutions = db.session.scalar(select(func.count()).select_from(Institution))
        chain = audit.verify(db.session)
        db.session.remove()
    return incidents, institutions, chain


def test_backup_restores_into_a_fresh_database(backend, tmp_path):
    backup_file = tmp_path / "mapapp.backup"
    with throwaway_database(backend, tmp_path) as source_url:
        source = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": source_url})
        with source.app_context():
            upgrade()
            load_all(db.session)
            seed(db.session, incidents=50, reports=10, seed_value=3)
            moderator = Moderator(username="alice", password_hash="x")
            db.session.add(moderator)
            db.session.flush()
            for incident in db.session.scalars(select(Incident).limit(5)):
                audit.record(db.session, moderator, "incident.edit", incident, reason="test")
            db.session.commit()
            db.session.remove()
        before = snapshot(source)
        result = source.test_cli_runner().invoke(args=["backup", str(backup_file)])
        assert result.exit_code == 0, result.output
        assert before[2][1] in result.output  # the head hash, to record elsewhere
        with source.app_context():
            db.engine.dispose()

    with throwaway_database(backend, tmp_path) as fresh_url:
        fresh = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": fresh_url})
        result = fresh.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert result.exit_code == 0, result.output
        after = snapshot(fresh)
        assert after == before
        assert len(after[0]) == 50 and after[2][0] == 5 and after[2][2] == []
        again = fresh.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert again.exit_code != 0 and "not empty" in again.output
        with fresh.app_context():
            db.engine.dispose()
