"""A tipster in a real browser, with JavaScript off (Tor Browser's safest level) and on."""

import re
from urllib.parse import parse_qs

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


DESCRIPTION = "반 친구들 사진이 합성되어 단체방에 올라왔습니다."


def only_our_origin(requested, base):
    """Return the requests that went anywhere but our server."""
    return [url for url in requested if not url.startswith(base) and not url.startswith("data:")]


def fill_tip(page):
    """Answer the questions after the institution."""
    page.select_option("#occurred_year", "2024")
    page.select_option("#occurred_month", "9")
    page.check("input[name=category][value=chatroom_sharing]")
    page.check("input[name=tipster_role][value=witness]")
    page.fill("#description", DESCRIPTION)
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


def lang_of(page):
    return page.get_attribute("html", "lang")


@pytest.mark.parametrize("javascript", [False, True])
def test_the_english_journey_stays_english(site, javascript):
    """Search, a mistake, the receipt, its language switch and the status lookup: every page
    in English, with no language cookie on the tip pages (issue 15)."""
    base, _url = site
    with browser(javascript=javascript) as (page, requested):
        page.goto(f"{base}/report?lang=en")
        page.fill("#q", "휘경여고")
        page.click("button[name=action][value=search]")
        assert lang_of(page) == "en" and "Hwigyeong" in page.text_content("#matches")
        page.locator("#matches input[name=institution_id]").first.check()
        page.click("button[name=action][value=submit]")  # nothing else answered
        assert lang_of(page) == "en"
        summary = page.text_content("[data-testid=error-summary]")
        assert "There is a problem" in summary and "Please choose the year." in summary
        page.click("[data-testid=error-summary] a[href='#occurred_year']")
        assert page.evaluate("document.activeElement.id") == "occurred_year"
        fill_tip(page)
        page.click("button[name=action][value=submit]")
        assert lang_of(page) == "en" and "Save this receipt code now" in page.content()
        code = page.text_content("[data-testid=receipt] code")
        page.click("nav.lang button[lang=ko]")  # the receipt, in Korean, with its code
        assert lang_of(page) == "ko" and page.text_content("[data-testid=receipt] code") == code
        page.click("nav.lang button[lang=en]")
        assert lang_of(page) == "en" and page.text_content("[data-testid=receipt] code") == code
        page.click("a.button")  # "I saved the code: check the status"
        assert lang_of(page) == "en"
        page.fill("#code", code)
        page.click("main button[type=submit]")
        assert lang_of(page) == "en"
        assert page.get_attribute("[data-testid=status]", "data-state") == "received"
        assert "Received" in page.text_content("[data-testid=status]")
        assert not [c for c in page.context.cookies() if c["name"] == "lang"]
        assert only_our_origin(requested, base) == []


def test_a_keyboard_alone_files_a_tip(site):
    """Tab, type, arrows and Space or Enter: no mouse from the form to the receipt."""
    base, url = site
    with browser(javascript=True) as (page, _requested):
        page.goto(f"{base}/report")
        page.focus("#q")
        page.keyboard.type("서울휘경초")
        page.wait_for_selector("#matches input[name=institution_id]")
        tab_to(page, "input[name=institution_id]")
        page.keyboard.press("Space")
        assert page.is_checked("#matches input[name=institution_id]")
        for selector, how, keys in (
                ("#occurred_year", "type", "2024"), ("#occurred_month", "type", "9"),
                ("input[name=category]", "press", "Space"),
                ("#description", "type", "반 친구들 사진이 합성되어 단체방에 올라왔습니다."),
                ("#confirm", "press", "Space"),
                ("button[name=action][value=submit]", "press", "Enter")):
            tab_to(page, selector)
            getattr(page.keyboard, how)(keys)
        page.wait_for_selector("[data-testid=receipt] code")
    rows = stored_reports(url)
    assert len(rows) == 1 and rows[0][0] is not None


