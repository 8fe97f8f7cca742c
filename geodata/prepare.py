"""Build the small files in geodata/data/ from ../shared/geodata-sources (run by hand, rarely).

python -m geodata.prepare [SOURCES_DIR]

Boundaries: the derived KOSTAT 2018 시/군/구 layer, with degenerate rings dropped, simplified as a
coverage (neighbours keep shared edges) and rounded to 1e-5 degrees; 시/도 are dissolved from the
simplified 시/군/구, so both layers line up exactly. Schools and universities are trimmed to the
columns the loader uses.
"""

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

HERE = Path(__file__).resolve().parent
OUT = HERE / "data"
TOLERANCE = 0.003  # degrees; keeps every school inside the polygon it was in before
PRECISION = 1e-5  # about one metre
K12_KINDS = {
    "초등학교": "elementary", "중학교": "middle", "고등학교": "high", "특수학교": "special",
}
UNIVERSITY_LEVELS = {"대학", "전문대학"}  # graduate schools (대학원) are not wanted
CAMPUS_NAMES = {"제2캠퍼": "제2캠퍼스", "제3캠퍼": "제3캠퍼스", "제4캠퍼": "제4캠퍼스"}


def polygons_of(geom):
    """Return the polygons inside any geometry (make_valid may give a collection)."""
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in geom.geoms for p in polygons_of(part)]
    return []


def clean_multipolygon(geometry):
    """Build a valid MultiPolygon from GeoJSON, dropping rings with fewer than four points."""
    parts = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        parts = [parts]
    polygons = [Polygon(p[0], [r for r in p[1:] if len(r) >= 4]) for p in parts if len(p[0]) >= 4]
    return MultiPolygon(polygons_of(shapely.make_valid(MultiPolygon(polygons))))


def rounded(geom):
    """Snap a geometry to the precision grid, keeping it a valid MultiPolygon."""
    return MultiPolygon(polygons_of(shapely.set_precision(geom, PRECISION)))


def feature(props, geom):
    """Return a GeoJSON feature."""
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def write_geojson(path, features):
    """Write a compact GeoJSON FeatureCollection."""
    data = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def prepare_boundaries(src):
    """Write sigungu.geojson and sido.geojson."""
    base = src / "kr-admin-boundaries-kostat2018" / "derived"
    layer = json.loads((base / "kr-sigungu-2018-simple.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in layer["features"]]
    geoms = [clean_multipolygon(f["geometry"]) for f in layer["features"]]
    simple = [rounded(g) for g in shapely.coverage_simplify(geoms, TOLERANCE)]
    sigungu, by_sido, sido_names = [], defaultdict(list), {}
    for p, g in zip(props, simple, strict=True):
        sigungu.append(feature({"code": p["adm_code"], "name_ko": p["name_ko"],
                                "name_en": p["name_en"], "parent_code": p["sido_code"]}, g))
        by_sido[p["sido_code"]].append(g)
        sido_names[p["sido_code"]] = (p["sido_ko"], p["sido_en"])
    sido = [
        feature({"code": code, "name_ko": sido_names[code][0], "name_en": sido_names[code][1]},
                rounded(shapely.union_all(parts)))
        for code, parts in sorted(by_sido.items())
    ]
    write_geojson(OUT / "sigungu.geojson", sorted(sigungu, key=lambda f: f["properties"]["code"]))
    write_geojson(OUT / "sido.geojson", sido)
    return len(sido), len(sigungu)


def prepare_schools(src):
    """Write schools_k12.csv: id, name, kind, detail, address, lon, lat."""
    path = src / "kr-schools-k12-location-std" / "schools_k12_20260320_utf8.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (OUT / "schools_k12.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["source_id", "name_ko", "kind", "kind_detail", "address", "lon", "lat"])
        for r in sorted(rows, key=lambda r: r["학교ID"]):
            detail = " ".join(v for v in (r["설립형태"], r["본교분교구분"]) if v)
            address = r["소재지도로명주소"] or r["소재지지번주소"]
            out.writerow([r["학교ID"], r["학교명"], K12_KINDS.get(r["학교급구분"], "other"),
                          detail, address, r["경도"], r["위도"]])
    return len(rows)


def prepare_universities(src):
    """Write universities.csv: undergraduate-level campuses with their 시/군/구 code."""
    base = src / "kr-universities-std"
    with (base / "universities_std_20250108_utf8.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (base / "universities_adm_join.csv").open(encoding="utf-8") as f:
        codes = {int(j["row"]): j for j in csv.DictReader(f)}
    kept = []
    for number, r in enumerate(rows, start=1):
        join = codes[number]
        if join["학교명"] != r["학교명"]:
            raise SystemExit(f"row {number}: the address join does not match the dataset")
        if r["대학구분명"] not in UNIVERSITY_LEVELS:
            continue
        campus = r["본분교구분명"]
        campus_name = CAMPUS_NAMES.get(campus, campus)
        name = r["학교명"] if campus == "본교" else f"{r['학교명']} ({campus_name})"
        kept.append([f"{r['학교명']}|{campus}", name, r["학교 영문명"], r["학교구분명"],
                     r["소재지도로명주소"] or r["소재지지번주소"], join["adm_code"]])
    with (OUT / "universities.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["source_id", "name_ko", "name_en", "kind_detail", "address", "sigungu_code"])
        out.writerows(sorted(kept))
    return len(kept)


def main(argv):
    """Prepare every file and print what was written."""
    src = Path(argv[0]) if argv else HERE.parent.parent / "shared" / "geodata-sources"
    OUT.mkdir(exist_ok=True)
    print("boundaries (sido, sigungu):", prepare_boundaries(src))
    print("schools:", prepare_schools(src))
    print("universities:", prepare_universities(src))


if __name__ == "__main__":
    main(sys.argv[1:])
