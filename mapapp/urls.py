"""Absolute URLs from the configured public origin, never from the request's Host header.

A forged Host must not reach a cached answer (the feed's links, once poisoned, would be served
to everyone), and the CLI has no request at all.
"""

from urllib.parse import urlsplit

from flask import current_app


def check_public_url(value):
    """Return the origin (and path prefix) without a trailing slash, or raise ValueError."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ValueError(f"PUBLIC_URL must be an http(s) origin like https://example.org, "
                         f"not {value!r}")
    return value.rstrip("/")


def external_url(endpoint, **values):
    """Build an absolute URL for one of our routes under PUBLIC_URL."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
