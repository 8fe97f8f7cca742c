"""Outages mid-run: Redis and PostgreSQL stop and start again; the site degrades, never 500s.

Each test starts its own server (tests/services.py) and stops only that one.
"""

import re
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from geodata.loader import load_all
from mapapp import create_app, readmodel
from mapapp.extensions import db, limiter
from mapapp.models import Incident, Institution, Report, utcnow
from tests.conftest import TEST_CONFIG
from tests.helpers import receipt_code, send_tip, valid_tip
from tests.services import private_postgres, private_redis, wait_for

KEPT = "지워지면 안 되는 제보 내용입니다"


def publish_some(session, count=3):
    """Publish a few incidents at Seoul schools."""
    ids = session.scalars(select(Institution.id).where(Institution.sido_code == "11")
                          .order_by(Institution.id).limit(count)).all()
    for institution_id in ids:
        session.add(Incident(institution_id=institution_id, status="published",
                             verification_level="tips_only", published_at=utcnow(),
                             first_reported_month=date(2024, 8, 1),
                             last_reported_month=date(2024, 8, 1), public_summary_ko="요약"))
    session.commit()


def limit_keys(server):
    """Return the rate-limit keys in a private Redis."""
    import redis

    client = redis.Redis.from_url(server.url)
    try:
        return client.keys("LIMITS:*")
    finally:
        client.close()


@pytest.fixture
def postgis_app():
    """An app on a private PostgreSQL cluster with the gazetteer and three incidents."""
    with private_postgres() as server:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": server.url})
        with app.app_context():
            upgrade()
            load_all(db.session)
            db.session.commit()
            publish_some(db.session)
            db.session.remove()
        limiter.reset()
        yield app, server
        with app.app_context():
            db.engine.dispose()


@pytest.mark.postgis_only
def test_postgresql_stopped_then_started(backend, postgis_app, monkeypatch):
    app, server = postgis_app
    client = app.test_client()
    points = client.get("/api/v1/points?zoom=7")
    count = client.get("/api/v1/points?view=count")
    assert points.status_code == 200 and count.json == {"count": 3}

    csv = client.get("/api/v1/incidents.csv").data
    with app.app_context():
        school = db.session.scalar(select(Institution.name_ko).join(Incident).limit(1))
        db.session.remove()
    by_name = client.get("/api/v1/incidents.csv", query_string={"q": school})
    assert by_name.status_code == 200  # (no rows: tips-only entries are not named)
    server.stop()
    monkeypatch.setattr(readmodel, "VERSION_TTL", 0)  # no grace: every request asks the database
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "unreachable"
    again = client.get("/api/v1/points?zoom=7")  # the last payload, same bytes and ETag
    assert again.status_code == 200 and again.data == points.data
    assert again.headers["ETag"] == points.headers["ETag"]
    page = client.get("/")
    assert page.status_code == 200
    assert re.search(r'data-testid="count">\D*3\D', page.get_data(as_text=True))
    assert client.get("/api/v1/regions.geojson").status_code == 200
    assert client.get("/report").status_code == 200
    tip = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11",
                                          description=KEPT))
    assert tip.status_code == 503 and KEPT in tip.get_data(as_text=True)
    assert client.get("/api/v1/incidents.csv").data == csv  # the last good copy
    assert client.get("/api/v1/incidents.csv", query_string={"q": school}).data == by_name.data
    for path in ("/list", "/stats", "/api/v1/incidents.csv?sido=11", "/api/v1/incidents/1"):
        assert client.get(path).status_code == 503, path  # never built: nothing to serve

    server.start()  # no restart of the app: its pool reconnects
    wait_for(lambda: client.get("/healthz").status_code == 200, what="recovery")
    tip = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11",
                                          description=KEPT))
    assert tip.status_code == 200 and receipt_code(tip.get_data(as_text=True))
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Report))
        db.session.remove()
    assert stored == 1
    assert client.get("/list").status_code == 200


def test_redis_stopped_then_started(app, session, monkeypatch):
    with private_redis() as redis_server:
        monkeypatch.setitem(app.config, "REDIS_URL", redis_server.url)
        monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "3 per hour")
        saved = limiter._storage, limiter._limiter, limiter._storage_dead
        from limits.storage import storage_from_string
        from limits.strategies import STRATEGIES

        limiter._storage = storage_from_string(redis_server.url, socket_connect_timeout=0.5,
                                               socket_timeout=0.5)
        limiter._limiter = STRATEGIES["fixed-window"](limiter._storage)
        limiter._storage_dead = False
        client = app.test_client()
        fields = valid_tip(institution_text="학교", sido_code="11")
        try:
            assert client.get("/healthz").json["redis"] == "ok"
            assert send_tip(client, app, fields).status_code == 200
            assert limit_keys(redis_server)  # the limiter counts in Redis

            redis_server.stop()
            health = client.get("/healthz")
            assert health.status_code == 200
            assert health.json == {"status": "degraded", "database": "ok", "redis": "unreachable"}
            answers = [send_tip(client, app, fields).status_code for _ in range(4)]
            assert answers == [200, 200, 200, 429]  # served, and still limited (in memory)
            assert client.get("/").status_code == 200

            redis_server.start()  # empty again; the limiter goes back to it by itself
            assert client.get("/healthz").json["redis"] == "ok"
            wait_for(lambda: send_tip(client, app, fields).status_code in (200, 429)
                     and limit_keys(redis_server), seconds=40, what="limits back in Redis")
        finally:
            limiter._storage, limiter._limiter, limiter._storage_dead = saved
    assert session.scalar(select(func.count()).select_from(Report)) >= 4
