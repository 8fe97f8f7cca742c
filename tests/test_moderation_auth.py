"""Moderator accounts, two-factor sign-in, sessions, throttling and the route guard."""

import time

import pyotp
import pytest
from sqlalchemy import func, select, text, update

from mapapp import audit
from mapapp.models import AuditEvent, Moderator
from moderation import accounts
from tests.helpers import csrf_token
from tests.moderation_helpers import (
    enrolment_link,
    make_moderator,
    sign_in,
    submit_code,
    submit_password,
)

GENERIC = "아이디, 비밀번호 또는 코드가 올바르지 않습니다."  # Korean by default


def deactivate(session, moderator):
    """Deactivate outside the request (the request's session has closed the test's objects)."""
    session.execute(update(Moderator).where(Moderator.id == moderator.id).values(active=False))
    session.commit()


def test_cli_creates_lists_deactivates_and_resets(runner, session):
    out = runner.invoke(args=["moderators", "create", "jun", "--role", "admin",
                              "--password", "a-long-enough-password"])
    assert out.exit_code == 0, out.output
    assert runner.invoke(args=["moderators", "create", "jun", "--password",
                               "a-long-enough-password"]).output.count("exists already") == 1
    assert "at least 12" in runner.invoke(args=["moderators", "create", "x",
                                                "--password", "short"]).output
    listing = runner.invoke(args=["moderators", "list"]).output
    assert "jun" in listing and "admin" in listing and "no-2fa-yet" in listing
    assert runner.invoke(args=["moderators", "deactivate", "jun"]).exit_code == 0
    assert runner.invoke(args=["moderators", "reset-2fa", "jun"]).exit_code == 0
    assert "no moderator named" in runner.invoke(args=["moderators", "deactivate", "ghost"]).output
    moderator = session.scalar(select(Moderator).where(Moderator.username == "jun"))
    assert not moderator.active and moderator.password_hash.startswith("$argon2id$")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["moderator.create", "moderator.deactivate", "moderator.reset_2fa"]


def test_audit_verify_passes_then_fails_after_an_edit(runner, session):
    for name in ("a1", "a2", "a3"):
        runner.invoke(args=["moderators", "create", name, "--password", "a-long-enough-password"])
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 3 events" in ok.output
    second = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    session.execute(text("UPDATE audit_events SET reason = 'rewritten' WHERE id = :id"),
                    {"id": second})
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "edited" in broken.output


def test_audit_verify_fails_after_a_deletion(runner, session):
    for name in ("b1", "b2", "b3"):
        runner.invoke(args=["moderators", "create", name, "--password", "a-long-enough-password"])
    second = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": second})
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "link to the previous event is broken" in broken.output


def test_first_sign_in_enrols_the_authenticator(client, session, app):
    moderator = make_moderator(session, app, enrolled=False)
    moderator_id = moderator.id
    assert client.get(enrolment_link(session, app, moderator)).status_code == 302
    assert submit_password(client, "mina").status_code == 302
    page = client.get("/mod/login/code").get_data(as_text=True)
    assert '<figure class="qr" data-testid="qr"><svg' in page  # drawn here, no image service
    secret = session.scalar(select(Moderator.totp_secret).where(Moderator.id == moderator_id))
    assert secret in page
    answer = submit_code(client, pyotp.TOTP(secret).now())
    assert answer.status_code == 302
    assert client.get("/mod/").status_code == 200
    moderator = session.get(Moderator, moderator_id)
    assert moderator.totp_confirmed_at is not None
    assert audit.verify(session)[2] == []


@pytest.mark.parametrize("username", ["mina", "nobody"])
def test_wrong_password_gets_one_generic_message(client, session, app, username):
    make_moderator(session, app)
    answer = submit_password(client, username, password="wrong password!")
    assert answer.status_code == 401 and GENERIC in answer.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, session, app):
    make_moderator(session, app, active=False)
    assert submit_password(client, "mina").status_code == 401


def test_wrong_code_is_refused(client, session, app):
    make_moderator(session, app)
    submit_password(client, "mina")
    answer = submit_code(client, "000000")
    assert answer.status_code == 401 and GENERIC in answer.get_data(as_text=True)
    assert client.get("/mod/").status_code == 302


def test_totp_code_cannot_be_replayed(client, session, app):
    moderator = make_moderator(session, app)
    code = sign_in(client, session, moderator)
    token = csrf_token(client.get("/mod/").get_data(as_text=True))
    client.post("/mod/logout", data={"csrf_token": token})
    assert submit_password(client, "mina").status_code == 302
    assert submit_code(client, code).status_code == 401  # same code, same 30 s window


def test_accept_totp_refuses_an_older_step(app):
    moderator = Moderator(username="t", password_hash="x", totp_secret=pyotp.random_base32())
    totp, now = pyotp.TOTP(moderator.totp_secret), 1_700_000_000
    assert accounts.accept_totp(moderator, totp.at(now), now=now)
    assert not accounts.accept_totp(moderator, totp.at(now), now=now)  # replay
    assert not accounts.accept_totp(moderator, totp.at(now - 30), now=now)  # older step
    assert accounts.accept_totp(moderator, totp.at(now + 30), now=now + 30)


def test_a_thousand_wrong_passwords_are_throttled_to_100(client, session, app):
    make_moderator(session, app)
    token = csrf_token(client.get("/mod/login").get_data(as_text=True))
    processed = 0
    for n in range(1000):
        answer = client.post("/mod/login", data={"csrf_token": token, "username": "mina",
                                                 "password": f"guess {n}"},
                             environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.1"})
        processed += answer.status_code == 401
        assert answer.status_code in (401, 429)
    assert processed <= 100


def test_session_is_renewed_and_keeps_nothing_about_the_address(client, session, app):
    moderator = make_moderator(session, app)
    secret = moderator.totp_secret
    submit_password(client, "mina")
    with client.session_transaction() as before:
        assert "pending_id" in before
    sign_in_code = pyotp.TOTP(secret).now()
    submit_code(client, sign_in_code)
    with client.session_transaction() as after:
        assert "pending_id" not in after and after["sid"]
        assert after.get("_id", "") == ""  # Flask-Login's address|agent hash is not kept


def test_idle_and_absolute_timeouts(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    with client.session_transaction() as s:
        s["seen_at"] = time.time() - 31 * 60
    assert client.get("/mod/").status_code == 302
    sign_in(client, session, make_moderator(session, app, username="second"))
    with client.session_transaction() as s:
        s["login_at"] = time.time() - 13 * 3600
    assert client.get("/mod/").status_code == 302


def test_deactivation_ends_a_live_session(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    assert client.get("/mod/").status_code == 200
    deactivate(session, moderator)
    assert client.get("/mod/").status_code == 302


def test_cookie_defaults_are_strict():
    from mapapp.config import Defaults

    assert Defaults.SESSION_COOKIE_SECURE and Defaults.SESSION_COOKIE_HTTPONLY
    assert Defaults.SESSION_COOKIE_SAMESITE == "Strict"


def test_sign_in_and_out_are_audited(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    token = csrf_token(client.get("/mod/").get_data(as_text=True))
    client.post("/mod/logout", data={"csrf_token": token})
    assert session.scalars(select(AuditEvent.action)).all() == ["login", "logout"]
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2
