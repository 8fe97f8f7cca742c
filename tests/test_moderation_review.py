"""Verification: the queue, locking, four-eyes publishing, rejection, bursts, escaping."""

import re
import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mapapp import audit
from mapapp.models import Incident, Institution, Report, utcnow
from mapapp.reports.receipts import public_status
from tests.helpers import csrf_token
from tests.moderation_helpers import make_moderator, sign_in

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def add_tip(session, institution_id, minutes_ago=60, **fields):
    """Add a pending tip and return its id (requests close the test's ORM objects)."""
    institution = session.get(Institution, institution_id)
    values = {"description": "사진이 공유되었습니다", "occurred_month": date(2024, 8, 1),
              **fields}
    tip = Report(institution_id=institution.id, sido_code=institution.sido_code,
                 sigungu_code=institution.sigungu_code,
                 category="chatroom_sharing", receipt_lookup=secrets.token_hex(4),
                 receipt_hash="!test", created_at=utcnow() - timedelta(minutes=minutes_ago),
                 **values)
    session.add(tip)
    session.commit()
    return tip.id


def school(session, source_id="B000001838"):
    """Return the id of a gazetteer school."""
    return session.scalar(select(Institution.id).where(Institution.source_id == source_id))


def signed_in(app, session, name, role="moderator"):
    client = app.test_client()
    sign_in(client, session, make_moderator(session, app, username=name, role=role))
    return client


def decide(client, institution_id, **fields):
    path = f"/mod/institutions/{institution_id}"
    token = csrf_token(client.get(path).get_data(as_text=True))
    data = {"csrf_token": token, "level": "media_reported", "reason": "not_verifiable",
            "basis": "연합뉴스 2024-08-28 보도 확인", "summary_ko": "딥페이크 피해 보도",
            "summary_en": "", "sources": "https://example.org/news/1", **fields}
    return client.post(path, data=data)


def confirm(client, incident_id):
    """Approve the incident's waiting revision from its side-by-side page, as a moderator does."""
    page = client.get(f"/mod/incidents/{incident_id}").get_data(as_text=True)
    revision_id = re.search(r'data-testid="waiting-revision"><a href="/mod/revisions/(\d+)"',
                            page).group(1)
    token = csrf_token(client.get(f"/mod/revisions/{revision_id}").get_data(as_text=True))
    return client.post(f"/mod/revisions/{revision_id}/approve", data={"csrf_token": token})


def test_four_eyes_one_moderator_cannot_publish_alone(app, session, client):
    inst = school(session)
    tip_id = add_tip(session, inst)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    assert decide(alice, inst, decision="approve").status_code == 302
    incident = session.scalar(select(Incident).where(Incident.institution_id == inst))
    assert incident.status == "draft"
    incident_id = incident.id
    tip = session.get(Report, tip_id)
    assert tip.status == "approved" and public_status(session, tip) == "under_review"
    confirm(alice, incident_id)  # the same moderator again
    assert session.get(Incident, incident_id).status == "draft"
    confirm(bob, incident_id)
    incident = session.get(Incident, incident_id)
    assert incident.status == "published" and incident.published_at is not None
    assert incident.public_sources == ["https://example.org/news/1"]
    assert public_status(session, session.get(Report, tip_id)) == "published"
    assert audit.verify(session)[2] == []


