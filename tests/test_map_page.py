"""The map page's scaffolding, region boundaries, popup records, stats and language choice."""

import json
import re
from pathlib import Path

import pytest

from mapapp.queries import PUBLIC_FIELDS
from tests.conftest import XSS

# These tests are about filters and fields: every level is named here; the default
# publication policy has its own tests (test_publication_policy.py).
pytestmark = pytest.mark.usefixtures("every_level_named")

ROOT = Path(__file__).resolve().parent.parent
CDN_HINTS = ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrap", "fontawesome", "unpkg",
             "netdna", "googleapis")


def test_map_is_folium_scaffolding_with_vendored_assets_only(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<div class="folium-map" id="map_\w+"', html)
    assert re.search(r"var map_\w+ = L\.map\(", html)
    assert re.search(r"var marker_cluster_\w+ = L\.markerClusterGroup\(", html)
    assert "L.control.layers(" in html and "L.control.scale()" in html
    assert "L.control.fullscreen(" in html and "L.control.locate(" in html
    for asset in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
                  "vendor/leaflet.markercluster/leaflet.markercluster.js",
                  "vendor/leaflet.markercluster/MarkerCluster.css",
                  "vendor/leaflet.fullscreen/Control.FullScreen.js",
                  "vendor/leaflet.fullscreen/Control.FullScreen.css",
                  "vendor/leaflet.locatecontrol/L.Control.Locate.umd.js",
                  "vendor/leaflet.locatecontrol/L.Control.Locate.min.css"):
        assert f'"/static/{asset}"' in html, asset
        with client.get(f"/static/{asset}") as served:
            assert served.status_code == 200
            assert "max-age=3600" in served.headers["Cache-Control"]
    lowered = html.lower()
    assert not [hint for hint in CDN_HINTS if hint in lowered]
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<footer")[0])
    # No script in <head> holds up the first paint: the libraries come at the end, in order.
    head, body = html.split("</head>")
    assert "<script" not in head and '<link rel="stylesheet" href="/static/vendor/' in head
    order = [body.index(f'src="/static/{name}"') for name in (
        "vendor/leaflet/leaflet.js", "vendor/leaflet.markercluster/leaflet.markercluster.js",
        "vendor/leaflet.locatecontrol/L.Control.Locate.umd.js", "js/map.js")]
    assert order == sorted(order) and body.index("L.map(") > order[-2]
    with client.get("/static/vendor/leaflet.fullscreen/icon-fullscreen.svg") as icon:
        assert icon.status_code == 200  # the button's picture, named in the plugin's CSS


@pytest.mark.parametrize("lang, words", [("en", ("Full screen", "Show schools near me")),
                                         ("ko", ("전체 화면", "내 주변 학교 보기"))])
def test_full_screen_and_near_me_speak_the_page_language(client, lang, words):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    for word in words:  # as folium writes them (JSON, ASCII escapes)
        assert json.dumps(word) in html, word
    # The position stays in the page: the control only moves the map.
    assert '"setView": "once"' in html and '"showPopup": false' in html


def test_the_map_scaffolding_is_the_same_bytes_every_time():
    """folium names its variables randomly; ours are numbered, so every process (and every
    publish of the static mirror) writes the same page and the same CSP hash."""
    from mapapp.mapbuilder import build_map

    first, second = (build_map.__wrapped__("/static/", "", "", "a", "b") for _ in range(2))
    assert first == second and first.map_name == "map_0000"


def test_vendored_libraries_keep_their_licences():
    vendor = ROOT / "static/vendor"
    assert "BSD 2-Clause" in (vendor / "leaflet/LICENSE").read_text()
    assert "MIT" in (vendor / "leaflet.markercluster/MIT-LICENCE.txt").read_text().upper()
    assert "1.9.4" in (vendor / "leaflet/leaflet.js").read_text()[:200]
    assert "MIT" in (vendor / "leaflet.fullscreen/LICENSE").read_text().upper()
    assert "MIT" in (vendor / "leaflet.locatecontrol/LICENSE").read_text().upper()


def test_viewport_allows_zooming_and_every_inline_script_or_style_has_the_nonce(client):
    answer = client.get("/")
    html = answer.get_data(as_text=True)
    viewports = re.findall(r'<meta name="viewport"[^>]*>', html)
    assert len(viewports) == 1
    assert "user-scalable=no" not in viewports[0] and "maximum-scale" not in viewports[0]
    nonce = re.search(r"'nonce-([\w-]+)'", answer.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html):
        assert f'nonce="{nonce}"' in tag or 'type="application/json"' in tag, tag
    for tag in re.findall(r"<style[^>]*>", html):
        assert f'nonce="{nonce}"' in tag, tag
    assert " style=" not in html  # inline style attributes would need 'unsafe-inline'


