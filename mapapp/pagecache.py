"""Rendered public pages kept per (language, path and query, data version).

A viral spike on the map page then renders it once per filter, not once per visitor. The CSP
nonce is the only part that differs between two visitors of the same page: it is stored as a
mark and every response gets its own fresh nonce in its place. Only pages without user data,
forms or per-visitor content may use this.

A page is kept as the pieces between the places where the render wrote its nonce (a random
value no visitor's text can contain), and the new nonce is joined back in at those places only:
text that merely looks like a placeholder is never rewritten.
"""

import threading
from collections import OrderedDict

from flask import request
from flask_babel import get_locale

from mapapp.security import csp_nonce

MAX_PAGES = 256
_lock = threading.Lock()
_pages = OrderedDict()


def cached_page(version, render):
    """Return the page for this request, rendering it with `render()` only when not cached."""
    key = (str(get_locale()), request.full_path, version)
    nonce = csp_nonce()
    with _lock:
        hit = _pages.get(key)
        if hit is not None:
            _pages.move_to_end(key)
    if hit is not None:
        return nonce.join(hit)
    html = render()
    with _lock:
        _pages[key] = tuple(html.split(nonce))
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
    return html


def clear():
    """Forget every rendered page (tests; a policy change needs a restart in production)."""
    with _lock:
        _pages.clear()
