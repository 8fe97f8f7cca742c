"""Folium builds the map's scaffolding: map, tiles, controls, cluster group. No user data.

Published incidents never pass through folium: static/js/map.js fetches them from the JSON API
and builds every popup with DOM nodes. We use folium's "components" (header, html, script) in
our own template, with two changes to what folium would emit on its own:
- its assets point at static/vendor/ (Leaflet 1.9.4, Leaflet.markercluster 1.5.3,
  leaflet.fullscreen 3.0.0 and leaflet.locatecontrol 0.85.1, from npm: ./dev vendor);
  folium's CDN defaults (jQuery, Bootstrap, Font Awesome, ...) are never loaded;
- its header's viewport meta (which forbids zooming) and page-wide styles are left out; the
  map's size comes from site.css, and the script is wrapped in a tag carrying the CSP nonce.
"""

from dataclasses import dataclass
from functools import lru_cache

import folium
from branca.element import CssLink, JavascriptLink
from folium.plugins import Fullscreen, LocateControl, MarkerCluster

KOREA_CENTER = (36.3, 127.8)
KOREA_ZOOM = 7
LEAFLET_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css")]
CLUSTER_JS = [("markercluster", "vendor/leaflet.markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [("markercluster_css", "vendor/leaflet.markercluster/MarkerCluster.css"),
               ("markercluster_default_css",
                "vendor/leaflet.markercluster/MarkerCluster.Default.css")]
FULLSCREEN_JS = [("fullscreen", "vendor/leaflet.fullscreen/Control.FullScreen.js")]
FULLSCREEN_CSS = [("fullscreen_css", "vendor/leaflet.fullscreen/Control.FullScreen.css")]
LOCATE_JS = [("locate", "vendor/leaflet.locatecontrol/L.Control.Locate.umd.js")]
LOCATE_CSS = [("locate_css", "vendor/leaflet.locatecontrol/L.Control.Locate.min.css")]
NEAR_ME_ZOOM = 13  # a few kilometres around: the schools of a neighbourhood


@dataclass(frozen=True)
class MapParts:
    """Folium's rendered pieces, and the JavaScript names map.js looks up."""

    header: str  # the <link> tags of the styles (in <head>), all on our own origin
    libraries: str  # the <script src> tags, put before the script at the end of <body>, so
    # that Leaflet and its plugins do not hold up the page's first paint
    html: str  # the map's <div>
    script: str  # the code that builds map, tiles, cluster group and controls (no <script>)
    map_name: str
    cluster_name: str
    regions_name: str
    locate_name: str  # "" without the "near me" control


def _static(static_url, pairs):
    """Return folium (name, url) pairs pointing at our static files."""
    return [(name, static_url + path) for name, path in pairs]


@lru_cache(maxsize=8)
def build_map(static_url, tile_url, tile_attribution, incidents_label, regions_label,
              controls=None):
    """Render the scaffolding once per (static prefix, tiles, language); the result is reused.

    `controls`: the titles (full screen, leave full screen, near me) of the public map's
    full-screen and "near me" buttons, in the page's language; None leaves them out."""
    fmap = folium.Map(location=KOREA_CENTER, zoom_start=KOREA_ZOOM, min_zoom=6, max_zoom=18,
                      tiles=None, control_scale=True, max_bounds=True,
                      min_lat=32.0, max_lat=39.5, min_lon=123.0, max_lon=133.0)
    # folium passes min_zoom/max_zoom to its tile layer only; the map itself needs them, or
    # with no tile layer Leaflet.markercluster throws "Map has no maxZoom specified" and
    # nothing is drawn (the public map without tiles, and the moderators' picker).
    fmap.options.update(minZoom=6, maxZoom=18)
    fmap.default_js = _static(static_url, LEAFLET_JS)
    fmap.default_css = _static(static_url, LEAFLET_CSS)
    if tile_url:  # without tiles the map still shows our own region outlines
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="tiles",
                         control=False, max_zoom=18).add_to(fmap)
    # Drawn first, so the incident markers stay on top of region outlines and counts.
    regions = folium.FeatureGroup(name=regions_label).add_to(fmap)
    cluster = MarkerCluster(name=incidents_label, options={"chunkedLoading": True,
                                                           "showCoverageOnHover": False})
    cluster.default_js = _static(static_url, CLUSTER_JS)
    cluster.default_css = _static(static_url, CLUSTER_CSS)
    cluster.add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    locate = None
    if controls:
        full, leave, near = controls
        # On a phone without the Fullscreen API (iOS) the plugin fills the window instead.
        screen = Fullscreen(position="topleft", title=full, title_cancel=leave,
                            force_separate_button=True)
        screen.default_js = _static(static_url, FULLSCREEN_JS)
        screen.default_css = _static(static_url, FULLSCREEN_CSS)
        screen.add_to(fmap)
        # The browser's position stays in the page: the map moves there and asks for that
        # viewport's points like any pan would; no position is ever sent to the server.
        locate = LocateControl(position="topleft", strings={"title": near}, setView="once",
                               flyTo=False, initialZoomLevel=NEAR_ME_ZOOM, showPopup=False,
                               drawCircle=True, locateOptions={"watch": False,
                                                               "enableHighAccuracy": False})
        locate.default_js = _static(static_url, LOCATE_JS)
        locate.default_css = _static(static_url, LOCATE_CSS)
        locate.add_to(fmap)

    # folium names its JavaScript variables with random ids; numbered instead, the page is
    # the same bytes in every process (the static mirror's files and their CSP hashes stay
    # put across publishes, and a CDN's copies stay valid).
    for number, element in enumerate(_elements(fmap)):
        element._id = f"{number:04d}"
    root = fmap.get_root()
    root.render()
    links = list(root.header._children.values())
    return MapParts(header="\n".join(c.render() for c in links if isinstance(c, CssLink)),
                    libraries="\n".join(c.render() for c in links
                                         if isinstance(c, JavascriptLink)),
                    html=root.html.render(),
                    script=root.script.render(), map_name=fmap.get_name(),
                    cluster_name=cluster.get_name(), regions_name=regions.get_name(),
                    locate_name=locate.get_name() if locate else "")


def _elements(element):
    """Yield an element and all its descendants, in order."""
    yield element
    for child in element._children.values():
        yield from _elements(child)
