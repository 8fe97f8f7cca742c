"""The public map in a real browser: clusters, a 시/도 filter, a popup, history, the choropleth."""

import re
import time

import pytest
from sqlalchemy import func, select

from mapapp.extensions import db
from mapapp.models import Incident, Institution
from tests.conftest import XSS, throwaway_database
from tests.live import PNG, TILE_HOST, browser, demo_site, live_server, read_rows


@pytest.fixture(params=["tiles", "no tiles"])
def site(request, backend, tmp_path):
    """A live server with 300 published demo incidents, with a tile host of its own or with
    no tiles at all (outlines only). Every level is named here: this is about the map's
    mechanics (the default policy's pins and counts are checked in test_publication_policy.py
    and test_browser_moderation.py)."""
    named = dict.fromkeys(("tips_only", "media_reported", "officially_confirmed"), "named")
    tiles = {} if request.param == "tiles" else {"TILE_URL": ""}
    with demo_site(backend, tmp_path, incidents=300, reports=0, seed_value=7,
                   PUBLICATION_POLICY=named, **tiles) as (_app, base, url):
        yield base, url


def shown_count(page):
    return int(re.search(r"\d+", page.text_content("[data-testid=count]")).group())


def wait_until(page, expression, seconds=30):
    """Wait until a JavaScript expression about the page's own state is true.

    wait_for_function would do this, but it compiles the expression inside the page, which our
    CSP forbids; so it is read from outside, each animation frame, up to a deadline. The
    deadline is generous: on a busy machine the map's animations take longer, never shorter.
    """
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true within {seconds} s: {expression}")
        # The next frame (or 100 ms, should frames be held back): no fixed delay to guess.
        page.evaluate("new Promise(done => { requestAnimationFrame(() => done());"
                      " setTimeout(done, 100); })")


def settled(map_name):
    """A JavaScript condition: the map is not moving and has drawn its latest data (map.js sets
    aria-busy on #map-wrap while a request is out)."""
    return (f"!window[{map_name!r}]._animatingZoom && "
            "!document.querySelector('.leaflet-cluster-anim') && "
            "!document.getElementById('map-wrap').hasAttribute('aria-busy')")


# A popup is open (not one fading out after its close: Leaflet sets its opacity to 0 first).
POPUP_OPEN = ("[...document.querySelectorAll('.leaflet-popup')]"
              ".some(p => p.style.opacity !== '0')")


def count_is(page, number):
    wait_until(page, "document.querySelector('[data-testid=count]').textContent"
                     f".match(/\\d+/)[0] === '{number}'")


def click_inside_map(page, selector):
    """Click the first element matching `selector` that lies inside the map's visible area."""
    point = page.evaluate("""selector => {
        const wrap = document.getElementById('map-wrap');
        wrap.scrollIntoView({block: 'center'});
        const box = wrap.getBoundingClientRect();
        const frame = {left: Math.max(box.left, 0), top: Math.max(box.top, 0),
                       right: Math.min(box.right, innerWidth),
                       bottom: Math.min(box.bottom, innerHeight)};
        for (const node of document.querySelectorAll(selector)) {
            const r = node.getBoundingClientRect();
            if (r.left >= frame.left && r.right <= frame.right && r.top >= frame.top
                && r.bottom <= frame.bottom && r.width > 0) {
                return [r.left + r.width / 2, r.top + r.height / 2];
            }
        }
        return null;
    }""", selector)
    if point is None:
        return False
    page.mouse.click(*point)
    return True


def wait_loaded(page, view):
    page.wait_for_selector(f"#map-wrap[data-loaded={view}]")