def tab_to(page, selector, most=60):
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def shared_network(backend, tmp_path):
    """A live server whose per-address limit is one tip an hour without a proof of work and a
    hundred with one; every browser here comes from the same address."""
    with throwaway_database(backend, tmp_path) as url, live_server(
            url, TIP_RATE_LIMIT="1/hour", TIP_PROOF_RATE_LIMIT="100/hour") as (app, base):
        yield base, url


def test_with_javascript_each_tip_carries_a_proof_of_work(shared_network):
    """Three tips from one address, each past the one-an-hour limit for tips without a proof:
    the browser did the work in a Web Worker of our own origin, and nothing went elsewhere."""
    base, url = shared_network
    with browser(javascript=True) as (page, requested):
        bodies, problems = [], []
        page.on("request", lambda r: bodies.append(r.post_data or "") if (
            r.method == "POST") else None)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        for _ in range(3):
            page.goto(f"{base}/report")
            page.fill("#q", "서울휘경")
            page.locator("#matches label", has_text="서울휘경초등학교").first.click()
            fill_tip(page)
            page.click("button[name=action][value=submit]")
            code = page.text_content("[data-testid=receipt] code")
            assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", code)
        assert only_our_origin(requested, base) == []
        assert any(u.endswith("/static/vendor/altcha/pbkdf2.js") for u in requested)
        assert sum(bool(parse_qs(body).get("altcha")) for body in bodies) == 3
        assert problems == []  # no CSP refusal, no script error
    assert len(stored_reports(url)) == 3


def start_english_tip(page, base):
    page.goto(f"{base}/report?lang=en")
    page.fill("#q", "서울휘경")
    page.locator("#matches label", has_text="Seoul Hwigyeong Elementary School").first.click()
    fill_tip(page)


def test_a_tip_sent_during_the_check_waits_for_it_and_says_so(shared_network):
    """The challenge is held back: "send" then waits, says why, and the tip goes with its
    proof once the check is done."""
    base, url = shared_network
    with browser(javascript=True) as (page, requested):
        held, bodies = [], []
        page.route("**/report/challenge", lambda route: held.append(route))
        page.on("request", lambda r: bodies.append(r.post_data or "") if (
            r.method == "POST") else None)
        start_english_tip(page, base)
        page.click("button[name=action][value=submit]")
        status = page.locator("#proof-status")
        status.wait_for(state="visible")
        assert status.text_content() == "Sending as soon as the check is done…"
        assert held and not bodies  # nothing sent yet
        held[0].continue_()
        page.wait_for_selector("[data-testid=receipt]")
        assert len(bodies) == 1 and parse_qs(bodies[0])["altcha"][0]
    assert len(stored_reports(url)) == 1


def test_a_tip_goes_without_the_check_when_it_cannot_run(shared_network):
    """No challenge can be had (blocked, offline server side): the tip is not held back."""
    base, url = shared_network
    with browser(javascript=True) as (page, requested):
        bodies = []
        page.route("**/report/challenge", lambda route: route.abort())
        page.on("request", lambda r: bodies.append(r.post_data or "") if (
            r.method == "POST") else None)
        start_english_tip(page, base)
        page.click("button[name=action][value=submit]")
        page.wait_for_selector("[data-testid=receipt]")
        assert len(bodies) == 1 and not parse_qs(bodies[0]).get("altcha")  # no proof in it
    assert len(stored_reports(url)) == 1


def test_without_javascript_the_base_limit_holds_and_is_explained(shared_network):
    base, url = shared_network
    with browser(javascript=False) as (page, requested):
        assert send_tip_without_javascript(page, base)
        page.goto(f"{base}/report?lang=en")
        page.fill("#q", "서울휘경초")
        page.click("button[name=action][value=search]")
        page.check("#matches input[name=institution_id]")
        fill_tip(page)
        page.click("button[name=action][value=submit]")
        summary = page.text_content("[data-testid=error-summary]")
        assert "everyone on your network shares" in summary and "JavaScript on" in summary
        assert page.input_value("#description") == DESCRIPTION  # nothing lost
        assert only_our_origin(requested, base) == []
    assert len(stored_reports(url)) == 1
