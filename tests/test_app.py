"""Home page, health endpoint, error handlers and headers."""

import re

import pytest
from flask import abort
from sqlalchemy import select

from mapapp import create_app
from mapapp.extensions import db
from mapapp.models import Moderator
from tests.conftest import TEST_CONFIG
from tests.helpers import HELP_SITES, links_elsewhere


def test_home_page_is_the_map_with_its_count_and_support_lines(client, incidents):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert 'class="folium-map"' in html and 'id="map-wrap"' in html
    assert re.search(r'data-testid="count">\D*3\D', html)  # the three published incidents
    for line in ("02-735-8994", "1366", "02-815-0382", "112", "1377", "117"):
        assert line in html


def test_korean_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert "지금 도움이 필요하신가요?" in html
    assert "딥페이크 성범죄 피해 지도" in html


def test_english_on_request(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Need help now?" in html


def test_healthz_ok(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok"}


def unreachable_database(backend, tmp_path):
    """Return a URI whose database cannot be opened on this backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    return "postgresql+psycopg://nobody@127.0.0.1:9/nowhere?connect_timeout=2"


def test_healthz_reports_degraded_when_the_database_is_down(backend, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                      unreachable_database(backend, tmp_path)})
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["status"] == "degraded"


def test_pages_answer_503_not_500_when_the_database_is_down(backend, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                      unreachable_database(backend, tmp_path)})
    answer = app.test_client().get("/list")
    assert answer.status_code == 503
    assert "일시적으로 이용할 수 없습니다" in answer.get_data(as_text=True)  # the page's language
    english = app.test_client().get("/list?lang=en")
    assert english.status_code == 503 and "Temporarily unavailable" in english.get_data(
        as_text=True)


def test_map_page_and_region_outlines_still_serve_when_the_database_is_down(backend, tmp_path):
    """The map's scaffolding, filters and outlines come from files, not the database."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                      unreachable_database(backend, tmp_path)})
    client = app.test_client()
    page = client.get("/?sido=11")
    assert page.status_code == 200 and 'class="folium-map"' in page.get_data(as_text=True)
    assert client.get("/api/v1/regions.geojson").status_code == 200


def test_404_as_html_and_as_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Need help now?" in page.get_data(as_text=True) or "02-735-8994" in page.get_data(
        as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["error"] == "Not Found"
    wants_json = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert wants_json.mimetype == "application/json"


@pytest.fixture
def failing_app(database_url):
    """An app with routes that fail after adding a row, to test rollback on errors."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})

    @app.get("/boom")
    def boom():
        db.session.add(Moderator(username="should-not-persist", password_hash="x"))
        db.session.flush()
        raise RuntimeError("unexpected")

    @app.get("/gone")
    def gone():
        abort(503)

    yield app
    with app.app_context():
        db.engine.dispose()


def test_unexpected_error_is_a_500_page_and_the_session_is_rolled_back(failing_app):
    client = failing_app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "unexpected" not in page.get_data(as_text=True)  # no internals shown
    assert client.get("/boom", headers={"Accept": "application/json"}).json["error"] == (
        "Internal Server Error")
    with failing_app.app_context():
        found = db.session.scalar(select(Moderator).where(Moderator.username ==
                                                          "should-not-persist"))
        assert found is None


def test_security_headers_on_every_response(client):
    for path in ("/", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert re.search(r"script-src 'self' 'nonce-[\w-]{20,}'", csp)
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_csp_nonce_is_new_for_every_request(client):
    nonce = re.compile(r"'nonce-([\w-]+)'")
    first = nonce.search(client.get("/").headers["Content-Security-Policy"]).group(1)
    second = nonce.search(client.get("/").headers["Content-Security-Policy"]).group(1)
    assert first != second


def test_csp_allows_the_configured_tile_host_for_images_only(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
    other = [part for part in csp.split(";") if "tile.openstreetmap.org" in part]
    assert len(other) == 1


def test_home_page_loads_nothing_from_other_origins(client):
    html = client.get("/").get_data(as_text=True)
    assert sorted(links_elsewhere(html)) == sorted(HELP_SITES)  # the footer's, opened by hand


def test_development_server_request_lines_are_dropped(app):
    import logging

    from mapapp.security import DropRequestLines

    werkzeug = logging.getLogger("werkzeug")
    assert any(isinstance(f, DropRequestLines) for f in werkzeug.filters)
    line = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                             '203.0.113.7 - - [22/Nov/2026 02:01:13] "%s" %s %s',
                             ("GET / HTTP/1.1", "200", "-"), None)
    startup = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                                " * Running on http://127.0.0.1:5000", (), None)
    assert not werkzeug.filter(line)
    assert werkzeug.filter(startup)


def test_session_fixture_really_rolls_back(session, app):
    """Guard for the fixture itself: a commit inside a test must not reach the database."""
    session.add(Moderator(username="rolled-back-guard", password_hash="x"))
    session.commit()
    with app.app_context(), db.engine.connect() as other:
        found = other.execute(select(Moderator.id).where(
            Moderator.username == "rolled-back-guard")).first()
    assert found is None


@pytest.mark.parametrize("path", ["/api/v1/incidents/615083673877619429867520",
                                  "/incidents/2147483648", "/incidents/99999999999999999999"])
def test_ids_beyond_the_database_range_are_404(client, path):
    """Found by fuzzing: the driver raised OverflowError (a 500) for such ids."""
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/list?q=a%00b", "/api/v1/points?q=a%00b",
                                  "/api/v1/incidents.csv?sigungu=47830&q=%25%C3%B6%00",
                                  "/feed.atom?q=%01%00", "/api/v1/institutions?q=%00서울",
                                  "/stats?q=%00"])
def test_control_characters_in_queries_are_dropped(client, path):
    """Found by fuzzing: PostgreSQL refuses NUL in text, which was a 500 on PostGIS only."""
    answer = client.get(path)
    assert answer.status_code == 200
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", answer.get_data(as_text=True))


def test_a_query_comes_back_without_its_control_characters(client):
    html = client.get("/list?q=a%00b%07c").get_data(as_text=True)
    assert 'value="abc"' in html
    feed = client.get("/feed.atom?q=%01%00").data
    assert b"\x00" not in feed and b"\x01" not in feed


def test_control_characters_in_a_tip_are_dropped_and_the_rest_kept(client, app, session):
    from mapapp.models import Report
    from tests.helpers import receipt_code, send_tip, valid_tip

    answer = send_tip(client, app, valid_tip(
        institution_text="가나\x00학교", sido_code="11",
        description="Photos\x00 of students were\x07 edited and shared.\nSecond line\tend"))
    assert receipt_code(answer.get_data(as_text=True))
    stored = session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert stored.institution_text == "가나학교"
    assert stored.description == "Photos of students were edited and shared.\nSecond line\tend"
