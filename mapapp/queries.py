"""One filter object for published incidents, shared by the map, list, exports, feed and stats."""

import hashlib
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import false, func, select
from sqlalchemy.exc import SQLAlchemyError

from geodata.regions import region_names, sigungu_names
from mapapp import readmodel
from mapapp.models import INSTITUTION_KINDS, VERIFICATION_LEVELS, Incident, Institution
from mapapp.policy import is_named, named_clause
from mapapp.spatial import in_bbox, valid_korea_point
from mapapp.textsearch import institution_ids_named, institutions_named_select

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
SORTS = ("recent", "period", "name")


@dataclass(frozen=True)
class IncidentFilter:
    """What the public asked to see. Unknown or malformed values are dropped, never an error."""

    sido: str = ""
    sigungu: str = ""
    month_from: str = ""  # YYYY-MM
    month_to: str = ""
    kind: str = ""
    level: str = ""
    q: str = ""
    sort: str = "recent"
    bbox: str = ""  # "west,south,east,north": the map's viewport

    @classmethod
    def from_args(cls, args):
        """Parse URL query parameters, keeping only valid values."""
        value = {k: (args.get(k) or "").strip() for k in cls.__dataclass_fields__}
        return cls(
            sido=value["sido"] if value["sido"] in region_names()[0] else "",
            sigungu=value["sigungu"] if value["sigungu"] in sigungu_names() and (
                not value["sido"] or value["sigungu"].startswith(value["sido"])) else "",
            month_from=value["month_from"] if _month(value["month_from"]) else "",
            month_to=value["month_to"] if _month(value["month_to"]) else "",
            kind=value["kind"] if value["kind"] in INSTITUTION_KINDS else "",
            level=value["level"] if value["level"] in VERIFICATION_LEVELS else "",
            q=value["q"][:60],
            sort=value["sort"] if value["sort"] in SORTS else "recent",
            bbox=",".join(f"{v:.5f}" for v in box) if (box := _bbox(value["bbox"])) else "",
        )

    def args(self):
        """Return the non-empty values, for building URLs."""
        return {k: v for k, v in asdict(self).items() if v and not (k == "sort" and v == "recent")}

    def key(self):
        """Return a stable text key (for caches)."""
        return "&".join(f"{k}={v}" for k, v in sorted(self.args().items()))

    def data_key(self, session):
        """Return a cache key for answers that depend only on what matches (the points, the
        exports, counts), not on the words asked: a `q` stands for the institutions it names.
        A flood of made-up names then shares one entry, and "휘경" and "휘경여" that name the
        same schools share theirs. (Pages and the feed echo `q`: they keep key().)"""
        if not self.q:
            return self.key()
        try:
            ids = named_ids(session, self.q)
        except SQLAlchemyError:  # the database is down: the answer kept under key() serves
            session.rollback()
            return self.key()
        named = ("text:" + self.q.lower() if ids is None else "ids:" + hashlib.sha1(
            ",".join(map(str, ids)).encode()).hexdigest()[:20])
        return replace(self, q=named).key()

    def names_institutions(self):
        """Tell whether the filter picks institutions (name, viewport, kind): then only named
        incidents may match, or a count would tell which institution a counted one is."""
        return bool(self.q or self.bbox or self.kind)

    def statement(self, session, scope="named"):
        """Return a SELECT of (Incident, Institution) for published incidents matching.

        scope "named": incidents whose level names the institution (points, pages, feed);
        "all": counted ones too, for region counts, stats and the exports' region rows.
        """
        stmt = (select(Incident, Institution)
                .join(Institution, Institution.id == Incident.institution_id)
                .where(Incident.status == "published"))
        if scope == "named" or self.names_institutions():
            stmt = stmt.where(named_clause())
        if self.sido:
            stmt = stmt.where(Institution.sido_code == self.sido)
        if self.sigungu:
            stmt = stmt.where(Institution.sigungu_code == self.sigungu)
        if self.kind:
            stmt = stmt.where(Institution.kind == self.kind)
        if self.level:
            stmt = stmt.where(Incident.verification_level == self.level)
        if self.month_from:  # periods that overlap the asked range
            stmt = stmt.where(Incident.last_reported_month >= _month(self.month_from))
        if self.month_to:
            stmt = stmt.where(Incident.first_reported_month <= _month(self.month_to))
        if self.bbox:
            box = tuple(float(v) for v in self.bbox.split(","))
            stmt = stmt.where(in_bbox(session, Institution.geom, box))
        if self.q:
            # Indexed (mapapp/textsearch.py): a made-up q scans nothing.
            ids = named_ids(session, self.q)
            stmt = stmt.where(false() if ids == [] else Institution.id.in_(
                ids if ids is not None else institutions_named_select(session, self.q)))
        order = {"recent": (Incident.published_at.desc(), Incident.id.desc()),
                 "period": (Incident.last_reported_month.desc(), Incident.id.desc()),
                 "name": (Institution.name_ko, Incident.id)}[self.sort]
        return stmt.order_by(*order)


