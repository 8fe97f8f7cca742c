"""Notifications: a real SMTP server (aiosmtpd) and a webhook receiver on loopback. Alerts
for bursts and correction deadlines, digests at each moderator's interval; counts, regions and
links only; delivered once; SMTP down leaves moderation working, logs no address, retries."""

import hashlib
import hmac
import http.server
import json
import logging
import re
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from mapapp import create_app
from mapapp.models import AuditEvent, CorrectionRequest, Institution, Moderator, utcnow
from tests.conftest import TEST_CONFIG
from tests.helpers import csrf_token
from tests.moderation_helpers import make_moderator, sign_in
from tests.services import free_port
from tests.test_moderation_review import add_tip

ROOT = Path(__file__).resolve().parent.parent
SECRET_TEXT = "SECRET-TIP-TEXT 피해 학생 이름"
WEBHOOK_SECRET = "webhook-secret-for-tests"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"

    def texts(self, to):
        """The decoded bodies (and subjects) of the messages sent to `to`."""
        found = []
        for rcpt, content in self.messages:
            if to in rcpt:
                message = message_from_bytes(content, policy=email_policy)
                found.append(message["Subject"] + "\n" + message.get_content())
        return found


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def webhook():
    received = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["X-Mapapp-Signature"], body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def wired(app, monkeypatch, smtp, webhook):
    """The app sending mail to the test SMTP server and alerts to the test webhook."""
    controller, inbox = smtp
    url, received = webhook
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
                       "MAIL_USE_TLS": False, "MAIL_FROM": "map@example.org",
                       "NOTIFY_WEBHOOK_URL": url, "NOTIFY_WEBHOOK_SECRET": WEBHOOK_SECRET,
                       "PUBLIC_URL": "https://map.example.org"}.items():
        monkeypatch.setitem(app.config, key, value)
    return inbox, received


def watcher(session, app, name="mina", digest_hours=0, alerts=True):
    """A moderator with an address for notifications; return their id."""
    moderator = make_moderator(session, app, username=name)
    moderator.notify_email, moderator.digest_hours = f"{name}@example.org", digest_hours
    moderator.notify_alerts = alerts
    session.commit()
    return moderator.id


def burst(session):
    """Pending tips about five institutions of one 시/군/구 (a burst), with secret text;
    return the institutions' names."""
    rows = session.execute(select(Institution.id, Institution.name_ko).where(
        Institution.sigungu_code == "36110").order_by(Institution.id).limit(5)).all()
    for institution_id, _name in rows:
        add_tip(session, institution_id, minutes_ago=5, description=SECRET_TEXT)
    return [name for _, name in rows]


def leaks(text, names):
    """What a message must never carry: tip text or a pending institution's name."""
    return [part for part in (SECRET_TEXT, "SECRET", *names) if part in text]


def test_a_burst_alerts_by_mail_and_webhook_once(app, session, runner, wired):
    inbox, received = wired
    watcher(session, app)
    watcher(session, app, name="quiet", alerts=False)
    names = burst(session)
    out = runner.invoke(args=["notify"])
    assert out.exit_code == 0 and "e-mail on" in out.output, out.output
    mails = inbox.texts("mina@example.org")
    assert len(mails) == 1 and "Burst of tips" in mails[0]
    assert "https://map.example.org/mod/queue?flag=burst" in mails[0]
    assert "세종" in mails[0] and leaks(mails[0], names) == []
    assert inbox.texts("quiet@example.org") == []  # did not ask for alerts
    (signature, body), = received
    expected = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["kind"] == "burst" and leaks(payload["text"], names) == []
    runner.invoke(args=["notify"])  # nothing new: nothing again
    assert len(inbox.messages) == 1 and len(received) == 1


def test_a_digest_has_counts_and_links_and_comes_at_its_interval(app, session, runner,
                                                                 wired):
    inbox, _received = wired
    moderator_id = watcher(session, app, digest_hours=4, alerts=False)
    names = burst(session)
    runner.invoke(args=["notify"])
    digest, = inbox.texts("mina@example.org")
    assert "5 pending tips in 5 cases" in digest and "세종특별자치시: 5" in digest
    assert "https://map.example.org/mod/queue" in digest and leaks(digest, names) == []
    runner.invoke(args=["notify"])
    assert len(inbox.texts("mina@example.org")) == 1  # not before 4 hours
    row = session.get(Moderator, moderator_id)
    row.last_digest_at = utcnow() - timedelta(hours=4, minutes=1)
    session.commit()
    runner.invoke(args=["notify"])
    assert len(inbox.texts("mina@example.org")) == 2