def test_single_approval_when_configured(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRED_APPROVALS", 1)
    inst = school(session)
    add_tip(session, inst)
    decide(signed_in(app, session, "solo"), inst, decision="approve")
    incident = session.scalar(select(Incident).where(Incident.institution_id == inst))
    assert incident.status == "published"


def test_approve_needs_a_basis_and_a_summary(app, session):
    inst = school(session)
    add_tip(session, inst)
    answer = decide(signed_in(app, session, "alice"), inst, decision="approve", basis="")
    assert answer.status_code == 409
    assert "검증 근거를 적어 주세요" in answer.get_data(as_text=True)  # in the moderator's language
    assert session.scalar(select(Incident).where(Incident.institution_id == inst)) is None


def test_reject_with_a_reason(app, session):
    inst = school(session)
    tip_id = add_tip(session, inst)
    decide(signed_in(app, session, "alice"), inst, decision="reject", reason="duplicate")
    tip = session.get(Report, tip_id)
    assert (tip.status, tip.decision_reason) == ("rejected", "duplicate")
    assert public_status(session, tip) == "not_published"


def test_a_claimed_group_is_locked_for_others(app, session):
    """Looking takes nothing; a claim does (tests/test_case_claims.py has the rest)."""
    inst = school(session)
    add_tip(session, inst)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    token = csrf_token(alice.get(f"/mod/institutions/{inst}").get_data(as_text=True))
    alice.post(f"/mod/institutions/{inst}/claim", data={"csrf_token": token})
    token = csrf_token(bob.get(f"/mod/institutions/{inst}").get_data(as_text=True))
    held = bob.post(f"/mod/institutions/{inst}", data={"csrf_token": token,
                                                       "decision": "spam"})
    assert held.status_code == 409
    assert "다른 검수자가 이 제보를 검토하고 있습니다" in held.get_data(as_text=True)


def test_reply_reaches_the_tipster(app, session):
    inst = school(session)
    tip_id = add_tip(session, inst)
    alice = signed_in(app, session, "alice")
    token = csrf_token(alice.get(f"/mod/institutions/{inst}").get_data(as_text=True))
    alice.post(f"/mod/tips/{tip_id}/reply", data={"csrf_token": token, "reply": "확인 중입니다"})
    assert session.get(Report, tip_id).reply == "확인 중입니다"


def test_burst_in_one_district_is_flagged_and_shown_first(app, session):
    old = school(session)
    add_tip(session, old, minutes_ago=3000)  # older, but in no burst
    sejong = session.scalars(select(Institution.id).where(Institution.sigungu_code == "36110")
                             .order_by(Institution.id).limit(5)).all()
    for inst in sejong:
        add_tip(session, inst, minutes_ago=30)
    html = signed_in(app, session, "alice").get("/mod/queue").get_data(as_text=True)
    assert 'data-testid="burst-warning"' in html
    rows = html.split('data-testid="queue"')[1]
    first = rows.index(f'data-institution="{sejong[0]}"')
    assert first < rows.index(f'data-institution="{old}"')
    assert 'data-flag="burst_sigungu"' in rows


def test_queue_filters_by_region(app, session):
    seoul, sejong = school(session), session.scalar(
        select(Institution.id).where(Institution.sido_code == "36").limit(1))
    add_tip(session, seoul)
    add_tip(session, sejong)
    html = signed_in(app, session, "alice").get("/mod/queue?sido=36").get_data(as_text=True)
    assert f'data-institution="{sejong}"' in html
    assert f'data-institution="{seoul}"' not in html


def test_bulk_spam(app, session):
    inst = school(session)
    tip_id = add_tip(session, inst)
    alice = signed_in(app, session, "alice")
    token = csrf_token(alice.get("/mod/queue").get_data(as_text=True))
    # First a confirmation that names the group and counts its tips; nothing changes yet.
    ask = alice.post("/mod/queue/spam", data={"csrf_token": token, "institution_id": str(inst)})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and 'data-testid="spam-groups"' in html
    assert session.get(Institution, inst).name_ko in html
    session.expire_all()
    assert session.get(Report, tip_id).status == "pending"
    assert f'name="institution_id" value="{inst}"' in html and 'value="yes"' in html
    alice.post("/mod/queue/spam", data={"csrf_token": token, "institution_id": str(inst),
                                        "confirmed": "yes"})
    session.expire_all()
    assert session.get(Report, tip_id).status == "spam"
    # Nothing checked: back to the queue with a note, nothing asked.
    empty = alice.post("/mod/queue/spam", data={"csrf_token": token})
    assert empty.status_code == 302


def test_tip_text_is_inert_in_the_queue_and_review_pages(app, session):
    inst = school(session)
    add_tip(session, inst, description=XSS, source_url=f"https://x.org/{XSS}",
            institution_text=XSS, personal_data_flags=[XSS])
    alice = signed_in(app, session, "alice")
    for path in ("/mod/queue", f"/mod/institutions/{inst}"):
        html = alice.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    review = alice.get(f"/mod/institutions/{inst}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in review


def unlisted_tip(session, sido="36", sigungu="36110"):
    tip = Report(institution_text="세종 어느 학원", sido_code=sido, sigungu_code=sigungu,
                 occurred_month=date(2024, 8, 1), category="other", description="…",
                 receipt_lookup=secrets.token_hex(4), receipt_hash="!test")
    session.add(tip)
    session.commit()
    return tip.id


def test_place_an_unlisted_tip_on_a_gazetteer_school(app, session):
    tip_id, inst = unlisted_tip(session), school(session)
    alice = signed_in(app, session, "alice")
    page = alice.get(f"/mod/tips/{tip_id}/place?q=서울휘경")
    assert page.status_code == 200 and "서울휘경초등학교" in page.get_data(as_text=True)
    answer = alice.post(f"/mod/tips/{tip_id}/place", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "institution_id": str(inst)})
    assert answer.status_code == 302
    tip = session.get(Report, tip_id)
    assert tip.institution_id == inst and tip.sigungu_code == "11230"


def test_place_an_unlisted_tip_on_a_new_institution(app, session):
    tip_id = unlisted_tip(session)
    alice = signed_in(app, session, "alice")
    page = alice.get(f"/mod/tips/{tip_id}/place")
    alice.post(f"/mod/tips/{tip_id}/place", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "name_ko": "세종 어느 학원",
        "kind": "other", "sigungu_code": "36110"})
    tip = session.get(Report, tip_id)
    added = session.get(Institution, tip.institution_id)
    assert (added.source, added.sido_code, added.location_approximate) == ("moderator", "36", True)
    assert audit.verify(session)[2] == []
    # Searchable at once, in English too: the next tipster finds it by name.
    from mapapp.textsearch import search_institutions

    assert added.name_en and added.name_en.startswith("Sejong")
    assert added in search_institutions(session, "세종 어느 학원")
    assert added in search_institutions(session, "어느학원")


