"""Region boundaries for the map's outlines and choropleth, simplified for display.

Read from the data files (not the database), so outlines draw even when the database is down,
and built once per process: they only change with a new geodata release.
"""

import hashlib
import json
from functools import lru_cache

from flask import Response, abort, request
from shapely import set_precision
from shapely.geometry import mapping, shape

from geodata.loader import DATA
from geodata.regions import region_names
from mapapp.api import bp

# About 1 km for all of Korea, about 200 m for the 시/군/구 of one 시/도; 11 m coordinates.
TOLERANCE = {"sido": 0.01, "sigungu": 0.002}
GRID = 0.0001


@lru_cache(maxsize=32)
def simplified_shapes(level, parent=""):
    """Return ((properties, shapely geometry), ...) of all 시/도, or of the 시/군/구 of one
    시/도, simplified for display (the map's outlines; the incident page's locator)."""
    source = json.loads((DATA / f"{level}.geojson").read_text(encoding="utf-8"))
    return tuple((feature["properties"], set_precision(shape(feature["geometry"]).simplify(
        TOLERANCE[level], preserve_topology=True), GRID)) for feature in source["features"]
        if not parent or feature["properties"].get("parent_code") == parent)


@lru_cache(maxsize=32)
def boundaries(level, parent=""):
    """Return (bytes, etag) of a FeatureCollection: all 시/도, or the 시/군/구 of one 시/도."""
    features = [{"type": "Feature", "id": props["code"],
                 "bbox": [round(v, 4) for v in geometry.bounds],
                 "properties": {"code": props["code"], "name_ko": props["name_ko"],
                                "name_en": props["name_en"]},
                 "geometry": mapping(geometry)}
                for props, geometry in simplified_shapes(level, parent)]
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":")).encode()
    return body, hashlib.sha1(body).hexdigest()[:20]


@bp.get("/api/v1/regions.geojson")
def regions_geojson():
    """시/도 outlines, or with ?sido=CODE the 시/군/구 outlines inside that 시/도."""
    sido = request.args.get("sido", "")
    if sido and sido not in region_names()[0]:
        abort(404)
    body, etag = boundaries("sigungu", sido) if sido else boundaries("sido")
    response = Response(body, mimetype="application/geo+json")
    response.set_etag(etag, weak=True)
    response.make_conditional(request)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
