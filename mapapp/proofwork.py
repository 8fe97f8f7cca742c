"""Proof of work on the tip and correction forms (ALTCHA), so that many people behind one
address (a school's Wi-Fi, a carrier's NAT, a Tor exit) can each send a tip.

The tipster's browser finds a counter whose PBKDF2 key the server chose (ALTCHA's
"deterministic" mode): the work is at most `POW_MAX_COUNTER` derivations of `POW_COST`
iterations, times a factor that grows with the recent intake. The server derives one key
when it issues a challenge and checks an HMAC when a proof comes back, so a flood of bad
proofs costs it almost nothing. A proof counts once: its digest is kept with the spent form
tokens (no link to the tip) until its challenge has long expired. Nothing here reads the
client's address; a form without a proof (JavaScript off) still goes through, under the
smaller per-address limit.
"""

import hashlib
import hmac
import math
import secrets
import threading
import time
from datetime import timedelta

import altcha
from flask import current_app, g, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from mapapp.extensions import db
from mapapp.models import Report, SpentFormToken, utcnow

ALGORITHM = "PBKDF2/SHA-256"
FIELD = "altcha"  # the form field the widget fills
LONGEST_PAYLOAD = 2000  # characters: a real payload is about 700

_intake = {"at": -math.inf, "tips": 0}
_intake_lock = threading.Lock()


def _secret(purpose):
    """A key for one purpose, derived from the app's secret key."""
    return hmac.new(current_app.secret_key.encode(), f"altcha {purpose}".encode(),
                    hashlib.sha256).digest()


def recent_tips():
    """Tips received in the last `POW_WINDOW_MINUTES`, counted at most every 10 seconds per
    process (an indexed count)."""
    now = time.monotonic()
    with _intake_lock:
        if now - _intake["at"] < current_app.config["POW_INTAKE_SECONDS"]:
            return _intake["tips"]
    since = utcnow() - timedelta(minutes=current_app.config["POW_WINDOW_MINUTES"])
    try:
        tips = db.session.scalar(select(func.count()).select_from(Report).where(
            Report.created_at >= since))
    except SQLAlchemyError:  # the database is down: keep the last count, still hand out work
        current_app.logger.warning("proof of work: the recent intake could not be counted")
        tips = _intake["tips"]
    db.session.rollback()  # a read: end the transaction it opened
    with _intake_lock:
        _intake.update(at=now, tips=tips)
    return tips


def forget_intake():
    """Drop the cached count (tests change the intake and want to see it at once)."""
    with _intake_lock:
        _intake.update(at=-math.inf, tips=0)


def difficulty_factor(tips=None):
    """How many times the quiet-time work a challenge asks for now: 1 while the intake is
    at most `POW_QUIET_TIPS` per window, then in proportion, up to `POW_MAX_FACTOR`."""
    tips = recent_tips() if tips is None else tips
    config = current_app.config
    return max(1, min(config["POW_MAX_FACTOR"], math.ceil(tips / config["POW_QUIET_TIPS"])))


def new_challenge(factor=None):
    """Return a fresh signed challenge as the widget reads it (a dict)."""
    config = current_app.config
    factor = difficulty_factor() if factor is None else factor
    most = config["POW_MAX_COUNTER"] * factor
    challenge = altcha.create_challenge(
        algorithm=ALGORITHM, cost=config["POW_COST"], counter=1 + secrets.randbelow(most),
        # Never longer than spent proofs are remembered (with the spent form tokens).
        expires_at=int(time.time()) + min(config["POW_CHALLENGE_SECONDS"],
                                          config["WTF_CSRF_TIME_LIMIT"] or 86400),
        hmac_secret=_secret("challenge"), hmac_key_secret=_secret("key"))
    return challenge.to_dict()


def _check(payload):
    """Return the digest kept for a valid, unexpired, unspent proof, else None."""
    if not payload or len(payload) > LONGEST_PAYLOAD:
        return None
    try:
        parsed = altcha.Payload.from_base64(payload)  # its algorithm and cost are signed
        good = altcha.verify_solution(parsed, _secret("challenge"),
                                      hmac_key_secret=_secret("key")).verified
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if not good:
        return None
    # One per challenge, whatever solution comes with it.
    digest = hashlib.sha256(b"altcha proof " + parsed.challenge.signature.encode()).hexdigest()
    try:
        spent = db.session.get(SpentFormToken, digest) is not None
    except SQLAlchemyError:  # the database is down: the form's own page says so, text kept
        db.session.rollback()
        return None
    return None if spent else digest


def proof():
    """The digest of this request's proof if it is good, else None (checked once a request)."""
    if "proof_digest" not in g:
        g.proof_digest = _check(request.form.get(FIELD, "")) if (
            request.method == "POST" and current_app.config["POW_ENABLED"]) else None
    return g.proof_digest


def has_proof():
    """Tell whether this request carries a good proof of work (for the limiter)."""
    return proof() is not None


def spend(session):
    """Record this request's proof as used, in the caller's write transaction (a second use
    of the same challenge then fails on the primary key)."""
    digest = proof()
    if digest is not None:
        session.add(SpentFormToken(token_hash=digest))
