"""Configuration in layers: defaults, the instance file, then MAPAPP_* environment variables."""

import os
import re
import secrets
from pathlib import Path

# Values that must never be used as a production secret.
KNOWN_BAD_SECRETS = {"", "dev", "changeme", "secret", "change-me", "development"}
ONION_URL = re.compile(r"http://[a-z2-7]{56}\.onion")  # a v3 onion service's origin


class Defaults:
    """Safe defaults for local development; production overrides them through the environment."""

    ENV_NAME = "development"  # "development", "testing" or "production"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # default: SpatiaLite file in the instance folder
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_RECORD_QUERIES = False
    REDIS_URL = None
    # The site's own origin for absolute links (feed, enrolment links); never the request's
    # Host. Required in production.
    PUBLIC_URL = "http://127.0.0.1:5000"
    TRUSTED_PROXIES = 0  # reverse proxies in front of gunicorn whose X-Forwarded-* we believe
    RATELIMIT_STORAGE_URI = "memory://"
    MAX_CONTENT_LENGTH = 64 * 1024  # tips are text; nothing large is ever accepted
    BABEL_DEFAULT_LOCALE = "ko"
    LANGUAGES = ("ko", "en")
    TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_ATTRIBUTION = "&copy; OpenStreetMap contributors"
    RATELIMIT_HEADERS_ENABLED = True
    # A Redis outage falls back to per-process memory instead of failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    TIP_RATE_LIMIT = "5/hour;20/day"  # per client (HMAC of the address)
    TIP_GLOBAL_LIMIT = "600/minute"  # all clients together
    STATUS_RATE_LIMIT = "10/hour"  # receipt lookups, against guessing
    # Proof of work (mapapp/proofwork.py, ALTCHA): a tip or correction request whose browser
    # did the work counts against a larger allowance per address, for the many people behind
    # one school network, carrier NAT or Tor exit. Without it (JavaScript off) the limits
    # above hold. The work: up to POW_MAX_COUNTER PBKDF2 derivations of POW_COST iterations
    # (0.1-0.3 s in desktop Chromium, about 0.5 s on a mid-range phone; docs/benchmarks.md),
    # times a factor of recent tips / POW_QUIET_TIPS (per POW_WINDOW_MINUTES), at most
    # POW_MAX_FACTOR (a few seconds).
    POW_ENABLED = True
    TIP_PROOF_RATE_LIMIT = "60/hour;300/day"
    CORRECTION_PROOF_RATE_LIMIT = "30/hour"
    POW_COST = 1000
    POW_MAX_COUNTER = 1000
    POW_QUIET_TIPS = 30
    POW_WINDOW_MINUTES = 10
    POW_MAX_FACTOR = 16
    POW_INTAKE_SECONDS = 10  # how often a process counts the recent tips again
    POW_CHALLENGE_SECONDS = 1800  # a challenge's life; the page fetches a new one after it
    POW_CHALLENGE_RATE_LIMIT = "600/hour"  # challenges per address (each costs one derivation)
    # The onion service's address (http://<56 letters>.onion, see deploy/torrc): clear-web tip
    # pages then send an Onion-Location header, and a refused tip names it. Empty: none.
    ONION_URL = ""
    TIP_MIN_FILL_SECONDS = 4  # a faster form is a bot; it gets a success page, nothing is stored
    # argon2id cost for receipt codes: a 16-digit random code needs less than a password, and
    # tips must be cheap enough for a surge (about 3 ms here; see docs/benchmarks.md).
    RECEIPT_ARGON2 = {"time_cost": 1, "memory_cost": 4096, "parallelism": 1}
    WTF_CSRF_TIME_LIMIT = 6 * 3600  # a frightened tipster may take a long time to write
    PASSWORD_ARGON2 = {}  # argon2-cffi defaults (argon2id, 3 passes, 64 MiB)
    MODERATOR_IDLE_MINUTES = 30
    MODERATOR_SESSION_HOURS = 12
    ENROLMENT_LINK_HOURS = 72  # a one-time link to set up an authenticator lapses after this
    # Failed sign-in attempts (counted before they are checked; a success gives its count
    # back). From a moderator's own device (a device cookie) they count per device only;
    # from anywhere else per client and per username, so strangers lock out strangers.
    LOGIN_ACCOUNT_LIMIT = "100/hour"  # on one username, from all untrusted clients together
    LOGIN_CLIENT_LIMIT = "50/hour"  # from one untrusted client (HMAC of the address)
    LOGIN_DEVICE_LIMIT = "20/hour"  # from one device the moderator signed in on before
    TOTP_LIMIT = "10 per 15 minutes"  # wrong codes after a right password, same split
    CORRECTION_RATE_LIMIT = "5/hour"
    REQUIRED_APPROVALS = 2  # four-eyes: different moderators who must approve any public change
    # What the public sees at each verification level: "named" (institution, pin, summary,
    # sources) or "counted" (a count in its 시/군/구 only). See docs/trust.md.
    PUBLICATION_POLICY = {"tips_only": "counted", "media_reported": "named",
                          "officially_confirmed": "named"}
    CORRECTION_TRIAGE_HOURS = 24  # a request nobody decided by then hides its entry
    TAKEDOWN_HIDE_DAYS = 30  # the longest a temporary measure should last (moderators see it)
    CORRECTION_MIN_LENGTH = 20  # characters of explanation a request needs
    CORRECTION_BURST_HOURS = 1  # correction requests arriving together are flagged:
    CORRECTION_BURST_TOTAL = 10  # this many in the window over all incidents,
    CORRECTION_BURST_PER_INCIDENT = 3  # or this many for one incident
    REVIEW_LOCK_MINUTES = 15  # a tip group being decided is held for its moderator this long
    # Burst flags (the 2024 Sejong pattern): many institutions in one area in a short window,
    # or many tips within minutes.
    BURST_WINDOW_HOURS = 24
    BURST_SIGUNGU_INSTITUTIONS = 5
    BURST_SIDO_INSTITUTIONS = 20
    BURST_RAPID_MINUTES = 10
    BURST_RAPID_TIPS = 10
    TIP_RETENTION_DAYS = 90
    PURGE_OVERDUE_HOURS = 25  # a daily purge later than this is reported (log, admin home)
    # Notifications to moderators (moderation/notifications.py, `flask notify`): e-mail through
    # this SMTP server (none: e-mail is off), and alerts to a chat tool's webhook, as JSON
    # signed with HMAC-SHA256 of NOTIFY_WEBHOOK_SECRET (required with a URL).
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "deepfake-map@localhost"
    NOTIFY_WEBHOOK_URL = ""
    NOTIFY_WEBHOOK_SECRET = ""
    NOTIFY_DEADLINE_HOURS = 6  # alert when a correction request's triage deadline is this near
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    SESSION_COOKIE_SECURE = True
    JSON_SORT_KEYS = False
    # The read model (mapapp/readmodel.py): bytes kept per process for public answers, for the
    # copies served while the database is down, and for rendered public pages.
    # 100k incidents: both full exports are 4.6 MB gzipped; a rendered page about 30 KB.
    READ_MODEL_BYTES = 32 * 2**20
    LAST_GOOD_BYTES = 8 * 2**20
    PAGE_CACHE_BYTES = 8 * 2**20
    # The static mirror (flask publish-static; docs/deploy.md): its folder, and whether a
    # commit that changed incidents republishes it by itself (in a background thread).
    MIRROR_DIR = None
    MIRROR_AUTO = False
    # Static files have no content hash in their names, so browsers and CDNs keep them an hour.
    SEND_FILE_MAX_AGE_DEFAULT = 3600


