"""The small functions the trust rules rest on, at their edges: the audit chain's format, the
moderators' second factor and sessions, receipt codes and what a tipster is told, the
publication policy. Each test names the promise; `./dev bench mutation` found changes to
these functions that no test noticed before.
"""

import re
from datetime import date, datetime, timedelta

import pyotp
import pytest
import segno
from sqlalchemy import select, text

from mapapp import audit, policy
from mapapp.models import AuditEvent, Incident, Moderator, ModeratorSession, Report, utcnow
from mapapp.reports import receipts
from moderation import accounts, sessions
from tests.moderation_helpers import make_moderator
from tests.test_moderation_review import add_tip, school


@pytest.fixture
def ctx(app, session):
    with app.test_request_context("/"):
        yield


def moderator_named(app, session, name, **fields):
    make_moderator(session, app, username=name, **fields)  # ends an app context: look up again
    return session.scalar(select(Moderator).where(Moderator.username == name))


# --- the audit chain ------------------------------------------------------------------------

def a_fixed_event(details):
    return AuditEvent(created_at=datetime(2026, 1, 2, 3, 4, 5), actor_id=7, actor_name="mina",
                      action="tips.reject", target_type="report", target_id="12",
                      reason="duplicate", details=details)


def test_the_hash_covers_a_fixed_canonical_text():
    """The format is a contract: chains already written, and checkers outside this code, must
    keep verifying. Keys sorted, no spaces, Korean kept as it is."""
    event = a_fixed_event({"tips": [12], "note": "같은 제보"})
    assert audit._payload(event) == (
        '{"action":"tips.reject","actor_id":7,"actor_name":"mina",'
        '"created_at":"2026-01-02T03:04:05","details":{"note":"같은 제보","tips":[12]},'
        '"reason":"duplicate","target_id":"12","target_type":"report"}')
    assert audit.digest(audit.GENESIS, event) == \
        "b51754c01190813d844e4b0a834c26300ad11062279d38ddd586b3d984902039"
    assert audit._payload(a_fixed_event(None)).count('"details":{}') == 1


def test_an_event_names_its_actor_and_target(app, session, ctx):
    mina = moderator_named(app, session, "mina")
    tip = session.get(Report, add_tip(session, school(session)))
    event = audit.record(session, mina, "tip.reply", tip, reason="왜", extra=1)
    assert (event.actor_id, event.actor_name, event.target_type, event.target_id) == (
        mina.id, "mina", "report", str(tip.id))
    assert (event.reason, event.details) == ("왜", {"extra": 1})
    system = audit.record(session, None, "purge")
    assert (system.actor_id, system.actor_name, system.target_type, system.target_id) == (
        None, "system", None, None)
    assert system.prev_hash == event.hash and system.hash == audit.digest(event.hash, system)


def test_verify_names_a_deleted_or_edited_event(app, session, ctx):
    events = [audit.record(session, None, "step", n=n) for n in range(3)]
    session.flush()
    count, head, problems = audit.verify(session)
    assert problems == [] and head == events[-1].hash
    events[1].reason = "changed"
    session.flush()
    assert audit.verify(session)[2] == [
        f"event {events[1].id}: content does not match its hash (edited)"]
    events[1].reason = None
    session.delete(events[1])
    session.flush()
    assert audit.verify(session)[2] == [
        f"event {events[2].id}: link to the previous event is broken (an event before it was "
        "deleted or changed)"]


@pytest.mark.postgis_only
def test_appending_holds_the_chain_lock_on_postgresql(app, session, ctx):
    """Two moderators appending at once must not both chain to the same previous event."""
    audit.record(session, None, "step")
    held = session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND objid = :id AND pid = pg_backend_pid()"),
                          {"id": audit.CHAIN_LOCK})
    assert held == 1


# --- the second factor and sessions ---------------------------------------------------------

def test_a_code_is_accepted_one_step_either_side_and_no_further(app, session, ctx):
    now = 1_800_000_000
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        mina = Moderator(username="x", password_hash="x", totp_secret=pyotp.random_base32())
        code = pyotp.TOTP(mina.totp_secret).at(now + offset * 30)
        assert accounts.accept_totp(mina, code, now=now) is accepted, offset


def test_codes_of_the_wrong_length_or_without_a_secret_are_refused(app, session, ctx):
    now = 1_800_000_000
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(now)
    mina = Moderator(username="x", password_hash="x", totp_secret=secret)
    assert not accounts.accept_totp(mina, code[:5], now=now)
    assert not accounts.accept_totp(mina, code + "0", now=now)
    assert not accounts.accept_totp(mina, None, now=now)
    assert not accounts.accept_totp(Moderator(username="y", password_hash="x"), code, now=now)
    assert accounts.accept_totp(mina, f" {code[:3]} {code[3:]} ", now=now)  # spaces are fine


