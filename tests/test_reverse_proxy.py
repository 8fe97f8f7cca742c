"""The sample reverse-proxy config, deploy/nginx.conf, run by nginx in front of the app.

TLS and the public ports are swapped for loopback ports and the paths for a temporary folder;
every other line is the file as shipped. Clients connect from 127.0.0.2 and 127.0.0.3 (both
loopback), so the logs can be searched for their addresses.
"""

import http.client
import json
import re
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import request

from mapapp import create_app
from tests.conftest import TEST_CONFIG
from tests.live import serving
from tests.services import free_port, serve_nginx

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
CLIENT, FLOODER = "127.0.0.2", "127.0.0.3"
POINTS = "/api/v1/points?zoom=7"


def render_site(app_port, port, folder):
    """Return deploy/nginx.conf on loopback ports, without TLS, writing into `folder`.

    The sample is checked with placeholders in place, before the ports and the folder are
    filled in, so a random port or folder name cannot look like a leftover of the sample."""
    text = SITE.read_text()
    text = text.replace("listen 443 ssl http2;", "listen 127.0.0.1:@PORT@;")
    text = text.replace("listen 443 ssl http2 default_server;",
                        "listen 127.0.0.1:@PORT@ default_server;")
    text = re.sub(r"\n\s*ssl_(certificate(_key)?\s[^;]+|reject_handshake on);", "", text)
    text = text.replace("listen 80;", "listen 127.0.0.1:@HTTP_PORT@;")
    text = text.replace("listen 80 default_server;", "listen 127.0.0.1:@HTTP_PORT@ default_server;")
    text = text.replace("server 127.0.0.1:5000;", "server 127.0.0.1:@APP_PORT@;")
    text = text.replace("/var/cache/nginx/mapapp", "@FOLDER@/cache")
    text = text.replace("/var/log/nginx/mapapp.error.log", "@FOLDER@/site-error.log")
    directives = re.sub(r"#[^\n]*", "", text)
    assert not re.search(r"443|:5000|/var/|ssl_", directives), "the sample changed: update this"
    assert text.count("@PORT@") == 2 and text.count("@HTTP_PORT@") == 2, "the sample changed"
    for marker, value in (("@PORT@", port), ("@HTTP_PORT@", free_port()),
                          ("@APP_PORT@", app_port), ("@FOLDER@", folder)):
        assert marker in text, f"the sample changed: {marker} has no place"
        text = text.replace(marker, str(value))
    return text


@contextmanager
def nginx(app_port, folder):
    """Run nginx with the sample site in front of the app on `app_port`; yield its port."""
    port = free_port()
    with serve_nginx(folder, render_site(app_port, port, folder), port):
        yield port


SITE_NAME = "map.example.org"  # the sample's server_name
PUBLIC_URL = f"https://{SITE_NAME}"


def get(port, path, headers=None, source=CLIENT, host=SITE_NAME):
    """GET through nginx from the given loopback address, naming `host` as a browser of the
    site would; return (response, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        answer = conn.getresponse()
        return answer, answer.read()
    finally:
        conn.close()


def absolute_form(port, url):
    """Send a request line naming another site (GET http://evil.example/...) with our Host;
    return the status, or None when nginx closed the connection without an answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET {url} HTTP/1.1\r\nHost: {SITE_NAME}\r\nConnection: close\r\n\r\n"
                     .encode())
        answer = conn.recv(200)
    return int(answer.split()[1]) if answer else None


@pytest.fixture
def behind_proxy(app, database_url):
    """The app as production runs it behind one proxy, with a probe of what it sees."""
    proxied = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                          "TRUSTED_PROXIES": 1, "PUBLIC_URL": PUBLIC_URL})
    proxied.add_url_rule("/_probe", "probe", lambda: {"remote": request.remote_addr,
                                                      "scheme": request.scheme})

    @proxied.after_request
    def expire_soon(response):  # the points payload expires in 1 s, not 60: no long wait
        header = response.headers.get("Cache-Control", "")
        response.headers["Cache-Control"] = header.replace("s-maxage=60", "s-maxage=1")
        return response

    yield proxied
    with proxied.app_context():
        from mapapp.extensions import db
        db.engine.dispose()