def named_ids(session, q):
    """Return the ids of the institutions a `q` names, or None when there are too many to
    list (mapapp/textsearch.py). Kept in the read model per data version, so that a warm `q`
    asks the database nothing and a filter's key and its statement share one look-up."""
    answer = readmodel.cached(session, "named", q, lambda: [orjson.dumps(
        institution_ids_named(session, q))], "application/json")
    return orjson.loads(answer.text())


def counted_by_region(session, chosen):
    """Return [(시/군/구 code, count)] of counted (unnamed) incidents matching, largest first.

    Empty when the filter picks institutions: see IncidentFilter.names_institutions.
    """
    if chosen.names_institutions():
        return []
    stmt = chosen.statement(session, "all").order_by(None).where(~named_clause())
    rows = session.execute(stmt.with_only_columns(Institution.sigungu_code, func.count())
                           .group_by(Institution.sigungu_code)).all()
    return sorted(rows, key=lambda row: (-row[1], row[0] or ""))


def _bbox(text):
    """Return (west, south, east, north) if the text is a sane box in Korea, else None."""
    try:
        west, south, east, north = (float(v) for v in (text or "").split(","))
    except ValueError:
        return None
    if not (west < east and south < north and valid_korea_point(west, south)
            and valid_korea_point(east, north)):
        return None
    return west, south, east, north


def _month(text):
    """Return the first day of a YYYY-MM month, or None."""
    match = MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
        return None  # year 0 would crash date(); far-off years mean nothing here
    return date(int(match.group(1)), int(match.group(2)), 1)


# The only fields that ever leave the server about an incident (never tip text, never
# moderator identity or verification basis).
PUBLIC_FIELDS = ("named", "id", "institution_ko", "institution_en", "kind", "sido_code", "sido_ko",
                 "sigungu_code", "sigungu_ko", "lon", "lat", "location_approximate",
                 "first_month", "last_month", "verification_level", "summary_ko",
                 "summary_en", "sources", "demo", "published_at")


def month_text(value):
    """Return 'YYYY-MM' for a date, or for the text a raw row holds ('YYYY-MM-DD' from SQLite,
    'YYYY-MM' from spatial.month_of)."""
    if value.__class__ is str:
        return value[:7]
    return value.isoformat()[:7]  # C code: at 200,000 per export, f-strings cost 0.1 s


def time_text(value):
    """Return ISO 8601 (UTC) for a stored time: a datetime, or SQLite's raw text."""
    if value is None:
        return None
    if value.__class__ is str:
        value = datetime.fromisoformat(value)
    elif value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # Stored as UTC on every backend; a naive isoformat is four times faster than an aware one.
    return value.isoformat() + "+00:00"


def source_list(value):
    """Return the public sources as a list (a raw row may hold their JSON text)."""
    if not value:
        return []
    if value.__class__ is str:
        return orjson.loads(value) if value != "[]" else []
    return list(value)


def public_values(incident, institution, named_levels=None):
    """Return the allowlisted public fields of an incident as a tuple in PUBLIC_FIELDS order,
    at the detail its level allows: a counted incident keeps only its region, period and level.
    Reads ORM objects or plain rows (raw rows too: see month_text, time_text, source_list).
    `named_levels` may be given by a caller that builds many (it is the same for all)."""
    sido_code, sigungu_code = institution.sido_code, institution.sigungu_code
    level = incident.verification_level
    sido_ko = region_names()[0].get(sido_code, ("", ""))[0]
    sigungu_ko = sigungu_names().get(sigungu_code, "")
    first, last = month_text(incident.first_reported_month), month_text(
        incident.last_reported_month)
    if not (is_named(level) if named_levels is None else level in named_levels):
        return (False, None, None, None, None, sido_code, sido_ko, sigungu_code, sigungu_ko,
                None, None, None, first, last, level, "", "", [], bool(incident.is_demo),
                None)
    return (True, incident.id, institution.name_ko, institution.name_en, institution.kind,
            sido_code, sido_ko, sigungu_code, sigungu_ko, institution.lon, institution.lat,
            bool(institution.location_approximate), first, last, level,
            incident.public_summary_ko or "", incident.public_summary_en or "",
            source_list(incident.public_sources), bool(incident.is_demo),
            time_text(incident.published_at))


def public_record(incident, institution, named_levels=None):
    """Return the allowlisted public fields of an incident as a dict (see public_values)."""
    return dict(zip(PUBLIC_FIELDS, public_values(incident, institution, named_levels),
                    strict=True))
