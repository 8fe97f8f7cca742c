"""Published incidents: hiding is at once; every other change is a proposal two moderators
approve; correction requests hide nothing until triage or the deadline."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from mapapp import audit
from mapapp.models import (
    AuditEvent,
    CorrectionRequest,
    Incident,
    IncidentHistory,
    Institution,
    Revision,
    utcnow,
)
from tests.helpers import csrf_token
from tests.test_moderation_review import confirm, school, signed_in


def published(session, level="media_reported", **fields):
    inst = session.get(Institution, school(session))
    item = Incident(institution_id=inst.id, status="published", verification_level=level,
                    public_summary_ko="요약", first_reported_month=date(2024, 8, 1),
                    last_reported_month=date(2024, 9, 1), published_at=utcnow(),
                    public_sources=["https://example.org/a"], **fields)
    session.add(item)
    session.commit()
    return item.id


def post(client, path, **data):
    token = csrf_token(client.get("/mod/incidents").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def edit_fields(**changes):
    return {"level": "media_reported", "summary_ko": "요약", "summary_en": "",
            "sources": "https://example.org/a", "first_month": "2024-08",
            "last_month": "2024-09", "basis": "기사 확인", **changes}


def test_hide_is_at_once_restore_and_retract_need_a_second_moderator(app, session):
    incident_id = published(session)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post(alice, f"/mod/incidents/{incident_id}/status", action="hide", note="학교 측 확인 중")
    assert session.get(Incident, incident_id).status == "hidden"
    post(alice, f"/mod/incidents/{incident_id}/status", action="restore", note="확인 완료")
    assert session.get(Incident, incident_id).status == "hidden"  # proposed only
    confirm(bob, incident_id)
    assert session.get(Incident, incident_id).status == "published"
    post(alice, f"/mod/incidents/{incident_id}/status", action="retract",
         note="사실과 달라 철회합니다")
    assert session.get(Incident, incident_id).status == "published"
    confirm(bob, incident_id)
    item = session.get(Incident, incident_id)
    assert (item.status, item.retraction_note) == ("retracted", "사실과 달라 철회합니다")
    changes = session.scalars(select(IncidentHistory.change).where(
        IncidentHistory.incident_id == incident_id).order_by(IncidentHistory.id)).all()
    assert changes == ["hidden", "restored", "retracted"]
    assert audit.verify(session)[2] == []


def test_retract_of_a_draft_is_refused(app, session):
    inst = session.get(Institution, school(session))
    draft = Incident(institution_id=inst.id, status="draft", verification_level="tips_only",
                     public_summary_ko="초안", first_reported_month=date(2024, 8, 1),
                     last_reported_month=date(2024, 8, 1))
    session.add(draft)
    session.commit()
    draft_id = draft.id
    alice = signed_in(app, session, "alice")
    post(alice, f"/mod/incidents/{draft_id}/status", action="retract", note="공개 메모")
    assert session.get(Incident, draft_id).status == "draft"
    assert session.scalar(select(Revision.id)) is None


def test_edit_is_a_proposal_until_a_second_moderator_approves(app, session, client):
    incident_id = published(session)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    form = alice.get(f"/mod/incidents/{incident_id}").get_data(as_text=True)
    # The form starts from the public version, never from blank defaults.
    assert re.search(r'<option selected value="media_reported">|value="media_reported" selected',
                     form)
    assert "https://example.org/a" in form and 'value="2024-08"' in form
    answer = post(alice, f"/mod/incidents/{incident_id}", **edit_fields(
        level="officially_confirmed", summary_ko="교육청 확인", first_month="2024-07"))
    assert answer.status_code == 302
    item = session.get(Incident, incident_id)
    assert (item.verification_level, item.public_summary_ko) == ("media_reported", "요약")
    assert "교육청 확인" not in client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    revision = session.scalars(select(Revision)).one()
    page = bob.get(f"/mod/revisions/{revision.id}").get_data(as_text=True)
    assert 'data-changed="level"' in page and 'data-changed="first_month"' in page
    assert "기사 확인" in page and "alice" in page  # the basis and the proposer
    confirm(bob, incident_id)
    item = session.get(Incident, incident_id)
    assert (item.verification_level, item.public_summary_ko) == ("officially_confirmed",
                                                                 "교육청 확인")
    assert item.first_reported_month == date(2024, 7, 1)
    assert "교육청 확인" in client.get(f"/incidents/{incident_id}").get_data(as_text=True)


def test_the_author_cannot_approve_their_own_proposal(app, session):
    incident_id = published(session)
    alice = signed_in(app, session, "alice")
    post(alice, f"/mod/incidents/{incident_id}", **edit_fields(level="officially_confirmed"))
    confirm(alice, incident_id)
    assert session.get(Incident, incident_id).verification_level == "media_reported"
    assert session.scalars(select(Revision.status)).one() == "pending"


def test_send_back_leaves_the_public_version(app, session):
    incident_id = published(session)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post(alice, f"/mod/incidents/{incident_id}", **edit_fields(summary_ko="새 요약"))
    revision_id = session.scalar(select(Revision.id))
    token = csrf_token(bob.get(f"/mod/revisions/{revision_id}").get_data(as_text=True))
    bob.post(f"/mod/revisions/{revision_id}/return", data={"csrf_token": token,
                                                           "reason": "근거 부족"})
    revision = session.get(Revision, revision_id)
    assert (revision.status, revision.return_reason) == ("returned", "근거 부족")
    assert session.get(Incident, incident_id).public_summary_ko == "요약"
    assert "revision.return" in session.scalars(select(AuditEvent.action)).all()


def test_a_stale_proposal_cannot_be_approved(app, session):
    incident_id = published(session)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post(alice, f"/mod/incidents/{incident_id}", **edit_fields(summary_ko="새 요약"))
    post(bob, f"/mod/incidents/{incident_id}/status", action="hide", note="확인 중")
    confirm(bob, incident_id)
    item = session.get(Incident, incident_id)
    assert (item.status, item.public_summary_ko) == ("hidden", "요약")


def correction(client, incident_id, **fields):
    page = client.get(f"/incidents/{incident_id}/correction")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)),
            "requester_kind": "institution_staff", "problem": "not_true",
            "body": "해당 학교에는 피해 사실이 없습니다. 교육청에 확인했습니다.", **fields}
    return client.post(f"/incidents/{incident_id}/correction", data=data)


def test_a_correction_request_alone_hides_nothing(app, session, client):
    incident_id = published(session)
    page = client.get(f"/incidents/{incident_id}/correction")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    for short in ({"body": "x"}, {"requester_kind": ""}, {"problem": ""}):
        answer = correction(client, incident_id, **short)
        assert answer.status_code == 400
    kept = correction(client, incident_id, body="짧음", contact="교무실 02-000-0000")
    assert "교무실 02-000-0000" in kept.get_data(as_text=True)  # what was typed comes back
    sent = correction(client, incident_id)
    assert sent.status_code == 200
    code = re.search(r'data-testid="receipt"><code>([\d-]+)</code>', sent.get_data(
        as_text=True)).group(1)
    assert session.get(Incident, incident_id).status == "published"
    status = client.post("/corrections/status", data={
        "csrf_token": csrf_token(client.get("/corrections/status").get_data(as_text=True)),
        "code": code})
    assert 'data-state="received"' in status.get_data(as_text=True)
    wrong = client.post("/corrections/status", data={
        "csrf_token": csrf_token(client.get("/corrections/status").get_data(as_text=True)),
        "code": code[:-1] + str((int(code[-1]) + 1) % 10)})
    assert wrong.status_code == 404
    item = session.scalars(select(CorrectionRequest)).one()
    assert item.receipt_hash.startswith("$argon2id$") and code.replace("-", "") not in str(
        item.receipt_hash)


def test_triage_hides_and_declining_proposes_to_show_again(app, session, client):
    incident_id = published(session)
    correction(client, incident_id)
    request_id = session.scalar(select(CorrectionRequest.id))
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    assert "해당 학교에는 피해 사실이 없습니다" in alice.get("/mod/corrections").get_data(
        as_text=True)
    post(alice, f"/mod/corrections/incidents/{incident_id}/triage", note="검토 시작")
    assert session.get(Incident, incident_id).status == "hidden"
    assert session.get(CorrectionRequest, request_id).status == "triaged"
    post(alice, f"/mod/corrections/{request_id}/decline", note="교육청 공문으로 확인됨",
         reply="보도가 확인되어 유지합니다")
    assert session.get(Incident, incident_id).status == "hidden"  # a proposal only
    confirm(bob, incident_id)
    assert session.get(CorrectionRequest, request_id).status == "rejected"
    assert session.get(Incident, incident_id).status == "published"
    assert audit.verify(session)[2] == []


def test_accepted_correction_shows_in_the_public_history(app, session, client):
    incident_id = published(session)
    correction(client, incident_id, problem="wrong_period")
    request_id = session.scalar(select(CorrectionRequest.id))
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post(alice, f"/mod/corrections/{request_id}/accept", outcome="edit",
         public_note="시기를 2024년 9월로 바로잡았습니다", basis="학교 공문",
         **{k: v for k, v in edit_fields(first_month="2024-09").items() if k != "basis"})
    assert session.get(Incident, incident_id).first_reported_month == date(2024, 8, 1)
    confirm(bob, incident_id)
    assert session.get(Incident, incident_id).first_reported_month == date(2024, 9, 1)
    assert session.get(CorrectionRequest, request_id).status == "accepted"
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "시기를 2024년 9월로 바로잡았습니다" in page and 'data-change="correction"' in page
    assert 'data-change="period"' in page and "학교 공문" not in page  # basis stays private


def test_the_triage_deadline_hides_the_entry(app, session, client):
    incident_id = published(session)
    correction(client, incident_id)
    assert client.get("/api/v1/points").status_code == 200
    assert session.get(Incident, incident_id).status == "published"
    item = session.scalars(select(CorrectionRequest)).one()  # loaded after the request
    item.created_at = utcnow() - timedelta(hours=app.config["CORRECTION_TRIAGE_HOURS"], minutes=1)
    session.commit()
    item_id = item.id
    from mapapp import readmodel

    readmodel.invalidate()  # the data version is read afresh, as it is every few seconds
    client.get("/list")
    assert session.get(Incident, incident_id).status == "hidden"
    assert session.get(CorrectionRequest, item_id).status == "triaged"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "correction.triage")
                            ).one()
    assert event.actor_name == "system"


def test_correction_for_a_draft_or_missing_incident_is_404(client, session):
    assert client.get("/incidents/999999/correction").status_code == 404


def test_the_deadline_command_hides_overdue_entries(app, session, client, runner):
    incident_id = published(session)
    correction(client, incident_id)
    item = session.scalars(select(CorrectionRequest)).one()
    item.created_at = utcnow() - timedelta(hours=app.config["CORRECTION_TRIAGE_HOURS"] + 1)
    session.commit()
    result = runner.invoke(args=["corrections", "enforce"])
    assert "1 entries hidden" in result.output
    assert session.get(Incident, incident_id).status == "hidden"
