"""Helpers shared by the tests: reading CSRF tokens and sending tips like a browser."""

import re
import secrets
import time

from itsdangerous import URLSafeTimedSerializer

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html):
    """Return the CSRF token in a rendered form."""
    return TOKEN.search(html).group(1)


def started_token(app, seconds_ago=60):
    """Return a signed 'form opened at' token from `seconds_ago` seconds back."""
    signer = URLSafeTimedSerializer(app.secret_key, salt="tip-form-started")
    real = time.time
    try:
        time.time = lambda: real() - seconds_ago
        return signer.dumps(secrets.token_urlsafe(12))
    finally:
        time.time = real


def valid_tip(**changes):
    """Return the fields of a tip that passes validation, with changes applied."""
    fields = {
        "institution_id": "", "institution_text": "", "sido_code": "", "sigungu_code": "",
        "occurred_year": "2024", "occurred_month": "8", "category": "chatroom_sharing",
        "tipster_role": "witness",
        "description": "Photos of students were edited and shared in a Telegram room.",
        "source_url": "", "confirm": "y", "website": "", "action": "submit",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def send_tip(client, app, fields, seconds_ago=60, headers=None, environ=None, lang="en"):
    """Open the form, then post the fields with its CSRF token, as a browser would."""
    extra = {"headers": headers or {}, "environ_base": environ or {}}
    page = client.get("/report", **extra)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)),
            "started": started_token(app, seconds_ago), **fields}
    return client.post(f"/report?lang={lang}", data=data, **extra)


RECEIPT = re.compile(r'data-testid="receipt"><code>([\d-]+)</code>')


def receipt_code(html):
    """Return the receipt code shown on a success page."""
    match = RECEIPT.search(html)
    return match.group(1) if match else None


# The only addresses elsewhere any page links to: the support centres' own sites, in the help
# box and the footer (links a visitor may choose to open, never loaded by the page).
HELP_SITES = ("https://d4u.stop.or.kr", "https://ecrm.police.go.kr")


def links_elsewhere(html):
    """Return the hrefs of a page that leave the site, after checking each is a help site
    opened without a referrer; and that nothing is loaded from another origin."""
    assert not re.search(r'(src|srcset|action|poster|data)="(https?:)?//', html)
    assert not re.search(r'<link[^>]*href="(https?:)?//', html)
    found = re.findall(r'<a href="((?:https?:)?//[^"]*)"([^>]*)>', html)
    for href, rest in found:
        assert href in HELP_SITES and 'rel="noopener noreferrer"' in rest, href
    return [href for href, _rest in found]
