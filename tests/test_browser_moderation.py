"""The verification journey in a real browser: tip, two moderators, publication, correction."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from mapapp.extensions import db
from mapapp.models import Incident, Report
from tests.conftest import throwaway_database
from tests.live import browser, live_server, read_rows
from tests.moderation_helpers import PASSWORD, add_unenrolled
from tests.test_browser_tips import (
    check_status,
    fill_tip,
    only_our_origin,
    send_tip_without_javascript,
)


@pytest.fixture
def site(backend, tmp_path):
    with throwaway_database(backend, tmp_path) as url, live_server(url) as (app, base):
        with app.app_context():
            for name in ("alice", "bob"):
                LINKS[name] = add_unenrolled(db.session, name)
            db.session.commit()
            db.session.remove()
        yield base, url


LINKS = {}  # username: the one-time set-up link an admin hands over


def sign_in(page, base, username):
    """Open the admin's set-up link, then sign in through both steps, enrolling the
    authenticator from the key on the page."""
    page.goto(base + LINKS.pop(username))
    assert page.url.endswith("/mod/login?enrol=1")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    secret = page.text_content("[data-testid=secret]")
    assert page.locator("[data-testid=qr] svg").count() == 1
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    assert page.url.endswith("/mod/")


def sign_out(page):
    page.click(".mod-nav button[type=submit]:not([name])")


def moderator(page, base, username):
    """A moderator's own browser window (a TOTP code is good once, so each signs in once)."""
    context = page.context.browser.new_context(java_script_enabled=False)
    own = context.new_page()
    sign_in(own, base, username)
    return own


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


def approve_first_group(page, base):
    """Approve the queue's first group as reported by the media: a proposal, not yet public."""
    page.goto(f"{base}/mod/queue")
    page.click("[data-testid=queue] a")
    page.check("input[name=decision][value=approve]")
    page.select_option("#level", "media_reported")
    page.fill("#basis", "언론 보도 확인")
    page.fill("#summary_ko", "2024년 9월 딥페이크 피해 보도")
    page.click("form[novalidate] button.primary")


def approve_waiting(page, base, expect_changed=None):
    """From the home page, open the change waiting for me, check what is shown, approve it."""
    page.goto(f"{base}/mod/")
    page.click("[data-testid=waiting] a")
    assert page.text_content("[data-testid=basis]").strip()
    if expect_changed:
        assert page.locator(f"[data-changed={expect_changed}]").count() == 1
    page.click("form[action$='/approve'] button")
    assert "applied" == page.get_attribute("[data-testid=revision-state]", "data-status")


def public_level(page, base, incident_id):
    page.goto(f"{base}/incidents/{incident_id}")
    return page.text_content("[data-testid=state] dd")


def test_tip_two_moderators_publish_then_a_proposed_level_change(site):
    base, url = site
    with browser(javascript=False) as (page, requested):
        code = send_tip_without_javascript(page, base)

        alice, bob = moderator(page, base, "alice"), moderator(page, base, "bob")
        approve_first_group(alice, base)
        assert [s for _, s in incident_status(url)] == ["draft"]

        approve_waiting(bob, base, expect_changed="status")
        (incident_id, status), = incident_status(url)
        assert status == "published"
        assert check_status(page, base, code) == "published"
        assert on_public_map_and_list(page, base, incident_id) == (1, 1, 1)
        before = public_level(page, base, incident_id)

        # A proposes a level change: nothing public changes until B approves it.
        alice.goto(f"{base}/mod/incidents/{incident_id}")
        alice.select_option("#level", "officially_confirmed")
        alice.fill("#basis", "교육청 공문 2024-09-10")
        alice.click("form[novalidate] button[type=submit]")
        assert alice.locator("[data-testid=waiting-revision]").count() == 1
        assert public_level(page, base, incident_id) == before

        approve_waiting(bob, base, expect_changed="level")
        assert "교육청 공문 2024-09-10" in bob.text_content("[data-testid=basis]")
        assert public_level(page, base, incident_id) != before
        assert only_our_origin(requested, base) == []


def backdate_corrections(url, hours):
    """Move every correction request back in time: the test's clock for the triage deadline."""
    from sqlalchemy import create_engine, update

    from mapapp.models import CorrectionRequest, utcnow
    from mapapp.spatial import engine_options

    engine = create_engine(url, **engine_options(url))
    with engine.begin() as conn:
        conn.execute(update(CorrectionRequest).values(
            created_at=utcnow() - timedelta(hours=hours)))
    engine.dispose()


