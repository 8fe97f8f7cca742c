"""Tipster anonymity and abuse resistance: no address or agent kept anywhere; limits hold."""

import ipaddress
import os
import time
import uuid
from contextlib import contextmanager

import pytest
import redis
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES
from sqlalchemy import func, inspect, select, text

from mapapp import create_app, security
from mapapp.extensions import limiter
from mapapp.models import Report
from tests.conftest import TEST_CONFIG
from tests.helpers import csrf_token, receipt_code, send_tip, valid_tip

PROBE_IP = "203.0.113.7"
REDIS_URL = os.environ.get("MAPAPP_TEST_REDIS", "redis://127.0.0.1:6379/15")


@contextmanager
def limiter_storage(uri):
    """Point the (process-wide) limiter at another storage for one test, then restore it."""
    saved = limiter._storage, limiter._limiter, limiter._storage_dead
    limiter._storage = storage_from_string(uri, socket_connect_timeout=0.5, socket_timeout=0.5)
    limiter._limiter = STRATEGIES["fixed-window"](limiter._storage)
    limiter._storage_dead = False
    try:
        yield limiter._storage
    finally:
        limiter._storage, limiter._limiter, limiter._storage_dead = saved


def ip_forms(address):
    """The ways an address may be written down: dotted, integer, hex, IPv4-mapped IPv6."""
    ip = ipaddress.ip_address(address)
    return {address, str(int(ip)), f"{int(ip):08x}", f"::ffff:{address}"}


def database_dump(session):
    """Return every row of every table, as text, from the test's own connection."""
    connection = session.connection()
    rows = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):
            rows.append(" ".join(str(v) for v in row))
    return "\n".join(rows)


def test_no_address_or_agent_is_kept_anywhere(client, app, session, caplog, capfd):
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    agent = f"PrivacyProbe/{uuid.uuid4().hex}"
    environ = {"REMOTE_ADDR": PROBE_IP}
    headers = {"User-Agent": agent, "X-Forwarded-For": PROBE_IP, "X-Real-IP": PROBE_IP}
    caplog.set_level("DEBUG")
    with limiter_storage(REDIS_URL):
        code = None
        for n in range(3):
            answer = send_tip(client, app, valid_tip(institution_text=f"학교 {n}", sido_code="11"),
                              headers=headers, environ=environ)
            code = receipt_code(answer.get_data(as_text=True))
        send_tip(client, app, valid_tip(description=""), headers=headers, environ=environ)
        token = csrf_token(client.get("/report/status", headers=headers,
                                      environ_base=environ).get_data(as_text=True))
        client.post("/report/status", data={"csrf_token": token, "code": code},
                    headers=headers, environ_base=environ)
        client.get("/api/v1/institutions?q=휘경", headers=headers, environ_base=environ)
        redis_text = " ".join(f"{k!r} {store.dump(k)!r}" for k in store.scan_iter("*"))
        assert store.dbsize() > 0  # the limiter did write there
    assert session.scalar(select(func.count()).select_from(Report)) == 3
    out, err = capfd.readouterr()
    places = {"database": database_dump(session), "logs": caplog.text + out + err,
              "redis": redis_text}
    for where, content in places.items():
        for needle in (*ip_forms(PROBE_IP), agent):
            assert needle not in content, f"{needle} found in {where}"


