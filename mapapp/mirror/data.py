"""The mirror's map data: every published point in one compact file, for filtering in the
browser when no application answers.

Two files, so the map needs only the first until someone searches by name:
- points: the named incidents' pins (id, place, kind, level, demo, region, period), the counted
  incidents grouped by (시/군/구, level, period) with a count (no id, no institution: exactly
  what the exports' region rows already show), the regions' names and label points, and the
  valid filter values;
- names: id → the institution's name forms (mapapp/textsearch.py: full, short, English,
  초성, proper; normalised), and the region words, for the `q=` filter: the browser matches
  them as the application does, without its look-up of typing mistakes.
static/js/mirror.js answers the same questions from these files as /api/v1/points does.
"""

import io
from collections import Counter

import orjson
from sqlalchemy import select

from geodata.nameforms import name_forms
from geodata.regions import region_names, sigungu_names
from mapapp.models import INSTITUTION_KINDS, VERIFICATION_LEVELS, Incident, Institution, Region
from mapapp.policy import named_clause
from mapapp.queries import IncidentFilter
from mapapp.textsearch import city_prefixes, region_words

POINT_FIELDS = ["id", "lon", "lat", "kind", "level", "demo", "sido", "sigungu", "first", "last"]
COUNTED_FIELDS = ["sido", "sigungu", "level", "first", "last", "count"]
BATCH = 2000


def _month(value):
    return f"{value.year:04d}-{value.month:02d}"


def _compact(document):
    return orjson.dumps(document)


def build(session):
    """Return (points bytes, names bytes), streamed from the database in batches: 100k rows
    are never held as Python objects at once."""
    published = IncidentFilter().statement(session, "all").order_by(None).order_by(Incident.id)
    named = published.where(named_clause()).with_only_columns(
        Incident.id, Institution.lon, Institution.lat, Institution.kind,
        Incident.verification_level, Incident.is_demo, Institution.sido_code,
        Institution.sigungu_code, Incident.first_reported_month, Incident.last_reported_month,
        Institution.name_ko, Institution.name_en).execution_options(yield_per=BATCH)
    points, names = io.BytesIO(), io.BytesIO()
    points.write(b'{"fields":' + _compact(POINT_FIELDS) + b',"rows":[')
    names.write(b'{"fields":["id","forms"],"words":' + _compact(region_words()) + b',"rows":[')
    prefixes, forms = city_prefixes(), {}
    separator = b""
    for rows in session.connection().execute(named).partitions():
        points.write(separator + b",".join(_compact(
            [i, round(lon, 5), round(lat, 5), kind, level, int(demo), sido or "",
             sigungu or "", _month(first), _month(last)])
            for i, lon, lat, kind, level, demo, sido, sigungu, first, last, _ko, _en in rows))
        for row in rows:
            if (row[10], row[11]) not in forms:
                forms[row[10], row[11]] = "|".join(f for f, _what in name_forms(
                    row[10], row[11], prefixes))
        names.write(separator + b",".join(_compact([row[0], forms[row[10], row[11]]])
                                          for row in rows))
        separator = b","
    counted = Counter()
    unnamed = published.where(~named_clause()).with_only_columns(
        Institution.sido_code, Institution.sigungu_code, Incident.verification_level,
        Incident.first_reported_month, Incident.last_reported_month)
    for rows in session.connection().execute(
            unnamed.execution_options(yield_per=BATCH)).partitions():
        counted.update((sido or "", sigungu or "", level, _month(first), _month(last))
                       for sido, sigungu, level, first, last in rows)
    sido_names, district_names = region_names()[0], sigungu_names()
    labels = {code: [name, round(lon, 5), round(lat, 5)] for code, name, lon, lat in
              session.execute(select(Region.code, Region.name_ko, Region.label_lon,
                                     Region.label_lat))}
    rest = {
        "counted_fields": COUNTED_FIELDS,
        "counted": [[*key, n] for key, n in sorted(counted.items())],
        "regions": labels,
        "sido": sorted(sido_names), "sigungu": sorted(district_names),
        "kinds": list(INSTITUTION_KINDS), "levels": list(VERIFICATION_LEVELS),
    }
    points.write(b"]," + _compact(rest)[1:])
    names.write(b"]}")
    return points.getvalue(), names.getvalue()
