"""Load the boundaries and the institution gazetteer into the database (idempotent)."""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import Point, shape
from sqlalchemy import insert, select, update

from geodata.nameforms import romanize
from mapapp.models import SIDO, SIGUNGU, Institution, Region
from mapapp.models.geo import point_ewkt

DATA = Path(__file__).resolve().parent / "data"
SNAP_DEGREES = 0.02  # a point this close to a region (about 2 km) is given to it
GAZETTEER_SOURCES = ("k12", "univ")


@dataclass
class LoadResult:
    """What a load did, for the CLI to print."""

    regions: dict = field(default_factory=dict)  # level -> count
    inserted: int = 0
    updated: int = 0
    deactivated: int = 0
    snapped: list = field(default_factory=list)  # (name, region code, metres away)
    outside: list = field(default_factory=list)  # names that fall in no region


def read_features(name):
    """Return the features of a GeoJSON file in geodata/data."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))["features"]


def read_rows(name):
    """Return the rows of a CSV file in geodata/data as dicts."""
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_regions(session):
    """Upsert the 시/도 and 시/군/구 and return {code: (shapely geometry, Region)}."""
    existing = {r.code: r for r in session.scalars(select(Region))}
    loaded = {}
    for level, name in ((SIDO, "sido.geojson"), (SIGUNGU, "sigungu.geojson")):
        for f in read_features(name):
            p, geom = f["properties"], shape(f["geometry"])
            region = existing.get(p["code"]) or Region(code=p["code"])
            label = geom.representative_point()
            region.level, region.name_ko, region.name_en = level, p["name_ko"], p["name_en"]
            region.parent_code = p.get("parent_code")
            region.label_lon, region.label_lat = round(label.x, 6), round(label.y, 6)
            region.min_lon, region.min_lat, region.max_lon, region.max_lat = geom.bounds
            region.geom = f"SRID=4326;{geom.wkt}"
            session.add(region)
            loaded[p["code"]] = (geom, region)
        session.flush()  # 시/군/구 rows point at their 시/도
    return loaded


class RegionFinder:
    """Point-in-polygon over the 시/군/구 layer, in memory (same answer on every backend)."""

    def __init__(self, regions):
        self.items = [(code, g) for code, (g, r) in regions.items() if r.level == SIGUNGU]
        self.tree = shapely.STRtree([g for _, g in self.items])

    def find(self, lon, lat):
        """Return (sigungu code, metres snapped or 0), or (None, None) when far from any region."""
        pt = Point(lon, lat)
        hits = self.tree.query(pt, predicate="intersects")
        if len(hits):
            return self.items[min(hits)][0], 0
        nearest = self.tree.query_nearest(pt, max_distance=SNAP_DEGREES, return_distance=True)
        if len(nearest[0]):
            index, degrees = nearest[0][0], nearest[1][0]
            return self.items[index][0], round(degrees * 111_000)
        return None, None


def gazetteer_rows(regions):
    """Yield institution dicts from the school and university files, before placing. Names
    without an English one in the data get their romanization (geodata/nameforms.py)."""
    from mapapp.textsearch import city_prefixes  # (it reads geodata.regions, which reads us)

    prefixes = city_prefixes()
    for r in read_rows("schools_k12.csv"):
        yield {"source": "k12", "source_id": r["source_id"], "name_ko": r["name_ko"],
               "name_en": romanize(r["name_ko"], prefixes), "kind": r["kind"],
               "kind_detail": r["kind_detail"] or None,
               "address": r["address"] or None, "lon": float(r["lon"]), "lat": float(r["lat"]),
               "location_approximate": False}
    for r in read_rows("universities.csv"):
        # No coordinates in the source: put the campus at its 시/군/구's inside point.
        region = regions[r["sigungu_code"]][1]
        yield {"source": "univ", "source_id": r["source_id"], "name_ko": r["name_ko"],
               "name_en": r["name_en"] or romanize(r["name_ko"], prefixes),
               "kind": "university",
               "kind_detail": r["kind_detail"] or None, "address": r["address"] or None,
               "lon": region.label_lon, "lat": region.label_lat, "location_approximate": True,
               "sigungu_code": r["sigungu_code"]}


def place_rows(rows, regions, result):
    """Give each row its 시/도 and 시/군/구 (from the data or point-in-polygon) and its point."""
    finder = RegionFinder(regions)
    for row in rows:
        code = row.pop("sigungu_code", None)
        if code is None:
            code, snapped = finder.find(row["lon"], row["lat"])
            if code is None:
                result.outside.append(row["name_ko"])
            elif snapped:
                result.snapped.append((row["name_ko"], code, snapped))
        row["sigungu_code"] = code
        row["sido_code"] = regions[code][1].parent_code if code else None
        row["geom"] = point_ewkt(row["lon"], row["lat"])
        row["active"] = True
        yield row


def load_institutions(session, regions, result):
    """Insert new gazetteer entries, update known ones, deactivate those gone from the data."""
    known = dict(session.execute(
        select(Institution.source + ":" + Institution.source_id, Institution.id)
        .where(Institution.source.in_(GAZETTEER_SOURCES))
    ).all())
    new, changed, seen = [], [], set()
    for row in place_rows(gazetteer_rows(regions), regions, result):
        key = f"{row['source']}:{row['source_id']}"
        seen.add(key)
        if key in known:
            changed.append({"id": known[key], **row})
        else:
            new.append(row)
    if new:
        session.execute(insert(Institution), new)
    if changed:
        session.execute(update(Institution), changed)
    gone = [known[k] for k in known.keys() - seen]
    if gone:
        session.execute(update(Institution), [{"id": i, "active": False} for i in gone])
    result.inserted, result.updated, result.deactivated = len(new), len(changed), len(gone)


def load_all(session):
    """Load boundaries and gazetteer in one transaction and return a LoadResult."""
    result = LoadResult()
    regions = load_regions(session)
    for level in (SIDO, SIGUNGU):
        result.regions[level] = sum(1 for _, r in regions.values() if r.level == level)
    load_institutions(session, regions, result)
    from mapapp.textsearch import write_forms

    write_forms(session)  # every name form, for search (mapapp/textsearch.py)
    return result
