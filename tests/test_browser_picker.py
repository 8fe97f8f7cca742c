"""The moderators' "place on the map" picker, which has no tiles by design: the district's
outline shows, a click puts a visible pin and fills the coordinates, and the new institution is
saved where it was clicked."""

from datetime import date

import pytest
from sqlalchemy import select

from mapapp.extensions import db
from mapapp.models import Institution, Report
from mapapp.reports import receipts
from tests.conftest import throwaway_database
from tests.live import browser, live_server, read_rows
from tests.moderation_helpers import add_unenrolled
from tests.test_browser_moderation import LINKS, sign_in

DISTRICT = "11230"  # 동대문구: compact, so the middle of its outline's box lies inside it


@pytest.fixture
def site(backend, tmp_path):
    with throwaway_database(backend, tmp_path) as url, live_server(url) as (app, base):
        with app.app_context():
            _code, lookup, hashed = receipts.new_receipt()
            tip = Report(institution_text="새로 생긴 학원", sido_code="11", sigungu_code=DISTRICT,
                         category="other", occurred_month=date(2024, 8, 1),
                         description="내용", receipt_lookup=lookup, receipt_hash=hashed)
            db.session.add(tip)
            LINKS["placer"] = add_unenrolled(db.session, "placer")
            db.session.commit()
            tip_id = tip.id
            db.session.remove()
        yield base, url, tip_id


def test_the_picker_places_a_point_without_tiles(site):
    base, url, tip_id = site
    with browser() as (page, requested):
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, "placer")
        page.goto(f"{base}/mod/tips/{tip_id}/place")
        page.click("details summary")
        outline = page.wait_for_selector("#picker path[stroke='#b3261e']")
        page.locator("#picker").scroll_into_view_if_needed()
        box = outline.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#picker .leaflet-marker-icon", state="visible")
        lon, lat = float(page.input_value("#lon")), float(page.input_value("#lat"))
        assert 126.9 < lon < 127.2 and 37.5 < lat < 37.7  # inside Seoul's 동대문구
        page.click("form[method=post] button.primary")
        page.wait_for_url(f"{base}/mod/institutions/**")
        assert errors == []
        assert [u for u in requested if not u.startswith(base)] == []  # no tiles, nothing else
    placed, = read_rows(url, select(Institution.sigungu_code, Institution.lon, Institution.lat,
                                       Institution.location_approximate)
                           .where(Institution.source == "moderator"))
    assert placed.sigungu_code == DISTRICT and not placed.location_approximate
    assert abs(placed.lon - lon) < 1e-5 and abs(placed.lat - lat) < 1e-5
