"""Institution names in memory, for the public `q=` filter.

A flood of made-up `q=` values would otherwise cost a join over every published incident per
value. The gazetteer is small (about 12,500 names), so the names are kept in each process and
`q` is first matched here: no match answers without a scan, a few matches become an indexed
`institution_id IN (…)`, and only a broad `q` ("학교") goes to SQL as before. The same test as
SQL's ICONTAINS (lower-cased substring of the Korean or English name). The copy is read again
after any commit that changed incidents (a new incident may name a new institution) and at
least every REFRESH_SECONDS.
"""

import threading
import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from mapapp import readmodel
from mapapp.models import Institution

REFRESH_SECONDS = 60
MAX_IDS = 500  # beyond this many matches the plain SQL filter is the better plan
_lock = threading.Lock()


def _names(session):
    """Return [(id, lowered Korean name, lowered English name)] of active institutions."""
    app = current_app._get_current_object()
    kept = app.extensions.get("mapapp.names")
    now = time.monotonic()
    if kept and kept["generation"] == readmodel.generation() \
            and now - kept["read_at"] < REFRESH_SECONDS:
        return kept["names"]
    generation = readmodel.generation()
    try:
        rows = session.execute(select(Institution.id, Institution.name_ko, Institution.name_en)
                               .where(Institution.active.is_(True))).all()
    except SQLAlchemyError:
        if not kept:
            raise
        session.rollback()  # the database is down: the names read last are still good
        return kept["names"]
    names = [(i, (ko or "").lower(), (en or "").lower()) for i, ko, en in rows]
    with _lock:
        app.extensions["mapapp.names"] = {"names": names, "generation": generation,
                                          "read_at": now}
    return names


def institutions_named(session, query):
    """Return the ids of institutions whose name contains `query`, or None when there are
    more than MAX_IDS (let SQL filter)."""
    needle = query.lower()
    found = []
    for institution_id, ko, en in _names(session):
        if needle in ko or needle in en:
            found.append(institution_id)
            if len(found) > MAX_IDS:
                return None
    return found