def wait_until_listed(page, base, incident_id, listed, seconds=30):
    """Reload the public list until the incident is (or is not) in it, within a deadline."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(f"{base}/list")
        if page.locator(f"tr[data-incident='{incident_id}']").count() == listed:
            return True
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(250)  # the app re-reads its data version every 2 s


def correction_state(page, base, code):
    page.goto(f"{base}/corrections/status")
    page.fill("#code", code)
    page.click("button[type=submit]")
    return page.get_attribute("[data-testid=status]", "data-state")


def test_a_correction_request_waits_for_the_deadline_then_is_accepted(site):
    base, url = site
    with browser(javascript=False) as (page, requested):
        send_tip_without_javascript(page, base)
        alice, bob = moderator(page, base, "alice"), moderator(page, base, "bob")
        approve_first_group(alice, base)
        approve_waiting(bob, base)
        (incident_id, _), = incident_status(url)

        # An anonymous request alone hides nothing.
        page.goto(f"{base}/incidents/{incident_id}/correction")
        page.select_option("#requester_kind", "institution_staff")
        page.select_option("#problem", "not_true")
        page.fill("#body", "해당 학교에는 피해 사실이 없습니다. 교육청 확인을 받았습니다.")
        page.click("form button.primary")
        code = page.text_content("[data-testid=receipt] code")
        assert correction_state(page, base, code) == "received"
        assert wait_until_listed(page, base, incident_id, 1)

        # Nobody triaged it before the deadline: hidden everywhere.
        backdate_corrections(url, hours=25)
        assert wait_until_listed(page, base, incident_id, 0)
        assert [s for _, s in incident_status(url)] == ["hidden"]
        assert correction_state(page, base, code) == "under_review"

        # Accepted as a retraction: it needs two moderators, then the public log shows it.
        alice.goto(f"{base}/mod/corrections")
        alice.click("details summary >> nth=0")
        alice.check("input[name=outcome][value=retract]")
        alice.fill("textarea[name=public_note]", "사실이 아닌 것으로 확인되어 철회합니다")
        alice.fill("textarea[name=basis]", "교육청 공문")
        alice.click("form[action$='/accept'] button")
        assert correction_state(page, base, code) == "under_review"
        approve_waiting(bob, base, expect_changed="status")
        assert correction_state(page, base, code) == "corrected"
        page.goto(f"{base}/incidents/{incident_id}")
        log = page.text_content("[data-testid=corrections]")
        assert "사실이 아닌 것으로 확인되어 철회합니다" in log
        assert page.locator("[data-change=correction]").count() == 1
        assert only_our_origin(requested, base) == []


def test_two_moderators_see_each_others_claim_and_notes(site):
    """Alice claims a case and leaves a note; Bob sees both in the queue and on the case,
    cannot decide while she holds it, and can once she releases it."""
    base, url = site
    with browser(javascript=False) as (page, requested):
        send_tip_without_javascript(page, base)
        alice, bob = moderator(page, base, "alice"), moderator(page, base, "bob")
        alice.goto(f"{base}/mod/queue")
        alice.click("[data-testid=queue] a")
        case = alice.url
        bob.goto(case)  # looking takes nothing
        assert "alice" not in bob.text_content("[data-testid=claim]")
        alice.click("form[action$='/claim'] button")
        assert "alice" in alice.text_content("[data-testid=claim]")
        alice.fill("#body", "교육청에 사실 확인을 요청했습니다")
        alice.click("form[action$='/notes'] button")

        bob.goto(f"{base}/mod/queue")
        assert "alice" in bob.locator("[data-testid=queue] tr[data-institution]").first \
            .text_content()
        bob.goto(case)
        assert "alice" in bob.text_content("[data-testid=claim]")
        assert "교육청에 사실 확인을 요청했습니다" in bob.text_content("[data-testid=notes]")
        bob.check("input[name=decision][value=spam]")
        bob.click("form[novalidate] button.primary")
        refusal = bob.text_content("p.error[role=alert]")
        assert "다른 검수자가 이 제보를 검토하고 있습니다" in refusal

        alice.goto(case)
        alice.click("form[action$='/release'] button")
        bob.goto(case)
        assert "alice" not in bob.text_content("[data-testid=claim]")
        bob.check("input[name=decision][value=spam]")
        bob.click("form[novalidate] button.primary")
        assert bob.url.endswith("/mod/queue")
        assert only_our_origin(requested, base) == []


def send_tip_about(page, base, school, description):
    """A tip with JavaScript off about the first school the search finds for `school`."""
    page.goto(f"{base}/report")
    page.fill("#q", school)
    page.click("button[name=action][value=search]")
    page.locator("#matches input[name=institution_id]").first.check()
    fill_tip(page)
    page.fill("#description", description)
    page.click("button[name=action][value=submit]")
    assert page.text_content("[data-testid=receipt] code")


def pending_groups(url):
    return sorted(read_rows(url, select(Report.institution_id).where(
        Report.status == "pending")))


def test_queue_search_by_a_word_then_a_merge_keeps_every_tip(site):
    base, url = site
    with browser(javascript=False) as (page, requested):
        send_tip_about(page, base, "서울휘경초", "반 단체방에 합성 사진이 올라왔습니다")
        send_tip_about(page, base, "휘경여고", "교사 얼굴이 합성된 영상이 돌았습니다 (중복)")
        before = pending_groups(url)
        assert len(before) == 2 and len(set(before)) == 2
        alice = moderator(page, base, "alice")
        alice.goto(f"{base}/mod/queue")
        alice.fill("#text", "영상이 돌았")
        alice.click("form.filter-bar button[type=submit]")
        rows = alice.locator("[data-testid=queue] tr[data-institution]")
        assert rows.count() == 1 and "휘경여자고등학교" in rows.first.text_content()
        rows.first.locator("input[type=checkbox]").check()
        alice.click("button[formaction$='/queue/move']")
        assert "휘경여자고등학교" in alice.text_content("[data-testid=bulk-groups]")
        alice.fill("#target_q", "서울휘경초")
        alice.click("form.filter-bar button[type=submit]")  # find the target by name
        alice.locator("input[name=target_id]").first.check()
        alice.click("button[name=confirmed][value=yes]")
        after = pending_groups(url)
        assert len(after) == 2 and len(set(after)) == 1  # both tips, one group now
        assert alice.locator("article.tip").count() == 2  # the case lists both tips
        assert only_our_origin(requested, base) == []


def forget_used_codes(url, username):
    """Let the next TOTP code through: the test signs in twice within one 30-second step,
    which the replay check would otherwise (rightly) refuse. Return the account's secret."""
    from sqlalchemy import create_engine, update

    from mapapp.models import Moderator
    from mapapp.spatial import engine_options

    engine = create_engine(url, **engine_options(url))
    with engine.begin() as conn:
        conn.execute(update(Moderator).where(Moderator.username == username)
                     .values(totp_last_step=None))
        secret = conn.execute(select(Moderator.totp_secret).where(
            Moderator.username == username)).scalar()
    engine.dispose()
    return secret


