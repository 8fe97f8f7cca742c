"""Admins manage accounts in the browser: a reset forgets the password and the authenticator,
ends every session at once and gives a one-time link shown once; a deactivation ends every
session at once; nobody but an admin gets there, and no admin can lock themselves out."""

import re

import pyotp
from sqlalchemy import select

from mapapp.models import AuditEvent, Moderator
from moderation.admin_accounts import RESET
from tests.helpers import csrf_token
from tests.moderation_helpers import (
    PASSWORD,
    post_form,
    signed_in_as,
    submit_password,
)

NEW_PASSWORD = "a new passphrase for mina"


def test_only_admins_see_the_accounts(app, session):
    admin, _ = signed_in_as(app, session, "boss", role="admin")
    mod, mina = signed_in_as(app, session, "mina")
    page = admin.get("/mod/accounts?lang=en").get_data(as_text=True)
    assert 'data-moderator="mina"' in page and "1 devices" in page
    assert mod.get("/mod/accounts").status_code == 403
    _, other = signed_in_as(app, session, "jun")
    for action in ("reset", "deactivate"):  # another moderator's account, not their own
        assert post_form(mod, f"/mod/accounts/{other.id}/{action}").status_code == 403
    assert "Accounts" not in mod.get("/mod/?lang=en").get_data(as_text=True)


def test_a_reset_ends_sessions_and_the_link_sets_a_new_password_and_authenticator(app,
                                                                                   session):
    admin, boss = signed_in_as(app, session, "boss", role="admin")
    mod, mina = signed_in_as(app, session, "mina")
    answer = post_form(admin, f"/mod/accounts/{mina.id}/reset", lang="en")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("no-store")
    link = re.search(r'data-testid="link">https?://[^/]+(/mod/enrol/[^<]+)<', html).group(1)
    assert mod.get("/mod/").status_code == 302  # signed out at once
    row = session.get(Moderator, mina.id)
    session.refresh(row)
    assert row.password_hash == RESET and row.totp_secret is None
    assert submit_password(app.test_client(), "mina", PASSWORD).status_code != 302
    assert session.scalar(select(AuditEvent.actor_name).where(
        AuditEvent.action == "moderator.reset")) == "boss"

    # The moderator opens the link: a new password first, then the authenticator.
    browser = app.test_client()
    page = browser.get(link + "?lang=en")
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    short = browser.post(link, data={"csrf_token": token, "new_password": "short",
                                     "repeat": "short"})
    assert short.status_code == 400
    chosen = browser.post(link, data={"csrf_token": token, "new_password": NEW_PASSWORD,
                                      "repeat": NEW_PASSWORD})
    assert chosen.status_code == 302 and "enrol=1" in chosen.location
    assert submit_password(browser, "mina", NEW_PASSWORD).status_code == 302
    code_page = browser.get("/mod/login/code").get_data(as_text=True)
    secret = re.search(r'data-testid="secret"[^>]*>([A-Z2-7]+)<', code_page).group(1)
    token = csrf_token(code_page)
    done = browser.post("/mod/login/code", data={"csrf_token": token,
                                                 "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.location.endswith("/mod/")
    assert browser.get("/mod/").status_code == 200
    assert app.test_client().get(link).status_code == 404  # the link worked once


def test_a_deactivation_ends_every_session_at_once(app, session):
    admin, _ = signed_in_as(app, session, "boss", role="admin")
    mod, mina = signed_in_as(app, session, "mina")
    assert post_form(admin, f"/mod/accounts/{mina.id}/deactivate", reason="떠남").status_code == 302
    assert mod.get("/mod/").status_code == 302
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "moderator.deactivate"))
    assert (event.actor_name, event.reason, event.details) == ("boss", "떠남", {"sessions": 1})


def test_an_admin_cannot_reset_or_deactivate_themselves(app, session):
    admin, boss = signed_in_as(app, session, "boss", role="admin")
    for action in ("reset", "deactivate"):
        assert post_form(admin, f"/mod/accounts/{boss.id}/{action}").status_code == 403
    assert admin.get("/mod/").status_code == 200
