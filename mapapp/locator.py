"""A small locator map for an incident page: the 시/도's outline and a dot, as inline SVG.

Drawn on the server from the boundary files, so it shows without JavaScript, tiles or any
request (the incident page stays one cached document); the map page is a link away."""

import math
from dataclasses import dataclass
from functools import lru_cache

from mapapp.api.boundaries import simplified_shapes

WIDTH = 240  # viewBox units; the SVG scales to its box in site.css


@dataclass(frozen=True)
class Outline:
    """A 시/도 outline as an SVG path, and how to place a point on it."""

    path: str
    west: float
    north: float
    scale_x: float
    scale_y: float
    height: int

    def place(self, lon, lat):
        """Return the (x, y) of a point in the outline's viewBox."""
        return (round((lon - self.west) * self.scale_x, 1),
                round((self.north - lat) * self.scale_y, 1))


@lru_cache(maxsize=32)
def outline(sido_code):
    """Return the Outline of a 시/도, or None when the data has no such region."""
    # The map's own 시/도 outlines (about 1 km), read and simplified once for both.
    found = [geometry for props, geometry in simplified_shapes("sido")
             if props["code"] == sido_code]
    if not found:
        return None
    geometry = found[0]
    west, south, east, north = geometry.bounds
    # Equirectangular, squeezed by the cosine of the middle latitude: right for one 시/도.
    squeeze = math.cos(math.radians((south + north) / 2))
    scale_x = WIDTH / max((east - west) * squeeze, 1e-6) * squeeze
    scale_y = scale_x / squeeze
    place = Outline("", west, north, scale_x, scale_y, 0).place
    parts = []
    polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    for polygon in polygons:
        ring = [place(lon, lat) for lon, lat in polygon.exterior.coords]
        parts.append("M" + " L".join(f"{x},{y}" for x, y in ring) + "Z")
    return Outline(" ".join(parts), west, north, scale_x, scale_y,
                   math.ceil((north - south) * scale_y))
