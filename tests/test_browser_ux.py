"""The public map as people use it (issue 15): on a phone the map is on the first screen;
region counts never hide each other; a keyboard alone opens a popup; the help and the pins'
meaning are on the page."""

import re
from contextlib import contextmanager

import pytest

from tests.live import CHROMIUM, CHROMIUM_ARGS, PNG, TILE_HOST, demo_site
from tests.test_browser_map import settled, shown_count, wait_loaded, wait_until

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@contextmanager
def phone_or_laptop(javascript=True, **options):
    """Yield a Playwright page of the given size (a laptop by default)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
        context = chromium.new_context(java_script_enabled=javascript, locale="ko-KR",
                                       **options)
        page = context.new_page()
        page.route(TILE_HOST + "/**", lambda route: route.fulfill(body=PNG,
                                                                   content_type="image/png"))
        page.context.add_init_script(
            "window.__errors = []; window.addEventListener('error',"
            " e => window.__errors.push(String(e.message)));")
        try:
            yield page
        finally:
            context.close()
            chromium.close()


@pytest.fixture
def counted_site(backend, tmp_path):
    """300 demo incidents under the default policy: tips-only ones are counted, so low zooms
    show region bubbles."""
    with demo_site(backend, tmp_path, incidents=300, reports=0, seed_value=11) as (
            _app, base, _url):
        yield base


@pytest.fixture
def named_site(backend, tmp_path):
    """300 demo incidents, every level named: pins and clusters at every zoom."""
    named = dict.fromkeys(("tips_only", "media_reported", "officially_confirmed"), "named")
    with demo_site(backend, tmp_path, incidents=300, reports=0, seed_value=7,
                   PUBLICATION_POLICY=named) as (_app, base, _url):
        yield base


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_on_a_phone_the_map_is_on_the_first_screen(named_site, lang):
    with phone_or_laptop(**PHONE) as page:
        page.goto(f"{named_site}/?lang={lang}")
        wait_loaded(page, "points")
        top, height = page.evaluate(
            "(() => { const r = document.getElementById('map-wrap').getBoundingClientRect();"
            " return [r.top, r.height]; })()")
        visible = min(844, top + height) - top
        assert visible >= 0.6 * height, (top, height)
        # The meaning of the pins is spelled out under the map, in the page's language.
        legend = page.text_content(".pin-legend")
        assert ("시연용" if lang == "ko" else "demonstration") in legend
        # Full screen and "near me" are there, named in the page's language.
        names = page.eval_on_selector_all(
            ".leaflet-control a[title]", "nodes => nodes.map(n => n.getAttribute('title'))")
        wanted = ("전체 화면", "내 주변 학교 보기", "확대", "축소") if lang == "ko" else (
            "Full screen", "Show schools near me", "Zoom in", "Zoom out")
        assert set(wanted) <= set(names), names
        assert page.evaluate("window.__errors") == []


def bubble_boxes(page):
    return page.eval_on_selector_all(
        ".leaflet-marker-icon.bubble", "nodes => nodes.map(n => { const r ="
        " n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom,"
        " parseInt(n.textContent, 10)]; })")


def test_region_bubbles_never_overlap_and_keep_every_incident(counted_site):
    with phone_or_laptop(viewport={"width": 1280, "height": 900}) as page:
        page.goto(counted_site + "/")
        wait_loaded(page, "sido")
        total = shown_count(page)
        name = page.get_attribute("#map-wrap", "data-map")
        for zoom in (6, 7, 8, 9):
            page.evaluate(f"window[{name!r}].setZoom({zoom}, {{animate: false}})")
            view = "sido" if zoom < 8 else "sigungu"
            wait_until(page, f"window[{name!r}].getZoom() === {zoom} && "
                             f"document.getElementById('map-wrap').dataset.loaded === '{view}'"
                             " && document.querySelector('.leaflet-marker-icon.bubble') && "
                             + settled(name))
            boxes = bubble_boxes(page)
            assert sum(box[4] for box in boxes) == total, zoom  # nothing lost by merging
            for i, a in enumerate(boxes):
                assert a[2] - a[0] >= 24 and a[3] - a[1] >= 24  # a target a finger can hit
                for b in boxes[i + 1:]:
                    apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                    assert apart, (zoom, a, b)
        assert page.evaluate("window.__errors") == []


def test_a_keyboard_alone_opens_a_popup(named_site):
    """Tab reaches the map's clusters and pins; Enter zooms into a cluster, Space on a pin
    opens its popup; no mouse."""
    with phone_or_laptop(viewport={"width": 1280, "height": 900}) as page:
        page.goto(named_site + "/?sido=11")
        wait_loaded(page, "points")
        name = page.get_attribute("#map-wrap", "data-map")
        wait_until(page, settled(name))
        page.focus("#map-wrap .leaflet-container")
        for _ in range(15):
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.className")
            while "leaflet-marker-icon" not in focused:
                page.keyboard.press("Tab")
                focused = page.evaluate("document.activeElement.className")
            if " pin " in f" {focused} ":
                page.keyboard.press("Space")
                break
            zoom = page.evaluate(f"window[{name!r}].getZoom()")
            page.keyboard.press("Enter")  # a cluster: zoom in (or open it in place)
            wait_until(page, f"(window[{name!r}].getZoom() > {zoom} || "
                             "document.querySelector('.leaflet-marker-icon.pin')) && "
                             + settled(name))
            assert page.evaluate("document.activeElement.classList.contains("
                                 "'leaflet-container')")  # focus stays on the map
        page.wait_for_selector(".leaflet-popup-content .popup a")
        assert re.search(r"/incidents/\d+", page.get_attribute(
            ".leaflet-popup-content .popup a", "href"))
        assert page.evaluate("window.__errors") == []
