"""The onion service: the sample torrc is valid for Tor, and the sample nginx block gives every
Tor circuit its own limits (tests/test_onion_location.py: the header the clear-web pages send)."""

import json
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from flask import request

from mapapp import create_app
from mapapp.security import limiter_key
from tests.conftest import TEST_CONFIG
from tests.live import serving
from tests.services import free_port, serve_nginx

ROOT = Path(__file__).resolve().parent.parent
ONION = "http://" + "a" * 56 + ".onion"  # a made-up onion address
ONION_HOST = ONION.removeprefix("http://")


def test_the_sample_torrc_is_valid_for_tor(tmp_path):
    tor = shutil.which("tor")
    assert tor, "tor is installed by ./dev (TEST_PACKAGES)"
    torrc = (ROOT / "deploy" / "torrc").read_text()
    # The same file with its folders in a scratch place (tor checks they can be made).
    local = re.sub(r"^(HiddenServiceDir|DataDirectory) \S+",
                   lambda m: f"{m.group(1)} {tmp_path / m.group(1)}", torrc, flags=re.M)
    (tmp_path / "torrc").write_text(local)
    checked = subprocess.run([tor, "--verify-config", "-f", str(tmp_path / "torrc")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Configuration was valid" in checked.stdout
    for line in ("HiddenServicePort 80 127.0.0.1:8081", "HiddenServiceExportCircuitID haproxy",
                 "HiddenServicePoWDefensesEnabled 1", "SafeLogging 1"):
        assert re.search(rf"^{re.escape(line)}$", torrc, re.M), line


def render_onion_site(app_port, port, folder):
    """deploy/nginx-onion.conf on a scratch port and folder, with the upstream that
    deploy/nginx.conf would define."""
    text = (ROOT / "deploy" / "nginx-onion.conf").read_text()
    assert text.count("listen 127.0.0.1:8081 ") == 2, "the sample changed: update this"
    text = text.replace("listen 127.0.0.1:8081 ", f"listen 127.0.0.1:{port} ")
    text = text.replace("/var/log/nginx/mapapp.error.log", str(folder / "site-error.log"))
    return text + f"\nupstream mapapp {{ server 127.0.0.1:{app_port}; }}\n"


def through_tor(port, circuit, path, host=ONION_HOST):
    """Send a GET as tor does for an onion visitor: a PROXY protocol line naming the circuit,
    then the request. Return (status line, headers and body), or None if nginx hung up."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall((f"PROXY TCP6 {circuit} ::1 {4000 + len(circuit)} 80\r\n"
                      f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                      ).encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    if not answer:
        return None
    head, _, body = answer.decode("utf-8", "replace").partition("\r\n\r\n")
    return head, body


@pytest.fixture
def onion_app(database_url):
    """The app as it runs behind the onion's nginx block: one trusted proxy, an onion set."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": 1, "ONION_URL": ONION})
    app.add_url_rule("/_probe", "probe", lambda: {"remote": request.remote_addr,
                                                  "key": limiter_key()})
    yield app
    with app.app_context():
        from mapapp.extensions import db
        db.engine.dispose()


def test_each_tor_circuit_counts_as_its_own_client(onion_app, tmp_path):
    port = free_port()
    with serving(onion_app) as (app_port, _stop), \
            serve_nginx(tmp_path, render_onion_site(app_port, port, tmp_path), port):
        seen = {}
        for circuit in ("fc00:dead:beef:4dad::0:1", "fc00:dead:beef:4dad::0:2"):
            head, body = through_tor(port, circuit, "/_probe")
            assert head.startswith("HTTP/1.1 200"), head
            probe = json.loads(body[body.index("{"):body.rindex("}") + 1])
            assert probe["remote"] == circuit  # the circuit, not 127.0.0.1
            seen[circuit] = probe["key"]
        assert len(set(seen.values())) == 2  # two circuits, two sets of limits
        # Tip pages over the onion do not point to the onion again.
        head, _body = through_tor(port, "fc00:dead:beef:4dad::0:1", "/report")
        assert head.startswith("HTTP/1.1 200") and "onion-location" not in head.lower()
        # Only onion names are answered.
        assert through_tor(port, "fc00:dead:beef:4dad::0:1", "/report",
                           host="map.example.org") is None
    assert not (tmp_path / "access.log").exists() or ONION_HOST not in (
        tmp_path / "access.log").read_text()
    assert "fc00" not in (tmp_path / "main-error.log").read_text()
