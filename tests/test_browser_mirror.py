"""The static mirror served by nginx alone, with the application and its database gone.

`flask publish-static` writes the public side of a demo site into a folder; the database is
then dropped and nothing of the application runs. nginx serves the folder with the sample
site deploy/nginx-mirror.conf (TLS swapped for a loopback port, the root for the folder), and
Chromium walks it: the map draws points, filters count exactly what the application counted
for the same filter, the list pages, an incident page opens, English works, and every request
the browser made went to nginx and succeeded.
"""

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask_migrate import upgrade

from geodata.loader import load_all
from mapapp import create_app
from mapapp.demo import seed
from mapapp.extensions import db
from mapapp.mirror import publish
from mapapp.payload import get_total
from mapapp.queries import IncidentFilter
from tests.conftest import TEST_CONFIG, throwaway_database
from tests.live import browser
from tests.services import free_port, serve_nginx
from tests.test_browser_map import count_is, shown_count, wait_loaded

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx-mirror.conf"
# Filters whose counts the browser must find, each different from the unfiltered total:
# regions, a district, kind and name (which leave the counted incidents out), levels and months.
FILTERS = [{"sido": "11"}, {"sido": "41", "level": "media_reported"}, {"kind": "high"},
           {"q": "초등"}, {"month_from": "2025-01", "month_to": "2025-06"},
           {"level": "tips_only", "sido": "48"}, {"q": "UNIVERSITY"},
           # The application's name forms and region words, in the browser: a short form, a
           # region word with a name, initials, and a one-letter name (finds nothing).
           {"q": "여고"}, {"q": "서울 초등"}, {"q": "경기도 ㅈ ㄱ"}, {"q": "중"}, {"q": "x"}]
# Values the application drops (a district of another 시/도, an unknown kind, month 13).
DROPPED = [{"sido": "11", "sigungu": "26110"}, {"kind": "nonsense", "month_from": "2024-13"}]


def render_mirror_site(root, port):
    """Return deploy/nginx-mirror.conf on a loopback port, serving `root`."""
    text = SITE.read_text()
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    text = re.sub(r"\n\s*ssl_certificate(_key)?\s[^;]+;", "", text)
    text = text.replace("root /srv/mapapp-mirror;", f"root {root};")
    text = text.replace("/var/log/nginx/mapapp-mirror.error.log", f"{root.parent}/error.log")
    directives = re.sub(r"#[^\n]*", "", text)
    assert not re.search(r"443|/srv/|/var/|ssl_", directives), "the sample changed: update this"
    return text


@pytest.fixture
def mirror(backend, tmp_path):
    """Publish a demo site (default policy: tips-only entries counted, never named), drop its
    database, serve the folder with nginx; yield (base URL, expected counts, folder)."""
    root = tmp_path / "mirror"
    with throwaway_database(backend, tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "TILE_URL": ""})
        with app.app_context():
            upgrade()
            load_all(db.session)
            seed(db.session, incidents=300, reports=0, seed_value=11)
            db.session.commit()
            expected = {urlencode(f): get_total(db.session, IncidentFilter.from_args(f))
                        for f in [{}, *FILTERS, *DROPPED]}
            publish(root)
            db.session.remove()
            db.engine.dispose()
    port = free_port()
    with serve_nginx(tmp_path, render_mirror_site(root, port), port):
        yield f"http://127.0.0.1:{port}", expected, root


def wait_count(page, number):
    page.wait_for_selector("#map-wrap[data-loaded]")
    assert shown_count(page) == number


def test_the_mirror_works_with_nothing_but_nginx(mirror):
    base, expected, _root = mirror
    total = expected[""]
    narrowed = [expected[urlencode(f)] for f in FILTERS]
    assert len(set(narrowed)) > 4 and total not in narrowed
    with browser() as (page, requested):
        failed = []
        page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400
                else None)
        page.context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
            "window.__errors = []; window.addEventListener('error',"
            " e => window.__errors.push(String(e.message)));")

        # The map: the same count as the application, then pins for a filter that names.
        page.goto(base + "/")
        wait_count(page, total)
        for query, number in expected.items():
            page.goto(f"{base}/?{query}")
            wait_count(page, number)
        page.goto(base + "/?kind=high")
        wait_loaded(page, "points")
        page.wait_for_selector(".leaflet-marker-icon")

        # A 시/도 chosen in the form: the count changes without a reload.
        page.goto(base + "/")
        wait_count(page, total)
        page.evaluate("window.__same_page = true")
        page.click(".filter-box summary")
        page.select_option("#f-sido", "11")
        page.wait_for_url(re.compile(r"[?&]sido=11"))
        count_is(page, expected["sido=11"])
        assert page.evaluate("window.__same_page") is True

        # Counts by region: a choropleth drawn from the same file.
        page.check("input[name=mode][value=regions]")
        wait_loaded(page, "sigungu")
        assert page.locator("#map-wrap path.leaflet-interactive").count() > 10

        # The list pages; an incident page opens from it.
        page.goto(base + "/list/")
        first = page.locator("[data-testid=incidents] tbody tr").first.get_attribute(
            "data-incident")
        page.click("text=다음")
        page.wait_for_url(base + "/list/2/")
        assert page.locator(f"tr[data-incident='{first}']").count() == 0
        name = page.locator("[data-testid=incidents] tbody tr a").first.text_content()
        page.locator("[data-testid=incidents] tbody tr a").first.click()
        page.wait_for_url(re.compile(r"/incidents/\d+/$"))
        assert page.text_content("h1").startswith(name)

        # English, and the application's own addresses.
        page.click("a[lang=en]")
        page.wait_for_url(re.compile(r"/en/incidents/\d+/$"))
        assert page.locator("html[lang=en]").count() == 1
        assert page.is_visible("text=List of incidents")
        incident = re.search(r"/incidents/(\d+)/", page.url).group(1)
        page.goto(f"{base}/incidents/{incident}")
        assert page.text_content("h1").startswith(name)
        assert page.goto(base + "/incidents/999999").status == 404
        failed.remove((404, base + "/incidents/999999"))

        assert page.evaluate("window.__csp") == []
        assert page.evaluate("window.__errors") == []
    assert failed == []
    assert [u for u in requested if not u.startswith(base + "/")] == []


def test_the_mirror_without_javascript(mirror):
    base, expected, _root = mirror
    with browser(javascript=False) as (page, requested):
        page.goto(base + "/list/")
        assert page.is_visible("[data-testid=mirror-note]")
        page.click("text=다음")
        page.wait_for_url(base + "/list/2/")
        page.goto(base + "/stats/")
        assert str(expected[""]) in page.text_content("[data-testid=total]")
    assert [u for u in requested if not u.startswith(base + "/")] == []
