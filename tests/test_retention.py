"""Purge: no tip text survives N days after the decision; counts and audit stay."""

import os
import re
import runpy
import subprocess
import sys
import types
from datetime import date, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from geodata.loader import load_all
from mapapp import audit, create_app
from mapapp.extensions import db
from mapapp.models import Report, utcnow
from tests.conftest import TEST_CONFIG, throwaway_database
from tests.live import read_rows
from tests.test_moderation_review import add_tip, school

ROOT = Path(__file__).resolve().parent.parent


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


def test_the_timer_units_command_purges_a_real_database(backend, tmp_path):
    """Run deploy/mapapp-purge.service's ExecStart as systemd would (paths of this checkout),
    against a database of its own; the units themselves pass `systemd-analyze verify`."""
    with throwaway_database(backend, tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            load_all(db.session)  # the regions a tip refers to
            for days_ago in (100, 95, 10):
                db.session.add(Report(
                    institution_text="한빛고등학교", sido_code="11", category="other",
                    occurred_month=date(2024, 8, 1), description="지워져야 할 글",
                    receipt_lookup=f"{days_ago:08d}", receipt_hash="!", status="rejected",
                    decided_at=utcnow() - timedelta(days=days_ago)))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        unit = (ROOT / "deploy" / "mapapp-purge.service").read_text()
        command = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1).split()
        assert command[0] == "/srv/mapapp/.venv/bin/flask", "the sample changed: update this"
        command[0] = str(Path(sys.executable).parent / "flask")
        environment = dict(re.findall(r"(\w+)=(\S+)", re.search(
            r"^Environment=(.+)$", unit, re.M).group(1)))
        environment.update(DATABASE_URL=url, MAPAPP_SECRET_KEY="k" * 64,
                           MAPAPP_PUBLIC_URL="https://map.example.org")
        ran = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env={**os.environ, **environment})
        assert ran.returncode == 0, ran.stderr
        figures = re.search(r"purged the text of (\d+) tips decided more than 90 days ago in "
                            r"([\d.]+) s", ran.stdout)
        assert figures and figures.group(1) == "2", ran.stdout
        print(ran.stdout.strip())  # the purge figures, in the test log
        left = read_rows(url, select(Report.description).order_by(Report.receipt_lookup))
        assert [row[0] for row in left] == ["지워져야 할 글", None, None]
    timer = (ROOT / "deploy" / "mapapp-purge.timer").read_text()
    for line in ("OnCalendar=daily", "Persistent=true", "Unit=mapapp-purge.service"):
        assert re.search(rf"^{line}$", timer, re.M), line
    checked = subprocess.run(["systemd-analyze", "verify", str(ROOT / "deploy" /
                                                              "mapapp-purge.timer")],
                             capture_output=True, text=True, timeout=60)
    problems = [line for line in checked.stderr.splitlines()
                if "/srv/mapapp/.venv/bin/flask" not in line]  # not installed here
    assert problems == [], checked.stderr


def test_a_purge_that_stopped_is_reported_at_start(app, session, monkeypatch):
    """gunicorn's when_ready says so in the log, in production, until the purge runs again."""
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logged = []
    server = types.SimpleNamespace(log=types.SimpleNamespace(warning=logged.append))
    monkeypatch.setitem(sys.modules, "wsgi", types.SimpleNamespace(app=app))
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    config["when_ready"](server)
    assert len(logged) == 1 and "`flask purge` has never run" in logged[0]
    with app.app_context():
        audit.record(session, None, "tips.purge", reason="test", count=0)
        session.commit()
    logged.clear()
    config["when_ready"](server)
    assert logged == []  # purged just now
    monkeypatch.setitem(app.config, "PURGE_OVERDUE_HOURS", 0)
    config["when_ready"](server)
    assert len(logged) == 1 and "`flask purge` last ran" in logged[0]
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    logged.clear()
    config["when_ready"](server)
    assert logged == []


def test_admins_see_when_the_last_purge_ran(app, session):
    from tests.test_moderation_review import signed_in

    admin = signed_in(app, session, "admin1", role="admin")
    html = admin.get("/mod/?lang=en").get_data(as_text=True)
    assert "The text of decided tips has never been purged" in html
    with app.app_context():
        audit.record(session, None, "tips.purge", reason="test", count=0)
        session.commit()
    html = admin.get("/mod/?lang=en").get_data(as_text=True)
    assert "Tip texts last purged" in html and "never been purged" not in html
    moderator = signed_in(app, session, "mod1")
    assert "purged" not in moderator.get("/mod/?lang=en").get_data(as_text=True)
