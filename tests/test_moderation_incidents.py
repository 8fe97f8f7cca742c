"""Published incidents: edit, hide, retract; correction requests hide on receipt."""

from datetime import date

from sqlalchemy import select

from mapapp import audit
from mapapp.models import AuditEvent, CorrectionRequest, Incident, Institution, utcnow
from tests.helpers import csrf_token
from tests.test_moderation_review import school, signed_in


def published(session, **fields):
    inst = session.get(Institution, school(session))
    item = Incident(institution_id=inst.id, status="published", verification_level="tips_only",
                    public_summary_ko="요약", first_reported_month=date(2024, 8, 1),
                    last_reported_month=date(2024, 9, 1), published_at=utcnow(), **fields)
    session.add(item)
    session.commit()
    return item.id


def post(client, path, **data):
    token = csrf_token(client.get("/mod/incidents").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_hide_restore_and_retract(app, session):
    incident_id = published(session)
    alice = signed_in(app, session, "alice")
    post(alice, f"/mod/incidents/{incident_id}/status", action="hide", note="학교 측 확인 중")
    assert session.get(Incident, incident_id).status == "hidden"
    post(alice, f"/mod/incidents/{incident_id}/status", action="restore", note="확인 완료")
    assert session.get(Incident, incident_id).status == "published"
    post(alice, f"/mod/incidents/{incident_id}/status", action="retract",
         note="사실과 달라 철회합니다")
    item = session.get(Incident, incident_id)
    assert (item.status, item.retraction_note) == ("retracted", "사실과 달라 철회합니다")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["incident.hide", "incident.restore", "incident.retract"]


def test_edit_is_audited_with_the_old_values(app, session):
    incident_id = published(session)
    alice = signed_in(app, session, "alice")
    post(alice, f"/mod/incidents/{incident_id}", level="officially_confirmed",
         summary_ko="교육청 확인", summary_en="", sources="https://example.org/x", reason="공문")
    item = session.get(Incident, incident_id)
    assert item.verification_level == "officially_confirmed"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.edit")).one()
    assert event.details["before"]["summary_ko"] == "요약" and event.reason == "공문"


def test_correction_request_hides_then_rejection_restores(app, session, client):
    incident_id = published(session)
    page = client.get(f"/incidents/{incident_id}/correction")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    empty = client.post(f"/incidents/{incident_id}/correction",
                        data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                              "body": ""})
    assert empty.status_code == 400
    sent = client.post(f"/incidents/{incident_id}/correction",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                             "requester_role": "교감",
                             "body": "해당 학교에는 피해 사실이 없습니다"})
    assert sent.status_code == 200
    assert session.get(Incident, incident_id).status == "hidden"
    request_id = session.scalar(select(CorrectionRequest.id))
    alice = signed_in(app, session, "alice")
    assert "해당 학교에는 피해 사실이 없습니다" in alice.get("/mod/corrections").get_data(
        as_text=True)
    post(alice, f"/mod/corrections/{request_id}", verdict="reject", note="교육청 공문으로 확인됨")
    assert session.get(CorrectionRequest, request_id).status == "rejected"
    assert session.get(Incident, incident_id).status == "published"
    assert audit.verify(session)[2] == []


def test_correction_for_a_draft_or_missing_incident_is_404(client, session):
    assert client.get("/incidents/999999/correction").status_code == 404
