"""The verification journey in a real browser: tip, two moderators, publication, correction."""

import re

import pyotp
import pytest
from sqlalchemy import select

from mapapp.extensions import db
from mapapp.models import Incident, Moderator
from moderation.accounts import hash_password
from tests.conftest import throwaway_database
from tests.live import browser, live_server, read_rows
from tests.moderation_helpers import PASSWORD
from tests.test_browser_tips import check_status, only_our_origin, send_tip_without_javascript


@pytest.fixture
def site(backend, tmp_path):
    with throwaway_database(backend, tmp_path) as url, live_server(url) as (app, base):
        with app.app_context():
            for name in ("alice", "bob"):
                db.session.add(Moderator(username=name, password_hash=hash_password(PASSWORD)))
            db.session.commit()
            db.session.remove()
        yield base, url


def sign_in(page, base, username):
    """Sign in through both steps, enrolling the authenticator from the key on the page."""
    page.goto(f"{base}/mod/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    secret = page.text_content("[data-testid=secret]")
    assert page.locator("[data-testid=qr] svg").count() == 1
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    assert page.url.endswith("/mod/")


def sign_out(page):
    page.click(".mod-nav button[type=submit]")


def incident_status(url):
    return read_rows(url, select(Incident.id, Incident.status))


def on_public_map_and_list(browser_page, base, incident_id):
    """Return (count, pins on the map, rows in the list) as a visitor with JavaScript sees them."""
    context = browser_page.context.browser.new_context(java_script_enabled=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/")
        page.wait_for_selector("#map-wrap[data-loaded=points]")
        count = int(re.search(r"\d+", page.text_content("[data-testid=count]")).group())
        pins = page.locator(".leaflet-marker-icon.pin").count()
        page.goto(f"{base}/list")
        listed = page.locator(f"tr[data-incident='{incident_id}']").count()
    finally:
        context.close()
    return count, pins, listed


def test_tip_two_moderators_publish_then_correction_hides(site):
    base, url = site
    with browser(javascript=False) as (page, requested):
        code = send_tip_without_javascript(page, base)

        sign_in(page, base, "alice")
        page.goto(f"{base}/mod/queue")
        page.click("[data-testid=queue] a")
        page.check("input[name=decision][value=approve]")
        page.select_option("#level", "media_reported")
        page.fill("#basis", "언론 보도 확인")
        page.fill("#summary_ko", "2024년 9월 딥페이크 피해 보도")
        page.click("form[novalidate] button.primary")
        sign_out(page)
        assert [s for _, s in incident_status(url)] == ["draft"]

        sign_in(page, base, "bob")
        page.goto(f"{base}/mod/queue")
        page.click("[data-testid=drafts] button[type=submit]")
        sign_out(page)
        (incident_id, status), = incident_status(url)
        assert status == "published"
        assert check_status(page, base, code) == "published"
        assert on_public_map_and_list(page, base, incident_id) == (1, 1, 1)

        page.goto(f"{base}/incidents/{incident_id}/correction")
        page.fill("#requester_role", "교감")
        page.fill("#body", "해당 학교에는 피해 사실이 없습니다")
        page.click("button[type=submit]")
        assert [s for _, s in incident_status(url)] == ["hidden"]
        assert on_public_map_and_list(page, base, incident_id) == (0, 0, 0)
        assert only_our_origin(requested, base) == []