def test_map_filters_popup_history_and_choropleth(site):
    base, url = site
    (total,), = read_rows(url, select(func.count()).select_from(Incident))
    (seoul,), = read_rows(url, select(func.count()).select_from(Incident).join(
        Institution, Institution.id == Incident.institution_id).where(
        Institution.sido_code == "11"))
    assert 0 < seoul < total
    with browser() as (page, requested):
        page.context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
            "window.__errors = []; window.addEventListener('error',"
            " e => window.__errors.push(String(e.message)));")
        page.route(TILE_HOST + "/**", lambda route: route.fulfill(body=PNG,
                                                                   content_type="image/png"))
        page.goto(base + "/")
        wait_loaded(page, "points")
        page.wait_for_selector(".marker-cluster")
        assert shown_count(page) == total
        assert page.is_visible("#demo-banner")
        assert page.locator("#map-wrap path.leaflet-interactive, #map-wrap path").count() >= 17

        # A 시/도 filter: the URL changes without a reload, the count follows, the map zooms in.
        page.evaluate("window.__same_page = true")
        zoom_before = page.evaluate(f"window[{page.get_attribute('#map-wrap', 'data-map')!r}]"
                                    ".getZoom()")
        page.click(".filter-box summary")  # folded at first, so the map comes first on a phone
        page.select_option("#f-sido", "11")
        page.wait_for_url(re.compile(r"[?&]sido=11"))
        count_is(page, seoul)
        assert page.evaluate("window.__same_page") is True  # no reload
        map_name = page.get_attribute("#map-wrap", "data-map")
        wait_until(page, f"window[{map_name!r}].getZoom() > {zoom_before}")
        assert "sido=11" in page.get_attribute("a[data-keep-filters]", "href")

        # Open a popup: zoom into clusters until a single institution's pin shows, and click
        # it. Before each click the map must be still (no zoom, no cluster animation, its latest
        # data drawn); after a cluster click, wait for a new zoom level, a cluster opened in
        # place (spiderfied) at the last zoom, or a popup. An open popup ends the search: a
        # click meant for a cluster may land on a pin drawn over it and open its popup, and a
        # second click on that pin would close it again (Leaflet toggles). A click that found
        # nothing (the pin moved while the busy machine delivered it) is simply made again.
        for _ in range(16):
            wait_until(page, settled(map_name))
            if page.evaluate(POPUP_OPEN):
                break
            if click_inside_map(page, ".leaflet-marker-icon.pin"):
                continue
            zoom = page.evaluate(f"window[{map_name!r}].getZoom()")
            assert click_inside_map(page, ".marker-cluster")
            wait_until(page, f"({POPUP_OPEN} || window[{map_name!r}].getZoom() > {zoom} || "
                             "document.querySelector('.leaflet-marker-icon.pin')) && "
                             + settled(map_name))
        # A popup that is closing fades out for 200 ms beside the new one. Read only one.
        wait_until(page, "document.querySelectorAll('.leaflet-popup').length === 1 && "
                         "document.querySelector('.leaflet-popup-content .popup a')")
        href = page.get_attribute(".leaflet-popup-content .popup a", "href")
        incident_id = int(href.rstrip("/").rsplit("/", 1)[1])
        (name, sido), = read_rows(url, select(Institution.name_ko, Institution.sido_code).join(
            Incident, Incident.institution_id == Institution.id).where(
            Incident.id == incident_id))
        popup = page.text_content(".leaflet-popup-content")
        assert name in popup and sido == "11"
        assert page.locator(".leaflet-popup-content .badge-demo").count() == 1

        # The back button restores the unfiltered view.
        page.go_back()
        count_is(page, total)
        assert page.input_value("#f-sido") == ""

        # Counts by region: a choropleth with a legend.
        page.check("input[name=mode][value=regions]")
        wait_loaded(page, "sido")
        assert page.is_visible("#legend")
        fills = page.eval_on_selector_all("#map-wrap path.leaflet-interactive",
                                          "nodes => nodes.map(n => n.getAttribute('fill'))")
        assert len(fills) == 17 and len(set(fills)) > 1

        assert page.evaluate("window.__csp") == []
        assert page.evaluate("window.__errors") == []
        elsewhere = [u for u in requested if not u.startswith(base)]
        tiled = page.locator("img.leaflet-tile").count() > 0
        assert tiled == bool(elsewhere)  # without a tile URL nothing leaves our origin
        assert all(u.startswith(TILE_HOST + "/") for u in elsewhere)


def test_map_page_without_javascript_points_to_the_list(site):
    base, _url = site
    with browser(javascript=False) as (page, requested):
        page.goto(base + "/?sido=11")
        link = page.locator("noscript a, #after-map a").first.get_attribute("href")
        assert link.startswith("/list") and "sido=11" in link
        assert shown_count(page) > 0
        assert [u for u in requested if not u.startswith(base)] == []


@pytest.fixture
def hostile_site(backend, tmp_path):
    """A live server with one published incident whose every text is an XSS payload."""
    from datetime import date

    from mapapp.models import utcnow

    with throwaway_database(backend, tmp_path) as url, live_server(url) as (app, base):
        with app.app_context():
            place = Institution(source="moderator", source_id="xss", name_ko=XSS, name_en=XSS,
                                kind="other", sido_code="50", sigungu_code="50110")
            place.place(126.53, 33.50)
            db.session.add(place)
            db.session.flush()
            db.session.add(Incident(institution_id=place.id, status="published",
                                    verification_level="media_reported",
                                    first_reported_month=date(2024, 8, 1),
                                    last_reported_month=date(2024, 8, 1),
                                    public_summary_ko=XSS, published_at=utcnow()))
            db.session.commit()
            db.session.remove()
        yield base


def test_popup_shows_hostile_text_as_text(hostile_site):
    base = hostile_site
    with browser() as (page, _requested):
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(base + "/")
        wait_loaded(page, "points")
        assert click_inside_map(page, ".leaflet-marker-icon.pin")
        page.wait_for_selector(".leaflet-popup-content .popup a")
        assert page.text_content(".leaflet-popup-content strong") == XSS
        injected = page.locator(".leaflet-popup-content img, .leaflet-popup-content script")
        assert injected.count() == 0
        assert page.locator("img[src=x]").count() == 0
        page.goto(base + "/list")
        page.goto(base + "/stats")
        assert dialogs == []