def test_the_authenticator_link_and_its_qr_code(app, session, ctx):
    mina = Moderator(username="mina", password_hash="x", totp_secret=pyotp.random_base32())
    uri = accounts.provisioning_uri(mina)
    assert uri.startswith(f"otpauth://totp/{accounts.ISSUER}:mina?")
    assert f"secret={mina.totp_secret}" in uri and f"issuer={accounts.ISSUER}" in uri
    svg = str(accounts.qr_svg(uri))
    width = segno.make(uri, micro=False).symbol_size(scale=5)[0]
    assert svg.startswith("<svg") and not svg.startswith("<?xml")
    assert f'width="{width}"' in svg and 'class="qr"' in svg
    assert "<title>TOTP</title>" in svg and "qrline" not in svg


def test_a_session_is_live_only_for_its_own_token(app, session, ctx):
    mina, noor = moderator_named(app, session, "mina"), moderator_named(app, session, "noor")
    token = sessions.start(session, mina)
    session.flush()
    assert len(token) == 43  # 32 random bytes
    assert sessions.is_live(session, mina.id, token)
    assert not sessions.is_live(session, noor.id, token)
    for wrong in (None, "", 12345, token[:-1]):
        assert not sessions.is_live(session, mina.id, wrong)
    sessions.end(session, 12345)  # not a token: nothing happens, nothing breaks
    assert sessions.is_live(session, mina.id, token)
    sessions.end(session, token)
    assert not sessions.is_live(session, mina.id, token)


def test_starting_a_session_drops_only_this_moderators_expired_ones(app, session, ctx,
                                                                    monkeypatch):
    mina, noor = moderator_named(app, session, "mina"), moderator_named(app, session, "noor")
    now = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: now)
    limit = timedelta(hours=app.config["MODERATOR_SESSION_HOURS"])
    rows = {name: ModeratorSession(moderator_id=who.id, token_hash=name, created_at=when)
            for name, who, when in (("mina-old", mina, now - limit - timedelta(seconds=1)),
                                    ("mina-edge", mina, now - limit),
                                    ("mina-new", mina, now - timedelta(hours=1)),
                                    ("noor-old", noor, now - limit - timedelta(hours=1)))}
    session.add_all(rows.values())
    session.flush()
    sessions.start(session, mina)
    session.flush()
    left = set(session.scalars(select(ModeratorSession.token_hash)))
    assert {"mina-edge", "mina-new", "noor-old"} <= left and "mina-old" not in left


def test_an_enrolment_link_lapses_and_needs_an_active_account(app, session, ctx, monkeypatch):
    mina = moderator_named(app, session, "mina")
    token = sessions.issue_enrolment(mina)
    session.flush()
    assert len(token) == 43
    assert sessions.enrolment_holder(session, token) is mina
    assert sessions.may_enrol(mina, token)
    for wrong in (None, "", 12345):
        assert sessions.enrolment_holder(session, wrong) is None
        assert not sessions.may_enrol(mina, wrong)
    monkeypatch.setattr(sessions, "utcnow", lambda: mina.enrol_expires_at)  # its last moment
    assert sessions.enrolment_holder(session, token) is None
    assert not sessions.may_enrol(mina, token)
    monkeypatch.undo()
    mina.active = False
    session.flush()
    assert sessions.enrolment_holder(session, token) is None


# --- receipts -------------------------------------------------------------------------------

def test_a_receipt_code_is_sixteen_digits_however_typed():
    assert receipts.normalise("1234-5678 9012 3456") == "1234567890123456"
    assert receipts.normalise("１２３４５６７８９０１２３４５６") == "1234567890123456"
    for wrong in ("123456789012345", "12345678901234567", "", None, "²" * 16):
        assert receipts.normalise(wrong) is None


def test_a_lookup_is_taken_only_by_a_row_that_has_it(app, session, ctx):
    tip = session.get(Report, add_tip(session, school(session)))
    assert receipts.lookup_taken(session, tip.receipt_lookup)
    assert not receipts.lookup_taken(session, "99999999")


@pytest.mark.parametrize("status, locked, incident_status, answer", [
    ("pending", False, None, "received"),
    ("pending", True, None, "under_review"),
    ("pending", False, "published", "received"),  # only a decision ties a tip to a page
    ("approved", False, None, "under_review"),
    ("approved", False, "draft", "under_review"),
    ("approved", False, "published", "published"),
    ("merged", False, "published", "published"),
    ("merged", False, "hidden", "under_review"),
    ("rejected", False, None, "not_published"),
    ("spam", False, None, "not_published"),
])
def test_what_a_tipster_is_told(app, session, ctx, status, locked, incident_status, answer):
    mina = moderator_named(app, session, "mina")
    institution = school(session)
    tip = session.get(Report, add_tip(session, institution))
    if incident_status:
        incident = Incident(institution_id=institution, status=incident_status,
                            first_reported_month=date(2024, 8, 1),
                            last_reported_month=date(2024, 8, 1))
        session.add(incident)
        session.flush()
        tip.incident_id = incident.id
    tip.status = status
    tip.locked_by_id = mina.id if locked else None
    session.flush()
    assert receipts.public_status(session, tip) == answer


