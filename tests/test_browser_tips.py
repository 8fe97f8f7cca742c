"""A tipster in a real browser, with JavaScript off (Tor Browser's safest level) and on."""

import re

import pytest
from sqlalchemy import select

from mapapp.models import Institution, Report
from tests.conftest import throwaway_database
from tests.live import browser, live_server, read_rows


@pytest.fixture
def site(backend, tmp_path):
    """A live server on its own throwaway database."""
    with throwaway_database(backend, tmp_path) as url, live_server(url) as (app, base):
        yield base, url


def only_our_origin(requested, base):
    """Return the requests that went anywhere but our server."""
    return [url for url in requested if not url.startswith(base) and not url.startswith("data:")]


def fill_tip(page):
    """Answer the questions after the institution."""
    page.select_option("#occurred_year", "2024")
    page.select_option("#occurred_month", "9")
    page.check("input[name=category][value=chatroom_sharing]")
    page.check("input[name=tipster_role][value=witness]")
    page.fill("#description", "반 친구들 사진이 합성되어 단체방에 올라왔습니다.")
    page.check("#confirm")


def check_status(page, base, code):
    """Look the receipt up on the status page and return the state shown."""
    page.goto(f"{base}/report/status")
    page.fill("#code", code)
    page.click("button[type=submit]")
    return page.get_attribute("[data-testid=status]", "data-state")


def stored_reports(url):
    return read_rows(url, select(Report.institution_id, Report.description))


def send_tip_without_javascript(page, base):
    """Find the school with the server-side search, answer, send; return the receipt code."""
    page.goto(f"{base}/report")
    page.fill("#q", "서울휘경초")
    page.click("button[name=action][value=search]")
    page.check("#matches input[name=institution_id]")
    fill_tip(page)
    page.click("button[name=action][value=submit]")
    return page.text_content("[data-testid=receipt] code")


def test_tip_without_javascript(site):
    base, url = site
    with browser(javascript=False) as (page, requested):
        code = send_tip_without_javascript(page, base)
        assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", code)
        assert check_status(page, base, code) == "received"
        assert "접수됨" in page.text_content("[data-testid=status]")
        assert only_our_origin(requested, base) == []
    rows = stored_reports(url)
    assert len(rows) == 1 and rows[0][0] is not None


def test_tip_with_the_autocomplete(site):
    base, url = site
    with browser(javascript=True) as (page, requested):
        page.goto(f"{base}/report")
        page.fill("#q", "서울휘경")  # typed: the script searches without a click
        page.wait_for_selector("#matches input[name=institution_id]")
        names = page.text_content("#matches")
        assert "서울휘경초등학교" in names
        page.locator("#matches label", has_text="서울휘경초등학교").first.click()
        fill_tip(page)
        page.click("button[name=action][value=submit]")
        code = page.text_content("[data-testid=receipt] code")
        assert check_status(page, base, code) == "received"
        assert only_our_origin(requested, base) == []
        assert any("/api/v1/institutions?q=" in u for u in requested)
    assert len(stored_reports(url)) == 1


def test_the_short_form_finds_the_school_without_javascript(site):
    """휘경여고 is how everyone says 휘경여자고등학교: the server-side search finds it first,
    in English too (romanized), and the tip is filed against that school."""
    base, url = site
    with browser(javascript=False) as (page, requested):
        page.goto(f"{base}/report?lang=en")
        page.fill("#q", "휘경여고")
        page.click("button[name=action][value=search]")
        first = page.locator("#matches label").first
        assert "Hwigyeong Girls' High School (휘경여자고등학교)" in first.text_content()
        page.goto(f"{base}/report")
        page.fill("#q", "휘경 여고")
        page.click("button[name=action][value=search]")
        first = page.locator("#matches label").first
        assert "휘경여자고등학교" in first.text_content()
        first.locator("input").check()
        fill_tip(page)
        page.click("button[name=action][value=submit]")
        assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}",
                            page.text_content("[data-testid=receipt] code"))
        assert only_our_origin(requested, base) == []
    chosen = read_rows(url, select(Institution.name_ko).join(
        Report, Report.institution_id == Institution.id))
    assert [row[0] for row in chosen] == ["휘경여자고등학교"]
