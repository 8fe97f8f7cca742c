"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

A browser where a moderator has signed in before carries a signed cookie naming that moderator.
Its attempts count only against its own allowance; everyone else's attempts on that username
count together against the "untrusted clients" allowance. A stranger's thousand guesses then
lock out strangers, never the moderator on their own device, and guessing stays cut off.
"""

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "mapapp_device"
DAYS = 180


def _signer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="moderator-device")


def trusted_device(moderator):
    """Return this browser's device id if its cookie names this moderator, else None."""
    if moderator is None:
        return None
    try:
        value = _signer().loads(request.cookies.get(COOKIE, ""), max_age=DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("m") != moderator.id:
        return None
    device = value.get("d")
    return device if isinstance(device, str) and len(device) == 22 else None


def remember_device(response, moderator, device=None):
    """Give the browser a device cookie for this moderator (keeping its id if it had one)."""
    value = _signer().dumps({"m": moderator.id, "d": device or secrets.token_urlsafe(16)})
    response.set_cookie(COOKIE, value, max_age=DAYS * 86400, path="/mod/", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Strict")
    return response
