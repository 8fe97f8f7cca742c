"""Claims and notes on review cases: viewing takes nothing, a claim is a POST others see,
a claim blocks others' decisions until it is released, decided or lapses; notes are for
moderators only, audited without their text and blanked with the tips."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mapapp import audit
from mapapp.models import AuditEvent, CaseNote, Report, utcnow
from mapapp.reports.receipts import public_status
from tests.moderation_helpers import post_form
from tests.test_moderation_review import add_tip, school, signed_in

REJECT = {"decision": "reject", "reason": "duplicate"}


@pytest.fixture
def case(app, session):
    inst = school(session)
    tip = add_tip(session, inst)
    return inst, tip


def test_viewing_takes_nothing_and_a_claim_is_shown_to_others(app, session, case):
    inst, tip = case
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    assert alice.get(f"/mod/institutions/{inst}").status_code == 200
    assert bob.get(f"/mod/institutions/{inst}").status_code == 200  # no lock by looking
    assert session.get(Report, tip).locked_by_id is None
    assert public_status(session, session.get(Report, tip)) == "received"
    assert post_form(alice, f"/mod/institutions/{inst}/claim").status_code == 302
    seen = bob.get(f"/mod/institutions/{inst}?lang=en").get_data(as_text=True)
    assert "Claimed by alice since" in seen
    queue = bob.get("/mod/queue?lang=en").get_data(as_text=True)
    assert "alice" in queue.split(f'data-institution="{inst}"', 1)[1].split("</tr>", 1)[0]
    assert public_status(session, session.get(Report, tip)) == "under_review"
    assert session.scalar(select(AuditEvent.actor_name).where(
        AuditEvent.action == "case.claim")) == "alice"


def test_a_claim_blocks_others_until_released(app, session, case):
    inst, tip = case
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post_form(alice, f"/mod/institutions/{inst}/claim")
    refused = post_form(bob, f"/mod/institutions/{inst}", **REJECT)
    assert refused.status_code == 409
    taken = post_form(bob, f"/mod/institutions/{inst}/claim")
    assert taken.status_code == 302
    assert session.get(Report, tip).locked_by_id != session.scalar(
        select(AuditEvent.actor_id).where(AuditEvent.actor_name == "bob").limit(1))
    assert session.get(Report, tip).status == "pending"
    post_form(bob, f"/mod/institutions/{inst}/release")  # not bob's: changes nothing
    assert post_form(bob, f"/mod/institutions/{inst}", **REJECT).status_code == 409
    post_form(alice, f"/mod/institutions/{inst}/release")
    assert session.get(Report, tip).locked_by_id is None
    assert post_form(bob, f"/mod/institutions/{inst}", **REJECT).status_code == 302
    assert session.get(Report, tip).status == "rejected"
    assert session.get(Report, tip).locked_by_id is None  # the decision released it


def test_a_claim_lapses(app, session, case):
    inst, tip = case
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post_form(alice, f"/mod/institutions/{inst}/claim")
    row = session.get(Report, tip)
    row.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert "Claimed by" not in bob.get(f"/mod/institutions/{inst}?lang=en").get_data(
        as_text=True)
    assert post_form(bob, f"/mod/institutions/{inst}", **REJECT).status_code == 302


def test_notes_are_kept_audited_and_purged_with_the_tips(app, session, runner, case):
    inst, tip = case
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    assert post_form(alice, f"/mod/institutions/{inst}/notes",
                body="교육청에 확인 전화함 <b>x</b>").status_code == 302
    assert post_form(alice, f"/mod/institutions/{inst}/notes", body="  ").status_code == 302
    page = bob.get(f"/mod/institutions/{inst}").get_data(as_text=True)
    assert "교육청에 확인 전화함 &lt;b&gt;x&lt;/b&gt;" in page and "alice" in page
    note_ids = session.scalars(select(CaseNote.id)).all()
    assert len(note_ids) == 1  # the blank one was refused
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.note"))
    assert event.details == {"note": note_ids[0]} and "교육청" not in str(event.reason)
    # Decided and old enough: the purge blanks the note with the tip.
    post_form(alice, f"/mod/institutions/{inst}", **REJECT)
    session.get(Report, tip).decided_at = utcnow() - timedelta(days=100)
    session.get(CaseNote, note_ids[0]).created_at = utcnow() - timedelta(days=100)
    session.commit()
    out = runner.invoke(args=["purge", "--days", "90"])
    assert out.exit_code == 0, out.output
    assert session.get(CaseNote, note_ids[0]).body is None
    assert session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == "tips.purge")) == {"count": 1, "notes": 1}
    assert audit.verify(session)[2] == []


def test_a_note_on_a_case_still_open_is_kept(app, session, runner, case):
    inst, _tip = case
    alice = signed_in(app, session, "alice")
    post_form(alice, f"/mod/institutions/{inst}/notes", body="아직 검토 중")
    note = session.scalar(select(CaseNote))
    note.created_at, note_id = utcnow() - timedelta(days=100), note.id
    session.commit()
    runner.invoke(args=["purge", "--days", "90"])
    assert session.get(CaseNote, note_id).body == "아직 검토 중"


def test_notes_are_never_public(client, app, session, case):
    inst, _tip = case
    alice = signed_in(app, session, "alice")
    post_form(alice, f"/mod/institutions/{inst}/notes", body="NOTE-SECRET-TEXT")
    for path in ("/", "/list", "/api/v1/points", "/api/v1/incidents.csv",
                 "/api/v1/incidents.geojson", "/feed.atom", "/stats"):
        assert b"NOTE-SECRET-TEXT" not in client.get(path).data, path
    client.post(f"/mod/institutions/{inst}/notes", data={"body": "anonymous"})
    assert session.scalars(select(CaseNote.body)).all() == ["NOTE-SECRET-TEXT"]