def test_sample_nginx_config_in_front_of_the_app(behind_proxy, tmp_path):
    with serving(behind_proxy) as (app_port, stop_app), nginx(app_port, tmp_path) as port:
        # The app sees the client's address, not nginx's, and not one the client forged.
        _answer, body = get(port, "/_probe", {"X-Forwarded-For": "198.51.100.66"})
        assert json.loads(body) == {"remote": CLIENT, "scheme": "http"}

        # Public payloads: cached with the app's headers, gzip, 304 from the cache.
        first, payload = get(port, POINTS)
        second, again = get(port, POINTS)
        assert (first.status, first.getheader("X-Cache")) == (200, "MISS")
        assert (second.getheader("X-Cache"), again) == ("HIT", payload)
        assert second.getheader("X-Content-Type-Options") == "nosniff"
        assert "frame-ancestors 'none'" in second.getheader("Content-Security-Policy")
        unchanged, _ = get(port, POINTS, {"If-None-Match": first.getheader("ETag")})
        assert unchanged.status == 304
        outlines, _ = get(port, "/api/v1/regions.geojson")
        assert outlines.status == 200 and outlines.getheader("X-Cache") == "MISS"
        zipped, _ = get(port, "/api/v1/regions.geojson", {"Accept-Encoding": "gzip"})
        assert (zipped.getheader("X-Cache"), zipped.getheader("Content-Encoding")) == (
            "HIT", "gzip")

        # Tip and moderator pages never come from the cache.
        for path in ("/report", "/mod/login"):
            one, page = get(port, path)
            two, other = get(port, path)
            assert one.status == two.status == 200, path
            assert one.getheader("X-Cache") is None and "no-store" in one.getheader(
                "Cache-Control")
            assert page != other  # a fresh CSRF token and CSP nonce each time

        # A forged Host, or an absolute URL naming another site, gets no answer; nothing
        # cached then names another origin, and the feed links to the configured one.
        for forged in ({"host": "evil.example"}, {"host": f"{SITE_NAME}.evil.example"},
                       {"host": "127.0.0.1"}):
            with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
                get(port, "/feed.atom", **forged)
        assert absolute_form(port, "http://evil.example/feed.atom") is None
        cached = [POINTS, "/api/v1/regions.geojson", "/feed.atom", "/api/v1/incidents.geojson",
                  "/api/v1/incidents.csv"]
        for path in cached:
            get(port, path)
            answer, body = get(port, path)
            assert answer.getheader("X-Cache") == "HIT", path
            assert b"evil.example" not in body and b"127.0.0.1" not in body, path
        assert f'<id>{PUBLIC_URL}/feed.atom'.encode() in get(port, "/feed.atom")[1]

        # One client flooding is throttled by nginx; another client is not.
        statuses = [get(port, "/_probe", source=FLOODER)[0].status for _ in range(150)]
        assert statuses[:60] == [200] * 60 and 429 in statuses
        assert get(port, "/_probe")[0].status == 200

        # The app stops: the expired payload is served stale, pages fail at the proxy.
        time.sleep(2.5)  # nginx counts whole seconds: 1 s of validity can last nearly 2
        stop_app()
        stale, kept = get(port, POINTS)
        assert (stale.status, stale.getheader("X-Cache"), kept) == (200, "STALE", payload)
        assert get(port, "/")[0].status == 502

    # Nothing nginx wrote holds a client's address: no access log, no per-request errors
    # (the 502s and 429s above), although the surrounding config would log them all.
    for log in tmp_path.glob("*.log"):
        text = log.read_text()
        assert CLIENT not in text and FLOODER not in text, (log.name, text[-500:])