def test_a_near_correction_deadline_alerts(app, session, runner, wired, incidents):
    inbox, received = wired
    watcher(session, app)
    hours = app.config["CORRECTION_TRIAGE_HOURS"]
    session.add(CorrectionRequest(incident_id=incidents["sejong"], body="틀렸습니다 " * 5,
                                  created_at=utcnow() - timedelta(hours=hours - 2)))
    session.commit()
    runner.invoke(args=["notify"])
    mail, = inbox.texts("mina@example.org")
    assert "about 1 hours" in mail or "about 2 hours" in mail
    assert "https://map.example.org/mod/corrections" in mail
    assert json.loads(received[0][1])["kind"] == "deadline"


def test_smtp_down_keeps_moderation_working_logs_no_address_and_retries(
        app, session, runner, wired, monkeypatch, smtp, caplog):
    inbox, _received = wired
    controller, _ = smtp
    moderator_id = watcher(session, app)
    burst(session)
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "NOTIFY_WEBHOOK_URL", "")
    with caplog.at_level(logging.WARNING):
        out = runner.invoke(args=["notify"])
    assert out.exit_code == 0 and out.output.startswith("0 notifications sent")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "mail delivery failed" in logged
    assert "@" not in logged and not re.search(r"\d+\.\d+\.\d+\.\d+", logged)
    client = app.test_client()
    sign_in(client, session, session.get(Moderator, moderator_id))
    assert client.get("/mod/queue").status_code == 200  # moderation goes on
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)  # the server is back
    runner.invoke(args=["notify"])
    assert len(inbox.texts("mina@example.org")) == 1  # retried and delivered


def test_without_a_mail_server_nothing_is_sent_and_the_pages_say_so(app, session, runner):
    client = app.test_client()
    moderator = make_moderator(session, app, username="nomail")
    sign_in(client, session, moderator)
    assert "e-mail off" in runner.invoke(args=["notify"]).output
    assert 'data-testid="mail-off"' in client.get("/mod/").get_data(as_text=True)
    assert 'data-testid="mail-off"' in client.get("/mod/settings").get_data(as_text=True)


def test_moderators_choose_their_notifications(app, session):
    client = app.test_client()
    moderator = make_moderator(session, app, username="hana")
    sign_in(client, session, moderator)
    token = csrf_token(client.get("/mod/settings").get_data(as_text=True))
    bad = client.post("/mod/settings?lang=en", data={
        "csrf_token": token, "action": "settings", "notify_email": "not an address",
        "digest_hours": "24"})
    assert bad.status_code == 400 and 'value="not an address"' in bad.get_data(as_text=True)
    good = client.post("/mod/settings", data={
        "csrf_token": token, "action": "settings", "notify_email": "hana@example.org",
        "digest_hours": "24", "notify_alerts": "y"})
    assert good.status_code == 302
    row = session.get(Moderator, moderator.id)
    session.refresh(row)
    assert (row.notify_email, row.digest_hours, row.notify_alerts) == (
        "hana@example.org", 24, True)
    event = session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "moderator.settings")).all()[-1]
    assert event["notify_email"] is True and "hana@" not in json.dumps(event)  # not logged


def test_a_webhook_needs_its_secret():
    with pytest.raises(RuntimeError, match="NOTIFY_WEBHOOK_SECRET"):
        create_app({**TEST_CONFIG, "NOTIFY_WEBHOOK_URL": "https://chat.example/hook"})


def test_the_timer_runs_flask_notify_every_five_minutes():
    unit = (ROOT / "deploy" / "mapapp-notify.service").read_text()
    assert re.search(r"^ExecStart=/srv/mapapp/\.venv/bin/flask notify$", unit, re.M)
    timer = (ROOT / "deploy" / "mapapp-notify.timer").read_text()
    assert re.search(r"^OnUnitActiveSec=5min$", timer, re.M)
    assert re.search(r"^Unit=mapapp-notify\.service$", timer, re.M)
