"""Making moderators and signing them in, as the tests need."""

import pyotp
from sqlalchemy import select

from mapapp.models import Moderator, utcnow
from moderation.accounts import hash_password
from tests.helpers import csrf_token

PASSWORD = "correct horse battery staple"


def make_moderator(session, app, username="mina", role="moderator", enrolled=True, active=True):
    """Add a moderator (with a confirmed authenticator unless enrolled=False)."""
    with app.app_context():
        hashed = hash_password(PASSWORD)
    moderator = Moderator(username=username, role=role, password_hash=hashed, active=active,
                          totp_secret=pyotp.random_base32() if enrolled else None,
                          totp_confirmed_at=utcnow() if enrolled else None)
    session.add(moderator)
    session.commit()
    return moderator


def enrolment_link(session, app, moderator):
    """Issue a one-time set-up link for the moderator, as `flask moderators reset-2fa` does;
    return its path."""
    from moderation import sessions

    with app.app_context():  # leaving it removes the session: commit inside
        token = sessions.issue_enrolment(session.get(Moderator, moderator.id))
        session.commit()
    return f"/mod/enrol/{token}"


def add_unenrolled(db_session, username, role="moderator"):
    """Add a moderator as `flask moderators create` does (inside an app context); return the
    path of the one-time set-up link printed for them."""
    from moderation import sessions

    moderator = Moderator(username=username, role=role, password_hash=hash_password(PASSWORD))
    db_session.add(moderator)
    return f"/mod/enrol/{sessions.issue_enrolment(moderator)}"


def submit_password(client, username, password=PASSWORD, environ=None):
    """Post the first sign-in step."""
    token = csrf_token(client.get("/mod/login").get_data(as_text=True))
    return client.post("/mod/login", data={"csrf_token": token, "username": username,
                                           "password": password}, environ_base=environ or {})


def submit_code(client, code):
    """Post the second sign-in step."""
    token = csrf_token(client.get("/mod/login/code").get_data(as_text=True))
    return client.post("/mod/login/code", data={"csrf_token": token, "code": code})


def sign_in(client, session, moderator):
    """Sign a moderator in with password and a fresh TOTP code; return the code used."""
    assert submit_password(client, moderator.username).status_code == 302
    secret = session.scalar(select(Moderator.totp_secret).where(Moderator.id == moderator.id))
    code = pyotp.TOTP(secret).now()
    answer = submit_code(client, code)
    assert answer.status_code == 302 and answer.location.endswith("/mod/"), answer.status_code
    return code


def signed_in_as(app, session, name, role="moderator"):
    """A new moderator, signed in on a client of their own; return (client, moderator)."""
    client = app.test_client()
    moderator = make_moderator(session, app, username=name, role=role)
    sign_in(client, session, moderator)
    return client, moderator


def post_form(client, path, **fields):
    """POST a moderator's form with a fresh CSRF token (taken from the queue page)."""
    token = csrf_token(client.get("/mod/queue").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **fields})
