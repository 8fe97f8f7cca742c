"""Moderator passwords (argon2id) and TOTP codes (with replay protection)."""

import hmac
import io
import time
from functools import lru_cache

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from markupsafe import Markup

MIN_PASSWORD = 12
ISSUER = "deepfake-map"


def password_hasher():
    """Return the argon2id hasher for passwords (library defaults unless configured)."""
    return PasswordHasher(**current_app.config["PASSWORD_ARGON2"])


def hash_password(password):
    """Return the argon2id hash of a password."""
    return password_hasher().hash(password)


def check_password(moderator, password):
    """Tell whether the password is right; as slow when the account does not exist."""
    stored = moderator.password_hash if moderator else _dummy_hash(
        tuple(sorted(current_app.config["PASSWORD_ARGON2"].items())))
    try:
        return password_hasher().verify(stored, password) and moderator is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(params):
    return PasswordHasher(**dict(params)).hash("not a password of anyone")


def new_totp_secret():
    """Return a new base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(moderator):
    """Return the otpauth:// URI an authenticator app reads."""
    return pyotp.TOTP(moderator.totp_secret).provisioning_uri(name=moderator.username,
                                                              issuer_name=ISSUER)


def qr_svg(uri):
    """Draw the URI as an inline SVG QR code (made here; no third-party service)."""
    out = io.BytesIO()
    segno.make(uri, micro=False).save(out, kind="svg", scale=5, xmldecl=False,
                                      svgclass="qr", lineclass=None, title="TOTP")
    return Markup(out.getvalue().decode())


def accept_totp(moderator, code, now=None):
    """Check a 6-digit code (±30 s); refuse one whose time step was used already.

    On success the step is recorded on the moderator (the caller commits).
    """
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not moderator.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(moderator.totp_secret)
    now = time.time() if now is None else now
    current = totp.timecode(int(now))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if moderator.totp_last_step is not None and step <= moderator.totp_last_step:
                return False  # replayed (or older than one already used)
            moderator.totp_last_step = step
            return True
    return False
