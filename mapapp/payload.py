"""The public points payload: precomputed bytes per (data version, filter, view), with ETags.

A viral spike hits this cache, not the database. The data version is a cheap query, checked
at most every VERSION_TTL seconds per process; moderation clears the cache of its own process
at once (other processes follow within the TTL). If the database fails, the last bytes built
for that key are served.
"""

import hashlib
import json
import threading
import time
from collections import OrderedDict

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mapapp.models import Incident, Institution, Region

VERSION_TTL = 2.0
MAX_ENTRIES = 256
_lock = threading.Lock()
_cache = OrderedDict()  # (version, filter key, view) -> (bytes, etag)
_last_good = {}  # (filter key, view) -> (bytes, etag), for database outages
_version = {"value": None, "checked": 0.0}


def invalidate():
    """Forget every built payload (called after moderation changes published data)."""
    with _lock:
        _cache.clear()
        _version["checked"] = 0.0


@event.listens_for(Session, "after_flush")
def _note_incident_changes(session, _flush_context):
    """Remember that this transaction wrote incidents."""
    if any(isinstance(obj, Incident) for obj in (*session.new, *session.dirty,
                                                  *session.deleted)):
        session.info["incidents_changed"] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session):
    """Drop built payloads once a transaction that wrote incidents has committed."""
    if session.info.pop("incidents_changed", False):
        invalidate()


def data_version(session):
    """Return a short text that changes whenever published incidents change."""
    from mapapp.corrections import enforce_if_due

    now = time.monotonic()
    if _version["value"] is not None and now - _version["checked"] < VERSION_TTL:
        return _version["value"]
    enforce_if_due(session)
    count, latest = session.execute(select(func.count(), func.max(Incident.updated_at))
                                    .where(Incident.status == "published")).one()
    value = f"{count}-{latest.timestamp() if latest else 0}"
    with _lock:
        _version.update(value=value, checked=now)
    return value


def get_payload(session, chosen, view):
    """Return (bytes, etag value) for the filter and view ("points", or "sido"/"sigungu")."""
    key = (chosen.key(), view)
    try:
        version = data_version(session)
        with _lock:
            hit = _cache.get((version, *key))
        if hit:
            return hit
        body = json.dumps(build(session, chosen, view), ensure_ascii=False,
                          separators=(",", ":")).encode()
    except SQLAlchemyError:
        session.rollback()
        if key in _last_good:
            current_app.logger.warning("database unavailable: serving the last points payload")
            return _last_good[key]
        raise
    entry = (body, hashlib.sha1(body).hexdigest()[:20])
    with _lock:
        _cache[(version, *key)] = entry
        _last_good[key] = entry
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return entry


def get_total(session, chosen, view="count"):
    """Return how many published incidents match ("named_count": only those shown by name),
    cached like the payloads."""
    body, _etag = get_payload(session, chosen, view)
    return json.loads(body)["count"]


def build(session, chosen, view):
    """Build the payload: compact point rows, or counts per region with label points."""
    # Pins only for named incidents; counts include the counted ones (mapapp/policy.py).
    scope = "named" if view in ("points", "named_count") else "all"
    stmt = chosen.statement(session, scope).order_by(None)
    if view in ("count", "named_count"):
        return {"count": session.scalar(select(func.count()).select_from(stmt.subquery()))}
    if view == "points":
        rows = session.execute(stmt.with_only_columns(
            Incident.id, Institution.lon, Institution.lat, Institution.kind,
            Incident.verification_level, Incident.is_demo))
        return {"view": "points", "fields": ["id", "lon", "lat", "kind", "level", "demo"],
                "rows": [[i, round(x, 5), round(y, 5), k, lv, int(d)]
                         for i, x, y, k, lv, d in rows]}
    column = Institution.sido_code if view == "sido" else Institution.sigungu_code
    counts = dict(session.execute(stmt.with_only_columns(column, func.count())
                                  .group_by(column)).all())
    regions = session.execute(select(Region.code, Region.name_ko, Region.label_lon,
                                     Region.label_lat).where(Region.code.in_(counts)))
    return {"view": view, "fields": ["code", "name", "lon", "lat", "count"],
            "rows": [[c, n, x, y, counts[c]] for c, n, x, y in regions]}