def test_place_a_new_institution_at_a_point_inside_its_district(app, session):
    tip_id = unlisted_tip(session)
    alice = signed_in(app, session, "alice")
    page = alice.get(f"/mod/tips/{tip_id}/place")
    html = page.get_data(as_text=True)
    assert 'id="picker"' in html and "L.tileLayer(" not in html  # our outlines, no tiles
    alice.post(f"/mod/tips/{tip_id}/place", data={
        "csrf_token": csrf_token(html), "name_ko": "세종 어느 학원", "kind": "other",
        "sigungu_code": "36110", "lon": "127.289", "lat": "36.480"})
    added = session.get(Institution, session.get(Report, tip_id).institution_id)
    assert (added.lon, added.lat, added.location_approximate) == (127.289, 36.48, False)


@pytest.mark.parametrize(("lon", "lat"), [("126.978", "37.566"),  # Seoul, not 세종
                                          ("127.289", ""), ("east", "36.48"),
                                          ("nan", "nan"), ("200", "100")])
def test_a_point_outside_the_district_is_refused_and_the_form_keeps_what_was_typed(
        app, session, lon, lat):
    tip_id = unlisted_tip(session)
    alice = signed_in(app, session, "alice")
    page = alice.get(f"/mod/tips/{tip_id}/place")
    answer = alice.post(f"/mod/tips/{tip_id}/place", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "name_ko": "세종 어느 학원",
        "kind": "high", "sigungu_code": "36110", "lon": lon, "lat": lat})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert session.get(Report, tip_id).institution_id is None
    assert 'value="세종 어느 학원"' in html and f'id="lon" name="lon" inputmode="decimal" ' \
        f'value="{lon}"' in html
    assert '<option value="high" selected>' in html and "<details open>" in html