def test_tiles_come_from_the_configured_host_or_not_at_all(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TILE_URL", "https://tiles.example.net/{z}/{x}/{y}.png")
    answer = client.get("/")
    assert '"https://tiles.example.net/{z}/{x}/{y}.png"' in answer.get_data(as_text=True)
    assert "img-src 'self' data: https://tiles.example.net" in answer.headers[
        "Content-Security-Policy"]
    monkeypatch.setitem(app.config, "TILE_URL", "")
    html = client.get("/").get_data(as_text=True)
    assert "L.tileLayer(" not in html and "folium-map" in html


def test_map_page_keeps_the_filters_in_its_form_and_links(client):
    html = client.get("/?sido=11&kind=high").get_data(as_text=True)
    assert '<option value="11" selected>' in html
    assert '<option value="high" selected>' in html
    assert re.search(r'href="/list\?[^"]*sido=11', html)


def test_region_boundaries_for_outlines_and_choropleth(client):
    answer = client.get("/api/v1/regions.geojson")
    assert answer.status_code == 200 and answer.mimetype == "application/geo+json"
    features = answer.json["features"]
    assert len(features) == 17
    seoul = next(f for f in features if f["id"] == "11")
    west, south, east, north = seoul["bbox"]
    assert 126.7 < west < east < 127.3 and 37.4 < south < north < 37.8
    assert seoul["properties"]["name_ko"] == "서울특별시"
    districts = client.get("/api/v1/regions.geojson?sido=11").json["features"]
    assert len(districts) == 25 and all(f["id"].startswith("11") for f in districts)
    again = client.get("/api/v1/regions.geojson", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/api/v1/regions.geojson?sido=99").status_code == 404
    assert len(answer.data) < 200_000  # simplified for display


def test_popup_record_is_public_fields_of_published_incidents_only(client, incidents):
    record = client.get(f"/api/v1/incidents/{incidents['seoul']}")
    assert record.status_code == 200
    assert set(record.json) <= set(PUBLIC_FIELDS)
    assert record.json["summary_ko"].endswith(XSS)  # data, escaped by JSON, shown by textContent
    assert "SECRET-BASIS" not in record.get_data(as_text=True)
    assert record.mimetype == "application/json"
    assert record.headers["X-Content-Type-Options"] == "nosniff"
    for hidden in ("draft", "hidden", "retracted"):
        assert client.get(f"/api/v1/incidents/{incidents[hidden]}").status_code == 404
    assert client.get("/api/v1/incidents/999999").status_code == 404


def test_stats_count_by_kind_region_and_month(client, incidents):
    html = client.get("/stats?lang=en").get_data(as_text=True)
    assert re.search(r'data-testid="total">\D*3\D', html)
    assert re.search(r"<td>Elementary school</td><td>1</td>", html)
    assert re.search(r"<td>High school</td><td>1</td>", html)
    assert re.search(r"<td>University or college</td><td>1</td>", html)
    assert re.search(r"<td>Seoul</td><td>2</td>", html)
    assert re.search(r"<td>Sejong\b[^<]*</td><td>1</td>", html)
    months = dict(re.findall(r"<td>(\d{4}-\d{2})</td><td>(\d+)</td>", html))
    assert months["2024-01"] == "1" and months["2024-08"] == "1" and months["2025-03"] == "1"
    assert months["2024-02"] == "0" and len(months) == 15  # every month from first to last
    assert html.count("<svg") == 3 and "<script>alert" not in html


@pytest.mark.parametrize("query", ["sido=36", "kind=university", "month_to=2023-01"])
def test_stats_follow_the_filter(client, incidents, query):
    html = client.get(f"/stats?{query}&lang=en").get_data(as_text=True)
    total = int(re.search(r'data-testid="total">\D*(\d+)', html).group(1))
    listed = client.get(f"/api/v1/points?view=count&{query}").json["count"]
    assert total == listed


def test_language_choice_persists_in_a_cookie_on_pages_only(app):
    client = app.test_client()
    answer = client.get("/list?lang=en&sido=11")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "HttpOnly" in cookie and "Max-Age=" in cookie
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # no ?lang= now
    assert "Set-Cookie" not in client.get("/api/v1/points?view=count&lang=ko").headers
    links = client.get("/list?sido=11").get_data(as_text=True)
    assert 'href="/list?sido=11&amp;lang=ko"' in links
    assert "Set-Cookie" not in app.test_client().get("/report?lang=en").headers.get(
        "Set-Cookie", "").split("session=")[0]


@pytest.mark.parametrize(("path", "count"), [("/?kind=high", 'data-testid="count"'),
                                             ("/list?kind=high", 'data-testid="total"'),
                                             ("/stats?kind=high", 'data-testid="total"')])
def test_cached_public_pages_get_a_fresh_nonce_and_follow_the_data(client, session, incidents,
                                                                   path, count):
    from mapapp.models import Incident
    from mapapp.publishing import public_change

    pages = [client.get(path) for _ in range(2)]
    nonces = [re.search(r"'nonce-([\w-]+)'", p.headers["Content-Security-Policy"]).group(1)
              for p in pages]
    assert nonces[0] != nonces[1]
    for page, nonce in zip(pages, nonces, strict=True):
        html = page.get_data(as_text=True)
        assert set(re.findall(r'nonce="([^"]+)"', html)) <= {nonce}  # this answer's own
        assert f'<script nonce="{nonce}">' in html or not path.startswith("/?")
    assert re.search(count + r'>\D*1\D', pages[1].get_data(as_text=True))
    with public_change(session):  # as a hide does it
        session.get(Incident, incidents["sejong"]).status = "hidden"
        session.commit()
    html = client.get(path).get_data(as_text=True)
    assert re.search(count + r'>\D*0\D', html)