def load_config(app, overrides=None):
    """Fill app.config from defaults, the instance file, MAPAPP_* env vars and the given mapping."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("mapapp.cfg", silent=True)
    app.config.from_prefixed_env("MAPAPP")
    # The conventional unprefixed names win only when the prefixed ones are absent.
    for name, key in (("DATABASE_URL", "SQLALCHEMY_DATABASE_URI"), ("REDIS_URL", "REDIS_URL")):
        if os.environ.get(name) and not os.environ.get(f"MAPAPP_{key}"):
            app.config[key] = os.environ[name]
    if overrides:
        app.config.update(overrides)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        db_file = Path(app.instance_path) / "mapapp.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_file}"
    if app.config["REDIS_URL"] and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    _settle_secret_key(app)
    _settle_public_url(app)


def _settle_secret_key(app):
    """Refuse to run production on a missing or known secret; generate one in development."""
    key = app.config.get("SECRET_KEY")
    if app.config["ENV_NAME"] == "production":
        if not key or key in KNOWN_BAD_SECRETS or len(key) < 32:
            raise RuntimeError(
                "MAPAPP_SECRET_KEY must be set to a random value of at least 32 characters in "
                'production, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )
        return
    if not key:
        app.config["SECRET_KEY"] = secrets.token_hex(32)


def _settle_public_url(app):
    """Check PUBLIC_URL (production must name its own: the default is a local address) and
    ONION_URL."""
    from mapapp.urls import check_public_url

    if app.config["ENV_NAME"] == "production" and app.config["PUBLIC_URL"] == \
            Defaults.PUBLIC_URL and not os.environ.get("MAPAPP_PUBLIC_URL"):
        raise RuntimeError("MAPAPP_PUBLIC_URL must be set in production to the site's own "
                           "origin, e.g. https://deepfake-map.example")
    app.config["PUBLIC_URL"] = check_public_url(app.config["PUBLIC_URL"])
    onion = (app.config["ONION_URL"] or "").rstrip("/")
    if onion and not ONION_URL.fullmatch(onion):
        raise RuntimeError("MAPAPP_ONION_URL must be the onion service's own origin, "
                           "http://<56 letters and digits>.onion (see deploy/torrc)")
    app.config["ONION_URL"] = onion
    if app.config["NOTIFY_WEBHOOK_URL"] and len(app.config["NOTIFY_WEBHOOK_SECRET"]) < 16:
        raise RuntimeError("MAPAPP_NOTIFY_WEBHOOK_SECRET must be set (16 characters or more) "
                           "with MAPAPP_NOTIFY_WEBHOOK_URL: the receiver checks the signature")


def limits_are_shared():
    """Tell whether the rate limits count in a storage all processes share (not memory), with
    the configuration the app would load (instance file and environment)."""
    from flask import Flask

    probe = Flask("mapapp", instance_relative_config=True)
    load_config(probe)
    return not probe.config["RATELIMIT_STORAGE_URI"].startswith("memory://")
