"""Receipt codes: shown once to the tipster, stored only as a salted argon2id hash."""

import secrets
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from mapapp.models import Incident, Report

DIGITS = 16
LOOKUP_DIGITS = 8  # stored in clear to find the row; the whole code is what the hash covers


def new_code():
    """Return 16 random digits."""
    return "".join(secrets.choice("0123456789") for _ in range(DIGITS))


def grouped(code):
    """Return the code in groups of four for reading aloud and copying: 1234-5678-…"""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise(text):
    """Return the digits of what the holder typed, or None if it is not a receipt code.

    Full-width digits (１２３４, as some Korean keyboards type them) count as the same digits;
    superscripts and other digit-like signs do not count at all.
    """
    digits = "".join(str(unicodedata.decimal(ch)) for ch in (text or "") if ch.isdecimal())
    return digits if len(digits) == DIGITS else None


def hasher():
    """Return the argon2id hasher with the configured cost (see docs/benchmarks.md)."""
    return PasswordHasher(**current_app.config["RECEIPT_ARGON2"])


def new_receipt():
    """Return (code, lookup, hash) for a new tip. The slow hash needs no database."""
    code = new_code()
    return code, code[:LOOKUP_DIGITS], hasher().hash(code)


def lookup_taken(session, lookup, model=Report):
    """Tell whether another row (a tip, or a correction request) already uses this lookup
    (1 in 10^8 per row)."""
    return session.scalar(select(model.id).where(model.receipt_lookup == lookup)) is not None


def find(session, code, model=Report):
    """Return the row the code belongs to, or None (same work whether or not it exists)."""
    report = session.scalar(select(model).where(model.receipt_lookup == code[:LOOKUP_DIGITS]))
    params = tuple(sorted(current_app.config["RECEIPT_ARGON2"].items()))
    stored = report.receipt_hash if report else _dummy_hash(params)
    try:
        hasher().verify(stored, code)
    except (VerificationError, InvalidHashError):
        return None
    return report


@lru_cache(maxsize=4)
def _dummy_hash(params):
    """A hash to verify against when no row matches, so timing does not tell."""
    return PasswordHasher(**dict(params)).hash(new_code())


# What the holder sees: received, under review, published, not published.
def public_status(session, report):
    """Map a tip's internal state to the four answers a tipster gets."""
    if report.status in ("rejected", "spam"):
        return "not_published"
    if report.status in ("approved", "merged") and report.incident_id:
        incident_status = session.scalar(select(Incident.status)
                                         .where(Incident.id == report.incident_id))
        return "published" if incident_status == "published" else "under_review"
    if report.status == "approved" or report.locked_by_id:
        return "under_review"
    return "received"
