"""Regions (시/도, 시/군/구) and institutions from the gazetteer."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Float, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mapapp.extensions import db
from mapapp.models.base import UTCDateTime, choice, utcnow
from mapapp.spatial import SRID, valid_korea_point

INSTITUTION_KINDS = ("elementary", "middle", "high", "special", "university", "other")
SIDO, SIGUNGU = 1, 2


class Region(db.Model):
    """An administrative area: level 1 is a 시/도, level 2 a 시/군/구 (행정표준코드)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    level: Mapped[int] = mapped_column(SmallInteger, index=True)
    name_ko: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # A point inside the area: where a label goes and where approximate places are put.
    label_lon: Mapped[float] = mapped_column(Float)
    label_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)

    def __repr__(self):
        return f"<Region {self.code} {self.name_ko}>"


class Institution(db.Model):
    """A school, university or other place that a tip can name."""

    __tablename__ = "institutions"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # k12, univ, moderator
    source_id: Mapped[str] = mapped_column(String(80))
    name_ko: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(choice(*INSTITUTION_KINDS), index=True)
    kind_detail: Mapped[str | None] = mapped_column(String(40))  # e.g. 전문대학, 사립
    address: Mapped[str | None] = mapped_column(String(300))
    sido_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    sigungu_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    location_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def place(self, lon, lat, approximate=False):
        """Set the location after checking it lies in Korea; raise ValueError otherwise."""
        if not valid_korea_point(lon, lat):
            raise ValueError(f"location {lon},{lat} is outside Korea")
        self.lon, self.lat = float(lon), float(lat)
        self.geom = point_ewkt(self.lon, self.lat)
        self.location_approximate = approximate

    def __repr__(self):
        return f"<Institution {self.source}:{self.source_id} {self.name_ko}>"


class InstitutionName(db.Model):
    """One form of an institution's name, normalised (geodata/nameforms.py): its full name,
    short forms, English, initials. Indexed for search: a B-tree for exact and prefix matches,
    and a trigram index for the rest (FTS5 on SQLite, pg_trgm on PostgreSQL; migration 0005)."""

    __tablename__ = "institution_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    form: Mapped[str] = mapped_column(String(400))  # indexed per backend by migration 0005
    what: Mapped[int] = mapped_column(SmallInteger)  # nameforms.NAME, SHORT, ENGLISH, INITIALS


def point_ewkt(lon, lat):
    """Return the EWKT text of a WGS84 point, as GeoAlchemy2 accepts for a column value."""
    return f"SRID={SRID};POINT({lon!r} {lat!r})"
