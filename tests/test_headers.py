"""Security headers and privacy on every route in the URL map, and on the error pages.

New routes are covered without editing this file: the routes come from app.url_map.
"""

import re

import pytest

from mapapp import create_app
from mapapp.extensions import db
from tests.conftest import TEST_CONFIG
from tests.helpers import csrf_token
from tests.moderation_helpers import make_moderator, sign_in

PRIVATE_BLUEPRINTS = ("reports.", "moderation.")  # tip and moderator pages


def routes(app, incident_id):
    """Yield (method, path, endpoint) for every GET and POST route, with real ids filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: incident_id for arg in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, path, rule.endpoint


# The whole policy, directive by directive: any drift (a wider source, a lost directive) fails.
POLICY = {"default-src": "'self'", "img-src": "'self' data: https://tile.openstreetmap.org",
          "connect-src": "'self'", "font-src": "'self'", "object-src": "'none'",
          "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'"}
FIXED_HEADERS = {"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
                 "X-Frame-Options": "DENY",
                 "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
                 "Cross-Origin-Opener-Policy": "same-origin"}


def directives(csp):
    """{directive: its sources} of a Content-Security-Policy (each directive once)."""
    pairs = [part.strip().split(" ", 1) for part in csp.split(";")]
    found = dict(pairs)
    assert len(found) == len(pairs), csp
    return found


def check_headers(answer, where, private):
    """Assert the headers every answer must carry."""
    headers = answer.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    scripts = policy.pop("script-src", "")
    assert re.fullmatch(r"'self' 'nonce-[\w-]{24,}'", scripts), where  # nothing inline
    assert policy.pop("style-src", "") == scripts, where
    assert policy == POLICY, where
    for name, value in FIXED_HEADERS.items():
        assert headers.get(name) == value, (where, name)
    assert "Strict-Transport-Security" not in headers, where  # production only (over HTTPS)
    if private:
        assert "no-store" in headers.get("Cache-Control", ""), where
    if answer.mimetype == "text/html":
        html = answer.get_data(as_text=True)
        # Nothing loaded or posted elsewhere (links to public sources are only links).
        assert not re.search(r'(src|action)="(https?:)?//', html), where
        assert not re.search(r'<link[^>]*href="(https?:)?//', html), where
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            assert "nonce=" in tag or 'type="application/json"' in tag, where


def visit_every_route(client, app, incident_id):
    """Request every route; return how many answers were checked."""
    checked = 0
    for method, path, endpoint in routes(app, incident_id):
        answer = client.get(path) if method == "GET" else client.post(path, data={})
        where = f"{method} {path} -> {answer.status_code}"
        assert answer.status_code < 500, where
        check_headers(answer, where, private=endpoint.startswith(PRIVATE_BLUEPRINTS))
        checked += 1
    return checked


def test_every_route_anonymous(client, app, incidents):
    assert visit_every_route(client, app, incidents["seoul"]) >= 40


def test_every_route_as_a_signed_in_admin(client, app, session, incidents):
    sign_in(client, session, make_moderator(session, app, role="admin"))
    assert visit_every_route(client, app, incidents["seoul"]) >= 40


def test_error_pages_carry_the_headers_too(client, app, monkeypatch, database_url):
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404
    check_headers(not_found, "404", private=False)

    too_large = client.post("/report", data={"description": "x" * 70_000})
    assert too_large.status_code == 413
    check_headers(too_large, "413", private=True)

    monkeypatch.setitem(app.config, "STATUS_RATE_LIMIT", "1/hour")
    token = csrf_token(client.get("/report/status").get_data(as_text=True))
    answers = [client.post("/report/status", data={"code": "1234", "csrf_token": token})
               for _ in range(3)]
    assert answers[-1].status_code == 429
    check_headers(answers[-1], "429", private=True)

    broken = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                         "PROPAGATE_EXCEPTIONS": False})
    broken.add_url_rule("/boom", "boom", lambda: 1 / 0)
    with pytest.MonkeyPatch.context() as quiet:
        quiet.setattr(broken.logger, "exception", lambda *a, **k: None)
        error = broken.test_client().get("/boom")
    assert error.status_code == 500 and "ZeroDivisionError" not in error.get_data(as_text=True)
    check_headers(error, "500", private=False)


def test_production_answers_ask_for_https_for_a_year(database_url):
    production = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                             "ENV_NAME": "production", "SECRET_KEY": "x" * 40,
                             "PUBLIC_URL": "https://map.example.org"})
    try:
        for path in ("/", "/healthz", "/report", "/no-such-page"):
            answer = production.test_client().get(path)
            assert answer.headers["Strict-Transport-Security"] == (
                "max-age=31536000; includeSubDomains"), path
            assert answer.headers["X-Frame-Options"] == "DENY", path
    finally:
        with production.app_context():
            db.engine.dispose()  # its own pool: no connection left for the collector


@pytest.mark.parametrize(("tile_url", "img_src"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
     "'self' data: https://tile.openstreetmap.org"),
    # Leaflet's subdomains: a.tile…, b.tile…, c.tile… all load, nothing else does.
    ("https://{s}.tiles.example.org/{z}/{x}/{y}{r}.png", "'self' data: https://*.tiles.example.org"),
    ("https://tiles.example.org:8443/osm/{z}/{x}/{y}.png",
     "'self' data: https://tiles.example.org:8443"),
    ("/static/tiles/{z}/{x}/{y}.png", "'self' data:"),  # our own origin: no other source
    ("", "'self' data:"),  # no tiles
])
def test_the_tile_host_is_the_only_other_image_source(client, app, monkeypatch, tile_url,
                                                      img_src):
    monkeypatch.setitem(app.config, "TILE_URL", tile_url)
    policy = directives(client.get("/").headers["Content-Security-Policy"])
    assert policy["img-src"] == img_src
    assert all("example.org" not in sources and "openstreetmap" not in sources
               for name, sources in policy.items() if name != "img-src")