def test_tip_pages_set_only_the_csrf_session_cookie(client, app):
    for answer in (client.get("/report"), client.get("/report/status"),
                   send_tip(client, app, valid_tip(institution_text="학교", sido_code="11"))):
        cookies = answer.headers.getlist("Set-Cookie")
        assert {c.split("=", 1)[0] for c in cookies} <= {"session"}
        for cookie in cookies:
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_limiter_key_is_an_hmac_that_changes_daily(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": PROBE_IP}):
        today = security.client_fingerprint(now=1_700_000_000)
        assert PROBE_IP not in today and today == security.client_fingerprint(now=1_700_000_100)
        assert today != security.client_fingerprint(now=1_700_000_000 + security.DAY)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.1"}):
        assert security.client_fingerprint(now=1_700_000_000) != today


def test_rate_limit_answers_429_then_resets(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "2 per 2 second")
    fields = valid_tip(institution_text="학교", sido_code="11")
    assert send_tip(client, app, fields).status_code == 200
    assert send_tip(client, app, fields).status_code == 200
    limited = send_tip(client, app, fields, lang="ko")
    assert limited.status_code == 429
    html = limited.get_data(as_text=True)
    # The form comes back in Korean with what was typed, and says how long to wait.
    assert "너무 많은 요청이 들어왔습니다" in html and "약 1분 뒤에 다시 시도해 주세요" in html
    assert fields["description"] in html and 'value="학교"' in html
    assert session.scalar(select(func.count()).select_from(Report)) == 2
    time.sleep(2.2)
    assert send_tip(client, app, fields).status_code == 200


def test_search_does_not_count_against_the_tip_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1 per minute")
    for _ in range(3):
        assert send_tip(client, app, valid_tip(action="search", q="휘경")).status_code == 200


def test_global_ceiling_applies_to_everyone_together(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_GLOBAL_LIMIT", "2 per minute")
    fields = valid_tip(institution_text="학교", sido_code="11")
    for n, expected in enumerate((200, 200, 429)):
        answer = send_tip(client, app, fields, environ={"REMOTE_ADDR": f"198.51.100.{n}"})
        assert answer.status_code == expected


def test_status_lookups_are_limited_against_guessing(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_RATE_LIMIT", "3 per hour")
    token = csrf_token(client.get("/report/status").get_data(as_text=True))
    codes = [client.post("/report/status", data={"csrf_token": token,
                                                  "code": f"{n:016d}"}).status_code
             for n in range(4)]
    assert codes == [404, 404, 404, 429]


def test_redis_down_still_serves_and_still_limits(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "2 per minute")
    fields = valid_tip(institution_text="학교", sido_code="11")
    with limiter_storage("redis://127.0.0.1:1/0"):  # nothing listens there
        answers = [send_tip(client, app, fields).status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # in-memory fallback took over
    assert session.scalar(select(func.count()).select_from(Report)) == 2


def unreachable(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    return "postgresql+psycopg://nobody@127.0.0.1:9/nowhere?connect_timeout=2"


def test_database_down_gives_503_with_the_text_kept(backend, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": unreachable(backend, tmp_path)})
    client = app.test_client()
    limiter.reset()
    form = client.get("/report")
    assert form.status_code == 200  # the form itself needs no database
    answer = send_tip(client, app, valid_tip(institution_text="학교", sido_code="11",
                                             description="이 글은 지워지면 안 됩니다"))
    assert answer.status_code == 503
    assert "이 글은 지워지면 안 됩니다" in answer.get_data(as_text=True)


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
def test_forwarding_headers_never_reach_storage(client, app, session, header):
    send_tip(client, app, valid_tip(institution_text="학교", sido_code="11"),
             headers={header: PROBE_IP})
    assert PROBE_IP not in database_dump(session)


def test_gunicorn_keeps_no_access_log():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.accesslog is None
    assert conf.preload_app is True  # workers share the limiter's in-memory HMAC seed


def test_gunicorn_error_log_scrubs_addresses():
    import importlib.util
    import logging
    from pathlib import Path

    from gunicorn.config import Config

    path = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    logger = conf.logger_class(Config())
    for address in (PROBE_IP, "2001:db8::7", "::ffff:203.0.113.7"):
        record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1,
                                   f"Invalid request from ip={address}: Invalid HTTP request "
                                   "line: 'GET /x HTTP/1.1'", (), None)
        for log_filter in logger.error_log.filters:
            log_filter.filter(record)
        assert address not in record.getMessage() and "[address]" in record.getMessage()
        assert "GET /x HTTP/1.1" in record.getMessage()



@pytest.mark.parametrize("hops", [0, 1, 2])
def test_forwarded_addresses_count_only_behind_trusted_proxies(database_url, hops):
    from flask import request

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": hops})
    app.add_url_rule("/_probe", "probe", lambda: {
        "remote": request.remote_addr, "scheme": request.scheme,
        "key": security.client_fingerprint(now=1_700_000_000)})
    client = app.test_client()

    def seen(forwarded):
        # Each proxy but the nearest appends the address it saw (a CDN in front of nginx);
        # only the nearest sets X-Forwarded-Proto, from its own TLS.
        chain = ", ".join([forwarded] + ["10.9.9.9"] * max(hops - 1, 0))
        return client.get("/_probe", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                          headers={"X-Forwarded-For": chain, "X-Forwarded-Proto": "https"}).json

    one, other = seen("198.51.100.1"), seen("198.51.100.2")
    forged = seen("1.2.3.4, 198.51.100.1")
    if hops == 0:  # no proxy: the headers are the client's own word, and ignored
        assert one["remote"] == other["remote"] == "10.0.0.2" and one["key"] == other["key"]
        assert one["scheme"] == "http"
    else:  # behind our proxies: each client its own key; a forged left entry changes nothing
        assert (one["remote"], other["remote"]) == ("198.51.100.1", "198.51.100.2")
        assert one["key"] != other["key"] and forged["key"] == one["key"]
        assert one["scheme"] == "https"
