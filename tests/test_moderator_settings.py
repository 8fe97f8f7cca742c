"""A moderator's own settings: tip texts behind a content note, a password change that signs
out the other devices, their own audit entries, and how long they have been signed in."""

import re
import time

import pyotp
from sqlalchemy import select

from mapapp.models import AuditEvent, Moderator
from tests.helpers import csrf_token
from tests.moderation_helpers import (
    PASSWORD,
    signed_in_as,
    submit_password,
)
from tests.test_moderation_review import add_tip, school

NEW_PASSWORD = "a much longer new passphrase"


def next_code(session, moderator):
    """A code of the next time step (the current one was spent signing in)."""
    secret = session.scalar(select(Moderator.totp_secret).where(Moderator.id == moderator.id))
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_tip_texts_are_folded_behind_a_content_note_unless_chosen(app, session):
    client, _moderator = signed_in_as(app, session, "yuna")
    inst = school(session)
    add_tip(session, inst, description="단체방에 합성 사진이 올라왔습니다")
    page = client.get(f"/mod/institutions/{inst}?lang=en").get_data(as_text=True)
    folded = re.search(r'<details class="content-note" ?>\s*<summary>Content note', page)
    assert folded and "단체방에 합성 사진이 올라왔습니다" in page
    settings = client.get("/mod/settings?lang=en")
    assert settings.status_code == 200
    token = csrf_token(settings.get_data(as_text=True))
    saved = client.post("/mod/settings", data={"csrf_token": token, "action": "settings",
                                               "show_tip_text": "y"})
    assert saved.status_code == 302
    page = client.get(f"/mod/institutions/{inst}?lang=en").get_data(as_text=True)
    assert re.search(r'<details class="content-note" open>', page)
    assert session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == "moderator.settings")) == {
            "show_tip_text": True, "notify_email": False, "digest_hours": 0, "alerts": False}


def change_password(client, **fields):
    token = csrf_token(client.get("/mod/settings").get_data(as_text=True))
    return client.post("/mod/settings/password?lang=en", data={"csrf_token": token, **fields})


def test_a_password_change_needs_the_password_and_a_code_and_signs_out_other_devices(
        app, session):
    here, moderator = signed_in_as(app, session, "jiho")
    elsewhere = app.test_client()
    sign_in_again = submit_password(elsewhere, "jiho")
    assert sign_in_again.status_code == 302
    secret = session.scalar(select(Moderator.totp_secret).where(Moderator.id == moderator.id))
    assert elsewhere.post("/mod/login/code", data={
        "csrf_token": csrf_token(elsewhere.get("/mod/login/code").get_data(as_text=True)),
        "code": pyotp.TOTP(secret).at(time.time() + 30)}).status_code == 302
    assert elsewhere.get("/mod/").status_code == 200

    good = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
            "repeat": NEW_PASSWORD}
    for wrong in ({"current_password": "not the password"}, {"code": "000000"}):
        answer = change_password(here, **{**good, "code": next_code(session, moderator),
                                          **wrong})
        assert answer.status_code == 400
        assert "The current password or the code is wrong" in answer.get_data(as_text=True)
    short = change_password(here, **{**good, "new_password": "short", "repeat": "short",
                                     "code": "123456"})
    assert short.status_code == 400
    differ = change_password(here, **{**good, "repeat": NEW_PASSWORD + "!", "code": "123456"})
    assert differ.status_code == 400
    assert session.scalar(select(Moderator.password_hash).where(
        Moderator.id == moderator.id)) == moderator.password_hash  # unchanged so far

    # Codes up to a step ahead were spent signing in (replay protection); start afresh.
    session.execute(Moderator.__table__.update().where(Moderator.id == moderator.id)
                    .values(totp_last_step=None))
    session.commit()
    done = change_password(here, **good, code=pyotp.TOTP(secret).now())
    assert done.status_code == 302
    assert here.get("/mod/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/mod/").status_code == 302  # the other one is signed out
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "moderator.change_password"))
    assert event.details == {"sessions": 1} and event.actor_id == moderator.id
    fresh = app.test_client()
    assert submit_password(fresh, "jiho", NEW_PASSWORD).status_code == 302
    assert submit_password(app.test_client(), "jiho", PASSWORD).status_code != 302


def test_password_change_attempts_are_limited(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_LIMIT", "2 per 15 minutes")
    here, moderator = signed_in_as(app, session, "dana")
    bad = {"current_password": "wrong wrong wrong", "code": "000000",
           "new_password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    assert [change_password(here, **bad).status_code for _ in range(3)] == [400, 400, 429]


def test_moderators_see_their_own_audit_entries_and_admins_all(app, session):
    mod_a, a = signed_in_as(app, session, "moda")
    mod_b, b = signed_in_as(app, session, "modb")
    admin, _admin = signed_in_as(app, session, "boss", role="admin")
    own = mod_a.get("/mod/audit?lang=en&actor=modb").get_data(as_text=True)
    assert "Your actions" in own
    assert "moda" in own and "modb" not in own.split("<h1>", 1)[1]
    everyone = admin.get("/mod/audit?lang=en").get_data(as_text=True)
    assert "moda" in everyone and "modb" in everyone and "Audit log" in everyone
    assert "modb" not in admin.get("/mod/audit?actor=moda").get_data(as_text=True).split(
        "<tbody>", 1)[1]


def test_the_home_page_says_how_long_the_moderator_has_been_signed_in(app, session):
    client, _moderator = signed_in_as(app, session, "sora")
    html = client.get("/mod/?lang=en").get_data(as_text=True)
    assert "You have been signed in for 0 minutes." in html
    with client.session_transaction() as cookie:
        cookie["login_at"] = time.time() - 100 * 60
    html = client.get("/mod/?lang=en").get_data(as_text=True)
    assert "You have been signed in for 100 minutes." in html and "take a break" in html
