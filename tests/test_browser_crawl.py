"""A headless crawl of every public, tip and moderator page: nothing loaded from elsewhere
(tiles on the map aside) and no Content-Security-Policy violation."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.live import PNG, TILE_HOST, browser, demo_site
from tests.moderation_helpers import add_unenrolled
from tests.test_browser_moderation import LINKS, sign_in

SKIP = re.compile(r"^/(api/|static/|feed\.atom|healthz)")  # data and files, not pages
WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation',"
             " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


def add_admin(session):
    LINKS["admin"] = add_unenrolled(session, "admin", role="admin")


@pytest.fixture
def site(backend, tmp_path):
    with demo_site(backend, tmp_path, incidents=40, reports=15, seed_value=11,
                   also=add_admin) as (_app, base, _url):
        yield base


def shape(path):
    """Group pages by route: /incidents/12 and /incidents/40 are the same page."""
    return re.sub(r"\d+", "N", path)


def crawl(page, base, start, limit=60):
    """Visit same-origin pages reachable from `start`, one per route shape; return problems."""
    problems, seen, queue = [], set(), [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if shape(urlsplit(path).path) in seen:
            continue
        seen.add(shape(urlsplit(path).path))
        answer = page.goto(base + path)
        if answer is None or answer.status >= 500:
            problems.append(f"{path}: {answer.status if answer else 'no answer'}")
            continue
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: CSP {v}" for v in page.evaluate("window.__csp")]
        for href in page.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)"):
            target = urlsplit(urljoin(base + path, href))
            if target.scheme in ("http", "https") and f"{target.scheme}://{target.netloc}" \
                    == base and not SKIP.match(target.path):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return problems, seen


def test_crawl_every_page_loads_only_our_origin_and_breaks_no_csp_rule(site):
    base = site
    with browser() as (page, requested):
        page.context.add_init_script(WATCH_CSP)
        page.route(TILE_HOST + "/**", lambda route: route.fulfill(body=PNG,
                                                                   content_type="image/png"))
        public_problems, public_pages = crawl(page, base, "/")
        sign_in(page, base, "admin")
        mod_problems, mod_pages = crawl(page, base, "/mod/")
    assert public_problems == [] and mod_problems == []
    assert {"/", "/list", "/stats", "/report", "/report/status", "/method",
            "/incidents/N"} <= public_pages
    assert {"/mod/", "/mod/queue", "/mod/audit"} <= mod_pages
    assert len(mod_pages) >= 6
    elsewhere = [u for u in requested if not u.startswith(base) and not u.startswith("data:")]
    assert all(u.startswith(TILE_HOST + "/") for u in elsewhere), elsewhere[:5]



def test_english_list_shows_english_names_and_regions(site):
    """On /list?lang=en a school reads "Seoul Hwigyeong Elementary School (서울휘경초등학교)"
    and its region "Dongdaemun-gu, Seoul": no row is Korean only."""
    base = site
    with browser(javascript=False) as (page, _requested):
        page.goto(f"{base}/list?lang=en")
        rows = page.locator("tr[data-incident]")
        assert rows.count() > 0
        for n in range(rows.count()):
            name, region = (rows.nth(n).locator("td").nth(i).text_content() for i in (0, 1))
            assert re.search(r"[A-Za-z]{3}.*\(.*[가-힣].*\)", name), name
            assert re.fullmatch(r"[A-Za-z' ,-]+", region.strip()), region