def test_a_password_change_signs_out_the_other_browser(site):
    base, url = site
    with browser(javascript=False) as (page, _requested):
        here = moderator(page, base, "alice")
        elsewhere = page.context.browser.new_context(java_script_enabled=False).new_page()
        secret = forget_used_codes(url, "alice")
        elsewhere.goto(f"{base}/mod/login")
        elsewhere.fill("#username", "alice")
        elsewhere.fill("#password", PASSWORD)
        elsewhere.click("button[type=submit]")
        elsewhere.fill("#code", pyotp.TOTP(secret).now())
        elsewhere.click("button[type=submit]")
        assert elsewhere.url.endswith("/mod/")

        secret = forget_used_codes(url, "alice")
        here.goto(f"{base}/mod/settings?lang=en")
        here.fill("#current_password", PASSWORD)
        here.fill("#code", pyotp.TOTP(secret).now())
        here.fill("#new_password", "a brand new passphrase")
        here.fill("#repeat", "a brand new passphrase")
        here.click("form[action$='/settings/password'] button[type=submit]")
        assert "signed out on every other device" in here.text_content("[role=status]")
        elsewhere.goto(f"{base}/mod/")
        assert "/mod/login" in elsewhere.url  # that browser's session ended
        here.goto(f"{base}/mod/")
        assert here.url.endswith("/mod/")  # this one goes on
