"""Sign-in a stranger cannot switch off: a thousand wrong passwords or codes from elsewhere lock
out strangers, not the moderator on their own device (OWASP's device cookies), and guesses are
counted before they are checked, so guesses sent at once are all counted."""

import threading
import uuid

import pyotp
import pytest
from sqlalchemy import select

from mapapp.models import Moderator
from moderation import devices
from tests.helpers import csrf_token
from tests.moderation_helpers import PASSWORD, make_moderator, sign_in, submit_code

LIMITS = {"LOGIN_CLIENT_LIMIT": "5/hour", "LOGIN_ACCOUNT_LIMIT": "8/hour",
          "LOGIN_DEVICE_LIMIT": "4/hour", "TOTP_LIMIT": "3 per 15 minutes"}


@pytest.fixture
def limits(app, client):
    saved = {k: app.config[k] for k in LIMITS}
    app.config.update(LIMITS)
    yield LIMITS
    app.config.update(saved)


def attempt(client, username, password, address="10.0.0.1"):
    token = csrf_token(client.get("/mod/login").get_data(as_text=True))
    return client.post("/mod/login", data={"csrf_token": token, "username": username,
                                           "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


def own_device(app, session, moderator):
    """A browser in which the moderator has signed in before (and signed out since)."""
    browser = app.test_client()
    sign_in(browser, session, session.get(Moderator, moderator.id))
    assert browser.get_cookie(devices.COOKIE, path="/mod/") is not None
    session.execute(Moderator.__table__.update().values(totp_last_step=None))
    session.commit()
    return browser


def test_a_thousand_guesses_from_elsewhere_leave_the_moderators_device_working(
        app, session, client, limits):
    moderator = make_moderator(session, app)
    device = own_device(app, session, moderator)
    answers = [attempt(app.test_client(), "mina", f"guess {n}", f"10.{n // 250}.{n % 250}.9")
               for n in range(1000)]
    assert answers.count(401) == 8 and answers.count(429) == 992  # the username's allowance
    # Guessing stays cut off for strangers, even with the right password...
    assert attempt(app.test_client(), "mina", PASSWORD, "10.99.0.1") == 429
    # ...and the moderator signs in from their own device at once.
    assert attempt(device, "mina", PASSWORD, "10.0.0.1") == 302
    secret = session.scalar(select(Moderator.totp_secret))
    assert submit_code(device, pyotp.TOTP(secret).now()).status_code == 302
    assert device.get("/mod/").status_code == 200


def test_the_device_has_its_own_allowance(app, session, limits):
    moderator = make_moderator(session, app)
    device = own_device(app, session, moderator)
    answers = [attempt(device, "mina", f"guess {n}") for n in range(6)]
    assert answers == [401] * 4 + [429] * 2
    assert attempt(app.test_client(), "mina", PASSWORD, "10.1.1.1") == 302  # not shared


def test_a_device_cookie_counts_only_for_its_own_moderator(app, session, limits):
    mina = make_moderator(session, app)
    device = own_device(app, session, mina)
    make_moderator(session, app, username="jun")
    answers = [attempt(device, "jun", f"guess {n}", f"10.2.{n}.1") for n in range(10)]
    assert answers.count(401) == 8  # jun's untrusted allowance, not the device's 4


def test_a_forged_or_foreign_device_cookie_is_untrusted(app, session, limits):
    make_moderator(session, app)
    stranger = app.test_client()
    stranger.set_cookie(devices.COOKIE, "forged-value", path="/mod/")
    answers = [attempt(stranger, "mina", f"guess {n}", "10.3.0.1") for n in range(7)]
    assert answers == [401] * 5 + [429] * 2  # this client's allowance


def test_a_right_password_is_not_a_guess(app, session, limits):
    make_moderator(session, app)
    client = app.test_client()
    for _ in range(12):  # more than any allowance
        assert attempt(client, "mina", PASSWORD, "10.4.0.1") == 302


def test_wrong_codes_from_elsewhere_leave_the_devices_code_step_working(app, session, limits):
    moderator = make_moderator(session, app)
    device = own_device(app, session, moderator)
    thief = app.test_client()  # knows the password, not the authenticator
    assert attempt(thief, "mina", PASSWORD, "10.5.0.1") == 302
    codes = [submit_code(thief, f"{n:06d}").status_code for n in range(5)]
    assert codes == [401] * 3 + [429] * 2
    assert attempt(device, "mina", PASSWORD) == 302
    secret = session.scalar(select(Moderator.totp_secret))
    assert submit_code(device, pyotp.TOTP(secret).now()).status_code == 302


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_attempts_taken_at_once_are_all_counted(app, storage):
    """Eight threads taking five attempts each against a limit of 5: exactly 5 tickets, in
    memory and in Redis (the end-to-end check under gunicorn is in test_exact_limits.py)."""
    from mapapp import attempts
    from mapapp.extensions import limiter
    from tests.test_privacy import REDIS_URL, limiter_storage

    uri = "memory://" if storage == "memory" else REDIS_URL
    key = f"parallel-{uuid.uuid4().hex}"
    granted, lock, start = [], threading.Lock(), threading.Barrier(8)

    def take():
        with app.test_request_context():
            start.wait()
            for _ in range(5):
                ticket = attempts.take("5/hour", key)
                with lock:
                    granted.append(ticket is not None)

    with limiter_storage(uri):
        limiter.reset()
        threads = [threading.Thread(target=take) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        with app.test_request_context():
            ticket = attempts.take("5/hour", key)
    assert len(granted) == 40 and granted.count(True) == 5 and ticket is None
