"""Server-side moderator sessions: a copied cookie is worth nothing once the session ended, and
a new authenticator is enrolled only through an admin's one-time link."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select, update

from mapapp.models import AuditEvent, Moderator, ModeratorSession, utcnow
from tests.helpers import csrf_token
from tests.moderation_helpers import (
    PASSWORD,
    enrolment_link,
    make_moderator,
    sign_in,
    submit_code,
    submit_password,
)

LINK = re.compile(r"http://127\.0\.0\.1:5000(/mod/enrol/[\w-]+)")


def copy_cookie(client):
    """Return the session cookie's value, as an attacker who copied it would hold it."""
    return client.get_cookie("session").value


def replay(app, cookie):
    """Send the copied cookie from another client to a moderator page and a moderator POST."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    page = thief.get("/mod/queue")
    post = thief.post("/mod/queue/spam", data={"tip_ids": "1"})
    return page, post


def assert_refused(app, cookie):
    page, post = replay(app, cookie)
    assert page.status_code == 302 and page.location.endswith("/mod/login"), page.status_code
    assert post.status_code in (302, 400) and b"moderation" not in post.data.lower() or \
        post.status_code == 302


def sign_out(client, everywhere=False):
    token = csrf_token(client.get("/mod/").get_data(as_text=True))
    data = {"csrf_token": token, **({"everywhere": "1"} if everywhere else {})}
    return client.post("/mod/logout", data=data)


def test_a_copied_cookie_works_until_sign_out_then_never(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    cookie = copy_cookie(client)
    page, _post = replay(app, cookie)
    assert page.status_code == 200  # the copy is the session while it lives
    sign_out(client)
    assert_refused(app, cookie)
    assert session.scalar(select(func.count()).select_from(ModeratorSession)) == 0


def test_the_session_token_is_kept_only_as_a_hash(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    with client.session_transaction() as cookie_session:
        token = cookie_session["sid"]
    stored = session.scalars(select(ModeratorSession.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_sign_out_ends_this_browser_only_unless_everywhere(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    laptop = copy_cookie(client)
    phone = app.test_client()
    sign_in(phone, session, moderator_with_new_step(session, moderator))
    phone_cookie = copy_cookie(phone)
    sign_out(client)
    assert_refused(app, laptop)
    assert replay(app, phone_cookie)[0].status_code == 200  # the other device is still in
    sign_out(phone, everywhere=True)
    assert_refused(app, phone_cookie)


def moderator_with_new_step(session, moderator):
    """Let the same moderator sign in again within the same 30 s (a TOTP step is good once)."""
    session.execute(update(Moderator).where(Moderator.id == moderator.id)
                    .values(totp_last_step=None))
    session.commit()
    return moderator


@pytest.mark.parametrize("command", [["deactivate"], ["reset-2fa"],
                                     ["set-password", "--password", "another-long-password"]])
def test_admin_commands_end_every_session_at_once(client, session, app, runner, command):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    second = app.test_client()
    sign_in(second, session, moderator_with_new_step(session, moderator))
    cookies = [copy_cookie(client), copy_cookie(second)]
    result = runner.invoke(args=["moderators", command[0], "mina", *command[1:]])
    assert result.exit_code == 0 and "2 session(s) ended" in result.output, result.output
    assert session.scalar(select(func.count()).select_from(ModeratorSession)) == 0
    for cookie in cookies:
        assert_refused(app, cookie)
    assert client.get("/mod/").status_code == 302


def test_reset_needs_the_one_time_link_not_just_the_password(client, session, app, runner):
    moderator_id = make_moderator(session, app).id
    result = runner.invoke(args=["moderators", "reset-2fa", "mina"])
    link = LINK.search(result.output).group(1)
    # Someone who knows the password cannot enrol an authenticator of their own.
    assert submit_password(client, "mina").status_code == 401
    assert client.get("/mod/login/code").status_code == 302
    assert session.scalar(select(Moderator.totp_secret).where(Moderator.id == moderator_id)) \
        is None
    # The moderator opens the link, then signs in and enrols.
    assert client.get(link).status_code == 302
    assert submit_password(client, "mina").status_code == 302
    secret = session.scalar(select(Moderator.totp_secret).where(Moderator.id == moderator_id))
    assert submit_code(client, pyotp.TOTP(secret).now()).status_code == 302
    assert client.get("/mod/").status_code == 200
    # The link is spent: it opens nothing again, in this browser or another.
    assert app.test_client().get(link).status_code == 404
    assert session.scalar(select(Moderator.enrol_token_hash)) is None


def test_create_prints_a_link_and_a_new_account_cannot_enrol_without_it(client, session,
                                                                         runner):
    result = runner.invoke(args=["moderators", "create", "jun", "--password", PASSWORD])
    assert result.exit_code == 0 and LINK.search(result.output), result.output
    assert submit_password(client, "jun").status_code == 401
    assert client.get(LINK.search(result.output).group(1)).status_code == 302
    assert submit_password(client, "jun").status_code == 302


def test_a_link_for_one_moderator_does_not_enrol_another(client, session, app):
    make_moderator(session, app, username="mina", enrolled=False)
    other = make_moderator(session, app, username="jun", enrolled=False)
    assert client.get(enrolment_link(session, app, other)).status_code == 302
    assert submit_password(client, "mina").status_code == 401
    assert submit_password(client, "jun").status_code == 302


def test_an_expired_or_unknown_link_is_refused(client, session, app):
    moderator = make_moderator(session, app, enrolled=False)
    link = enrolment_link(session, app, moderator)
    session.execute(update(Moderator).values(enrol_expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert client.get(link).status_code == 404
    assert client.get("/mod/enrol/not-a-token").status_code == 404
    assert submit_password(client, "mina").status_code == 401


def test_a_link_opened_earlier_lapses_before_the_code_step(client, session, app):
    moderator = make_moderator(session, app, enrolled=False)
    assert client.get(enrolment_link(session, app, moderator)).status_code == 302
    assert submit_password(client, "mina").status_code == 302
    session.execute(update(Moderator).values(enrol_expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    assert client.get("/mod/login/code").status_code == 302
    assert session.scalar(select(Moderator.totp_confirmed_at)) is None


def test_sign_out_everywhere_is_audited_with_the_count(client, session, app):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    sign_out(client, everywhere=True)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "logout"))
    assert event.details == {"everywhere": True, "sessions": 1}
