"""Rendered public pages kept per (language, page, what was asked, data version).

A viral spike on the map page then renders it once per filter, not once per visitor. The key
is the page's endpoint and its parsed filter (IncidentFilter.key(), a page number, an id), not
the raw URL, so made-up parameters cannot make new entries; what is kept is bounded in bytes
(PAGE_CACHE_BYTES), not entries. Only pages without forms or per-visitor content may use this.

The CSP nonce is the only part that differs between two visitors of the same page. A page is
kept as the pieces between the places where the render wrote its nonce (a random value no
visitor's text can contain), and the new nonce is joined back in at those places only: text
that merely looks like a placeholder is never rewritten.
"""

from flask import current_app, request
from flask_babel import get_locale

from mapapp.readmodel import ByteBudgetCache
from mapapp.security import csp_nonce

CHARACTER_BYTES = 4  # what one character of a kept page may take in memory, at most


def _weight(parts):
    return sum(len(part) for part in parts) * CHARACTER_BYTES + 256


_pages = ByteBudgetCache("PAGE_CACHE_BYTES", 8 * 2**20, cost=_weight)


def cached_page(key, render):
    """Return the page for this request and key (which holds the data version), rendering it
    with `render()` only when not cached. A page for the static mirror (mapapp/mirror) is
    rendered apart: its links and data attributes differ."""
    from mapapp.mirror import mirror_page

    if mirror_page() is not None:
        return render()
    full_key = (id(current_app._get_current_object()), str(get_locale()), request.endpoint,
                *key)
    nonce = csp_nonce()
    hit = _pages.get(full_key)
    if hit is not None:
        return nonce.join(hit)
    html = render()
    _pages.put(full_key, tuple(html.split(nonce)))
    return html


def clear():
    """Forget every rendered page (tests; a policy change needs a restart in production)."""
    _pages.clear()
