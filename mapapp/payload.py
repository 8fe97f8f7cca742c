"""The public points payload: what the map draws, as bytes of the read model.

Built once per (data version, filter, view) and kept by mapapp/readmodel.py within its byte
budget; if the database fails, the last bytes built for that key are served.
"""

import json
from dataclasses import replace

from sqlalchemy import func, select

from mapapp import readmodel
from mapapp.models import Incident, Institution, Region


def get_payload(session, chosen, view):
    """Return the Answer for the filter and view ("points", "sido"/"sigungu", or a count).
    Points and counts have no order: sort is not part of the key."""
    chosen = replace(chosen, sort="recent")
    def chunks():
        yield json.dumps(build(session, chosen, view), ensure_ascii=False,
                         separators=(",", ":")).encode()

    return readmodel.cached(session, "points", (chosen.data_key(session), view), chunks,
                            "application/json", outage_key=(chosen.key(), view))


def get_total(session, chosen, view="count"):
    """Return how many published incidents match ("named_count": only those shown by name),
    cached like the payloads."""
    return json.loads(get_payload(session, chosen, view).text())["count"]


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
