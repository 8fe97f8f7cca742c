"""Response headers, CSP nonces and the privacy-preserving rate-limit key.

This is the only module that reads the client's address, and it only ever turns it into an
HMAC whose key lives in memory and changes every day.
"""

import hashlib
import hmac
import logging
import re
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Made once per process; with gunicorn's preload_app every worker shares it, so the same client
# gets the same limiter key in every worker. It is never written anywhere.
_SEED = secrets.token_bytes(32)
DAY = 86400


def daily_key(now=None):
    """Return today's HMAC key, derived from the in-memory seed and the UTC day number."""
    day = int((time.time() if now is None else now) // DAY)
    return hmac.new(_SEED, str(day).encode(), hashlib.sha256).digest()


def client_fingerprint(now=None):
    """Return HMAC(client address) under today's key: the only form in which we keep it."""
    address = (request.remote_addr or "").encode()
    return hmac.new(daily_key(now), address, hashlib.sha256).hexdigest()[:32]


class DropRequestLines(logging.Filter):
    """Drop the development server's per-request lines, which start with the client address."""

    REQUEST_LINE = re.compile(r'^\S+ - - \[[^]]*\] "')

    def filter(self, record):
        """Keep the record unless it is a request line."""
        return not self.REQUEST_LINE.match(record.getMessage())


class ScrubAddresses(logging.Filter):
    """Replace IPv4 and IPv6 addresses in a log record (gunicorn logs them for bad requests)."""

    IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|"
                      r"[0-9A-Fa-f]{1,4})?")
    IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")

    def filter(self, record):
        """Rewrite the message without addresses; always keep the record."""
        message = self.IPV4.sub("[address]", self.IPV6.sub("[address]", record.getMessage()))
        record.msg, record.args = message, ()
        return True


def silence_request_logs():
    """Keep `flask run` from logging client addresses."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropRequestLines) for f in werkzeug.filters):
        werkzeug.addFilter(DropRequestLines())


def configure_login(login_manager):
    """Set Flask-Login up to keep nothing about the client's address.

    Flask-Login writes a SHA-512 of "address|user agent" (trusting X-Forwarded-For) into the
    session for its session protection, with no public switch; ours comes from short idle and
    absolute timeouts instead, so the identifier is a constant.
    """
    login_manager.session_protection = None
    login_manager._session_identifier_generator = lambda: ""


def trust_proxies(app):
    """Read the client address and scheme from our own reverse proxies' headers, and only theirs.

    With TRUSTED_PROXIES = N, the Nth X-Forwarded-For entry from the right is the client (each
    of our proxies appends one); anything a client forges to the left of it is ignored. The
    scheme comes from the nearest proxy alone (it terminates TLS; a CDN before it talks HTTPS
    to it too). With 0 (the default: no proxy) the headers are ignored altogether, so a client
    cannot pick its own rate-limit key. The address is never stored: it only feeds
    client_fingerprint().
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1)


FORM_TYPES = {"application/x-www-form-urlencoded"}
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def refuse_unexpected_bodies():
    """Every form here posts urlencoded text; refuse any other body before anything parses it.

    Runs first (before the CSRF check), so a JSON or malformed body is a 415, never a form
    rebuilt from it. Multipart is refused too: no file is ever accepted (possessing the
    material is a crime).
    """
    from flask import abort
    from flask_babel import gettext as _

    if request.method not in BODY_METHODS or request.mimetype in FORM_TYPES:
        return None
    if not request.mimetype and not request.content_length:
        return None  # an empty POST: the CSRF check refuses it with a 400
    if request.mimetype == "multipart/form-data":
        abort(415, description=_("Files cannot be sent here. Please describe what happened "
                                 "in words; never send images or videos."))
    abort(415, description=_("This address only accepts the site's own forms."))


def limiter_key():
    """Key function for Flask-Limiter."""
    return client_fingerprint()


def csp_nonce():
    """Return this request's CSP nonce, creating it on first use (kept on the request itself)."""
    nonce = request.environ.get("mapapp.csp_nonce")
    if nonce is None:
        nonce = request.environ["mapapp.csp_nonce"] = secrets.token_urlsafe(18)
    return nonce


TEMPLATE_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def content_security_policy(nonce):
    """Build the CSP: our own origin, plus the configured tile host for images only. A
    placeholder in that host (Leaflet's {s}: a.tile…, b.tile…, c.tile…) becomes the CSP's
    wildcard label (*.tile…); a tile URL on our own origin adds nothing."""
    tile = urlsplit(current_app.config["TILE_URL"])
    host = TEMPLATE_PLACEHOLDER.sub("*", tile.netloc)
    tile_origin = f"{tile.scheme}://{host}" if host else ""
    img = " ".join(part for part in ("'self'", "data:", tile_origin) if part)
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {img}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response):
    """Add the headers every response carries."""
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config["ENV_NAME"] == "production":
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    onion = current_app.config["ONION_URL"]
    if onion and is_tip_page() and not request.host.endswith(".onion"):
        # Tor Browser offers the same page on the onion service (it reads this over HTTPS).
        response.headers["Onion-Location"] = onion + request.full_path.rstrip("?")
    return response


# Where a tipster or a requester writes or follows what they sent.
TIP_PAGES = {"public.correction", "public.correction_status"}


def is_tip_page():
    """Tell whether this request is for a tip, correction or status page."""
    return request.blueprint == "reports" or request.endpoint in TIP_PAGES
