"""Rate limits hold exactly as configured under the real gunicorn (gunicorn.conf.py as shipped),
in the embedded default (no Redis: one worker) and with Redis (two workers sharing it), for
requests one after another and for 8 clients at once: tips, receipt look-ups, passwords and
authenticator codes. N allowed of N+k, never N+1."""

import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select

from geodata.loader import load_all
from mapapp import create_app
from mapapp.extensions import db
from mapapp.models import Moderator, Report, utcnow
from moderation.accounts import hash_password
from tests.conftest import TEST_CONFIG
from tests.helpers import valid_tip
from tests.moderation_helpers import PASSWORD
from tests.services import free_port, private_redis, wait_for

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {"TIP": 5, "STATUS": 6, "LOGIN_CLIENT": 5, "TOTP": 4}
ATTEMPTS = 16  # N + k for every scenario
SECRETS = {f"code{n}": pyotp.random_base32() for n in range(2)}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
STARTED = re.compile(r'name="started" type="hidden" value="([^"]+)"')


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A SpatiaLite file with the gazetteer and two enrolled moderators."""
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'limits.sqlite'}"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_all(db.session)
        for name, secret in SECRETS.items():
            db.session.add(Moderator(username=name, password_hash=hash_password(PASSWORD),
                                     totp_secret=secret, totp_confirmed_at=utcnow()))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


@contextmanager
def gunicorn(database_url, redis_url=None):
    """Run gunicorn with gunicorn.conf.py as shipped; yield (port, worker count, its log)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("MAPAPP_") and key not in ("REDIS_URL", "DATABASE_URL")}
    env.update({"DATABASE_URL": database_url, "PORT": str(port), "FLASK_APP": "wsgi",
                "MAPAPP_SECRET_KEY": "limits-test-secret-key-limits-test-0000",
                "MAPAPP_SESSION_COOKIE_SECURE": "false", "MAPAPP_TIP_MIN_FILL_SECONDS": "0",
                "MAPAPP_TIP_RATE_LIMIT": f"{LIMITS['TIP']}/hour",
                "MAPAPP_STATUS_RATE_LIMIT": f"{LIMITS['STATUS']}/hour",
                "MAPAPP_LOGIN_CLIENT_LIMIT": f"{LIMITS['LOGIN_CLIENT']}/hour",
                "MAPAPP_LOGIN_ACCOUNT_LIMIT": "1000/hour",
                "MAPAPP_TOTP_LIMIT": f"{LIMITS['TOTP']}/hour",
                "MAPAPP_PASSWORD_ARGON2":
                    '{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}'})
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen([Path(sys.executable).parent / "gunicorn", "-c",
                                "gunicorn.conf.py", "wsgi:app"], env=env, cwd=ROOT,
                               stderr=log)
    try:
        wait_for(lambda: _answers(port), seconds=60, what="gunicorn")
        master = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        wait_for(lambda: len(master.read_text().split()) >= (2 if redis_url else 1),
                 what="workers")
        log.seek(0)
        yield port, len(master.read_text().split()), log.read()
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def _answers(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status in (200, 503)
    except OSError:
        return False
    finally:
        conn.close()


class Browser:
    """One client address with a cookie jar, like a browser on one connection."""

    def __init__(self, port, address):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(self.address, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read().decode()
        finally:
            conn.close()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return answer.status, text

    def post_form(self, page, path, fields):
        """Open a page for its CSRF token (and started token), then post the fields."""
        _status, html = self.request("GET", page)
        form = {"csrf_token": TOKEN.search(html).group(1), **fields}
        if STARTED.search(html):
            form["started"] = STARTED.search(html).group(1)
        return self.request("POST", path, form)[0]


def tip(browser, _n):
    return browser.post_form("/report", "/report", valid_tip(institution_text="학교",
                                                             sido_code="11"))


def status(browser, n):
    return browser.post_form("/report/status", "/report/status", {"code": f"{n:016d}"})


def password(browser, n):
    return browser.post_form("/mod/login", "/mod/login", {"username": "code0",
                                                          "password": f"guess {n}"})


def code(browser, n):
    """A wrong code after the right password; moderator chosen by the browser's address."""
    username = browser.moderator
    if browser.post_form("/mod/login", "/mod/login", {"username": username,
                                                      "password": PASSWORD}) != 302:
        return "password refused"
    right = pyotp.TOTP(SECRETS[username]).now()
    return browser.post_form("/mod/login/code", "/mod/login/code",
                             {"code": "000000" if right != "000000" else "111111"})


OK = {tip: 200, status: 404, password: 401, code: 401}  # an attempt let through
ACTIONS = {"tip": (tip, "TIP"), "status": (status, "STATUS"),
           "password": (password, "LOGIN_CLIENT"), "code": (code, "TOTP")}


def run(port, action, parallel, address, moderator):
    """Make ATTEMPTS attempts from one address, one after another or from 8 clients at once;
    return the statuses."""
    statuses, lock = [], threading.Lock()
    clients = 8 if parallel else 1
    start = threading.Barrier(clients)

    def client(number):
        # Codes are limited per moderator: those clients come from addresses of their own (the
        # right password they send first must not meet the per-address password limit).
        own = f"{address.rsplit('.', 1)[0]}.{10 + number}" if action is code else address
        browser = Browser(port, own)
        browser.moderator = moderator
        start.wait()
        for n in range(number, ATTEMPTS, clients):
            result = action(browser, n)
            with lock:
                statuses.append(result)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


def stored_tips(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Report))
    finally:
        engine.dispose()


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_limits_hold_exactly_under_gunicorn(database, storage):
    with private_redis() if storage == "redis" else _nothing() as redis, \
            gunicorn(database, redis.url if redis else None) as (port, workers, log):
        assert workers == (2 if redis else 1)  # in memory, one worker counts for all
        assert ("no shared rate-limit storage" in log) == (redis is None)
        tips_before = stored_tips(database)
        results = {}
        for number, (name, (action, _limit)) in enumerate(ACTIONS.items()):
            for parallel in (False, True):
                address = f"127.0.{number * 2 + parallel + 1}.{1 + (storage == 'redis')}"
                moderator = f"code{int(parallel)}"
                statuses = run(port, action, parallel, address, moderator)
                results[(name, parallel)] = (statuses.count(OK[action]),
                                             statuses.count(429), len(statuses))
        expected = {(name, parallel): (LIMITS[limit], ATTEMPTS - LIMITS[limit], ATTEMPTS)
                    for name, (_action, limit) in ACTIONS.items()
                    for parallel in (False, True)}
        assert results == expected
        assert stored_tips(database) - tips_before == 2 * LIMITS["TIP"]


@contextmanager
def _nothing():
    yield None