# --- the publication policy -----------------------------------------------------------------

def test_an_unknown_exposure_counts_only(app, monkeypatch, ctx):
    monkeypatch.setitem(app.config, "PUBLICATION_POLICY",
                        {"tips_only": "everything", "media_reported": "named"})
    assert policy.policy() == {"tips_only": "counted", "media_reported": "named",
                               "officially_confirmed": "counted"}
    assert policy.named_levels() == ("media_reported",)
    assert re.search(r"\bIN\b", str(policy.named_clause()))


# --- counted guesses (sign-in, receipt look-ups) --------------------------------------------

def test_an_attempt_given_back_is_no_longer_counted(app, ctx):
    from limits import parse

    from mapapp import attempts
    from mapapp.extensions import limiter

    limiter.reset()
    key = "given-back"
    first = attempts.take("2/minute", key)
    assert attempts.take("2/minute", key) is not None
    assert attempts.take("2/minute", key) is None  # spent: this one is not counted either
    first.give_back()
    assert first.taken == []
    stats = limiter.limiter.get_window_stats(parse("2/minute"), attempts.NAMESPACE, key)
    assert stats.remaining == 1
    assert attempts.take("2/minute", key) is not None


def test_attempts_are_counted_in_memory_while_the_store_is_down(app, ctx, monkeypatch, caplog):
    from mapapp import attempts
    from mapapp.extensions import limiter

    class Down:
        def hit(self, *_args):
            raise ConnectionError("store unreachable")

    limiter.reset()
    monkeypatch.setattr(attempts, "_strategy", lambda: Down())
    monkeypatch.setattr(limiter, "_storage_dead", False)
    key = "store-down"
    assert attempts.take("2/minute", key) is not None
    assert limiter._storage_dead is True
    assert "rate-limit storage unreachable: counting attempts in memory" in [
        r.getMessage() for r in caplog.records]
    assert attempts.take("2/minute", key) is not None
    assert attempts.take("2/minute", key) is None  # the fallback counts per key too
    assert attempts.take("2/minute", "another key") is not None
    monkeypatch.setitem(app.config, "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False)
    with pytest.raises(ConnectionError):
        attempts.take("2/minute", key)


def test_a_count_that_cannot_be_given_back_is_logged(app, ctx, caplog):
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    from mapapp import attempts

    class Gone:
        def incr(self, *_args, **_kwargs):
            raise ConnectionError("store unreachable")

    strategy = FixedWindowRateLimiter.__new__(FixedWindowRateLimiter)
    strategy.storage = Gone()
    ticket = attempts.Ticket(taken=[(strategy, parse("2/minute"), "k")])
    ticket.give_back()
    assert [r.getMessage() for r in caplog.records] == ["could not give an attempt back"]
    assert ticket.taken == []


# --- addresses: never kept, never logged ----------------------------------------------------

def test_the_limiter_key_is_a_short_keyed_hash_of_the_address(app):
    from mapapp import security

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        key = security.limiter_key()
        assert re.fullmatch(r"[0-9a-f]{32}", key) and "203" not in key
        assert key == security.client_fingerprint()


def test_log_lines_lose_their_addresses_and_request_lines_are_dropped():
    import logging

    from mapapp.security import DropRequestLines, ScrubAddresses

    def record(message, *args):
        return logging.LogRecord("x", logging.INFO, __file__, 1, message, args, None)

    scrubbed = record("bad request from %s and %s", "198.51.100.7", "2001:db8::1")
    assert ScrubAddresses().filter(scrubbed) is True  # kept, rewritten
    assert scrubbed.getMessage() == "bad request from [address] and [address]"
    request_line = record('127.0.0.1 - - [06/Dec/2026 10:00:00] "GET / HTTP/1.1" 200 -')
    assert DropRequestLines().filter(request_line) is False
    assert DropRequestLines().filter(record("Running on http://127.0.0.1:5000")) is True


def test_request_lines_are_silenced_once_however_many_apps_start(app):
    import logging

    from mapapp.security import DropRequestLines, silence_request_logs

    werkzeug = logging.getLogger("werkzeug")
    for old in [f for f in werkzeug.filters if isinstance(f, DropRequestLines)]:
        werkzeug.removeFilter(old)  # as in a new process
    silence_request_logs()
    silence_request_logs()
    assert sum(isinstance(f, DropRequestLines) for f in werkzeug.filters) == 1


def test_behind_a_trusted_proxy_the_scheme_comes_from_it(database_url):
    from flask import request

    from mapapp import create_app
    from tests.conftest import TEST_CONFIG

    proxied = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                          "TRUSTED_PROXIES": 1})
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    seen = {}

    @proxied.get("/__probe")
    def probe():
        seen.update(scheme=request.scheme, address=request.remote_addr)
        return ""

    proxied.test_client().get("/__probe", headers=headers,
                              environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == {"scheme": "https", "address": "198.51.100.7"}
