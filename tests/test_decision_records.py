"""What each moderation decision writes: the tips' state, the incident, its public history, the
revision, the audit event (who, what, on which row, why) and the refusal the moderator reads.

The route tests check that decisions happen; these check everything a decision leaves behind,
field by field, so that a wrong actor, a lost reason or a reused incident fails here
(`./dev bench mutation` found those changes passing before).
"""

from datetime import date, timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import select

from mapapp import publishing
from mapapp.models import (
    AuditEvent,
    CorrectionRequest,
    Incident,
    IncidentHistory,
    Institution,
    Moderator,
    Region,
    Report,
    Revision,
    utcnow,
)
from moderation import decisions, revisions
from tests.moderation_helpers import make_moderator
from tests.test_moderation_review import add_tip, school

VALUES = {"level": "media_reported", "summary_ko": " 요약 ", "summary_en": "",
          "sources": ["https://news.example/a"], "first_month": "", "last_month": ""}


@pytest.fixture
def ctx(app, session):
    """A request (Korean, the default) for the code that reads the config and translates."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def team(app, session, ctx):
    names = ("ana", "bo", "cy")
    for name in names:
        make_moderator(session, app, username=name)  # each ends an app context: look up again
    return tuple(session.scalar(select(Moderator).where(Moderator.username == name))
                 for name in names)


def tips_of(session, institution_id, months=((2024, 8),)):
    ids = [add_tip(session, institution_id, occurred_month=date(y, m, 1)) for y, m in months]
    return [session.get(Report, i) for i in ids]


def last_event(session):
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def assert_event(session, actor, action, target=None, reason=None, **details):
    event = last_event(session)
    assert (event.actor_id, event.actor_name, event.action) == (actor.id, actor.username, action)
    assert (event.target_type, event.target_id) == (
        (type(target).__name__.lower(), str(target.id)) if target is not None else (None, None))
    assert event.reason == reason
    assert event.details == details


def refused(message, call, *args, **kwargs):
    """The call is refused with this message, in the moderator's language (Korean here)."""
    with pytest.raises(revisions.RevisionError) as caught:
        call(*args, **kwargs)
    assert str(caught.value) == gettext(message) != message
    return caught


def published(session, team, institution_id=None, months=((2024, 8),)):
    """An incident published by two moderators; return it."""
    ana, bo, _cy = team
    institution = session.get(Institution, institution_id or school(session))
    incident = decisions.approve(session, ana, institution, tips_of(session, institution.id,
                                                                    months), dict(VALUES), "기사")
    revisions.approve(session, bo, revisions.pending_revision(session, incident.id))
    session.flush()
    assert incident.status == "published"
    return incident


def published_next_door(session, team, incident):
    """A second published incident, at another institution."""
    return published(session, team, institution_id=session.scalar(
        select(Institution.id).where(Institution.id != incident.institution_id).limit(1)))


def history(session, incident):
    return [(h.change, h.from_value, h.to_value, h.note) for h in session.scalars(
        select(IncidentHistory).where(IncidentHistory.incident_id == incident.id)
        .order_by(IncidentHistory.id))]


# --- tips -----------------------------------------------------------------------------------

def test_approving_tips_records_the_decision_and_proposes_publication(session, team):
    ana, _bo, _cy = team
    institution = session.get(Institution, school(session))
    tips = tips_of(session, institution.id, months=((2024, 6), (2024, 3), (2024, 9)))
    before = utcnow()
    incident = decisions.approve(session, ana, institution, tips, dict(VALUES), "  기사 두 건 ")
    assert (incident.status, incident.report_count, incident.institution_id) == (
        "draft", 3, institution.id)
    for tip in tips:
        assert (tip.status, tip.decided_by_id, tip.incident_id) == ("approved", ana.id,
                                                                    incident.id)
        assert tip.decided_at >= before and tip.locked_by_id is None
    revision = revisions.pending_revision(session, incident.id)
    assert (revision.action, revision.author_id, revision.basis) == ("publish", ana.id,
                                                                     "기사 두 건")
    assert sorted(revision.tip_ids) == sorted(t.id for t in tips)
    assert revision.base == {"status": "draft", "institution_id": institution.id,
                             "level": incident.verification_level, "summary_ko": "",
                             "summary_en": "", "sources": [], "first_month": "2024-06",
                             "last_month": "2024-06", "retraction_note": ""}
    # The period covers every tip behind it, whatever the form said.
    assert (revision.proposed["first_month"], revision.proposed["last_month"]) == (
        "2024-03", "2024-09")
    assert revision.proposed["summary_ko"] == "요약" and revision.proposed["status"] == \
        "published"
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)).all()
    approve_event = events[1]
    assert (approve_event.action, approve_event.actor_id, approve_event.target_id,
            approve_event.reason) == ("tips.approve", ana.id, str(incident.id), "기사 두 건")
    assert approve_event.details == {"tips": [t.id for t in tips]}
    assert_event(session, ana, "revision.propose", revision, reason="기사 두 건",
                 incident=incident.id, change="publish")


def test_more_tips_join_the_open_incident_and_propose_an_edit(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    institution = session.get(Institution, incident.institution_id)
    more = tips_of(session, institution.id, months=((2025, 1),))
    again = decisions.approve(session, bo, institution, more, {"summary_ko": "요약"}, "세 번째")
    assert again.id == incident.id and incident.report_count == 2
    revision = revisions.pending_revision(session, incident.id)
    assert (revision.action, revision.author_id) == ("edit", bo.id)
    assert revision.proposed["last_month"] == "2025-01"
    assert revision.tip_ids == [more[0].id]


def test_a_retracted_or_foreign_incident_is_never_reused(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    decisions.propose_retract(session, ana, incident, "잘못된 제보", basis="확인")
    revisions.approve(session, bo, revisions.pending_revision(session, incident.id))
    assert incident.status == "retracted"
    institution = session.get(Institution, incident.institution_id)
    fresh = decisions.approve(session, ana, institution, tips_of(session, institution.id),
                              dict(VALUES), "새 기사")
    assert fresh.id != incident.id and fresh.status == "draft" and fresh.report_count == 1
    # Another institution's open incident is not this one's either.
    neighbour = session.scalar(select(Institution.id).where(Institution.id != institution.id,
                                                            Institution.kind == "elementary")
                               .limit(1))
    elsewhere = decisions.approve(session, ana, session.get(Institution, neighbour),
                                  tips_of(session, neighbour), dict(VALUES), "기사")
    assert elsewhere.id not in (incident.id, fresh.id) and elsewhere.institution_id == neighbour


def test_approval_refusals_say_why(session, team):
    ana = team[0]
    institution = session.get(Institution, school(session))
    refused("there are no pending tips here any more", decisions.approve, session, ana,
            institution, [], dict(VALUES), "기사")
    tips = tips_of(session, institution.id)
    refused("state the basis of the verification", decisions.approve, session, ana,
            institution, tips, dict(VALUES), "  ")
    refused("write the public summary (Korean)", decisions.approve, session, ana,
            institution, tips, {**VALUES, "summary_ko": None}, "기사")
    refused("write the public summary (Korean)", decisions.approve, session, ana,
            institution, tips, {**VALUES, "summary_ko": "  "}, "기사")
    refused("the period ends before it starts", decisions.approve, session, ana, institution,
            tips, {**VALUES, "first_month": "2024-05", "last_month": "2024-01"}, "기사")
    assert all(t.status == "pending" for t in tips)


def test_reject_spam_and_reply_are_recorded(session, team):
    ana = team[0]
    first, second = tips_of(session, school(session), months=((2024, 1), (2024, 2)))
    refused("choose a reason from the list", decisions.reject, session, ana, [first], "made up")
    decisions.reject(session, ana, [first], "duplicate", note="같은 제보")
    assert (first.status, first.decision_reason, first.decided_by_id) == (
        "rejected", "duplicate", ana.id)
    assert first.decided_at is not None
    assert_event(session, ana, "tips.reject", reason="duplicate", tips=[first.id],
                 note="같은 제보")
    decisions.mark_spam(session, ana, [second])
    assert (second.status, second.decision_reason, second.decided_by_id) == ("spam", "spam",
                                                                            ana.id)
    assert_event(session, ana, "tips.spam", tips=[second.id])
    decisions.reply(session, ana, first, "  " + "가" * 600 + "  ")
    assert first.reply == "가" * 500
    assert_event(session, ana, "tip.reply", first)
    decisions.reply(session, ana, first, None)
    assert first.reply is None
    decisions.reply(session, ana, first, "   ")
    assert first.reply is None


def test_a_lock_ends_exactly_at_its_time(session, team, monkeypatch):
    ana, bo, _cy = team
    tip, = tips_of(session, school(session))
    now = utcnow()
    monkeypatch.setattr(decisions, "utcnow", lambda: now)
    tip.locked_by_id, tip.locked_until = bo.id, now + timedelta(seconds=1)
    refused("another moderator is reviewing these tips", decisions.lock_tips, session, ana,
            [tip])
    tip.locked_until = now  # over at this very moment
    decisions.lock_tips(session, ana, [tip])
    assert (tip.locked_by_id, tip.locked_until) == (ana.id, now + timedelta(minutes=15))


def test_placing_a_tip_and_adding_an_institution_are_recorded(session, team):
    ana = team[0]
    district = session.scalar(select(Region).where(Region.level == 2, Region.code.like("11%"))
                              .limit(1))
    long_name = "  새" + "학" * 250 + "교  "
    institution = decisions.add_institution(session, ana, long_name, "elementary", district.code)
    assert institution.name_ko == long_name.strip()[:200]
    assert (institution.sigungu_code, institution.sido_code, institution.source) == (
        district.code, district.parent_code, "moderator")
    assert len(institution.source_id) == 16
    assert institution.location_approximate
    assert_event(session, ana, "institution.add", institution, name=institution.name_ko)
    tip, = tips_of(session, school(session))
    decisions.place_tip(session, ana, tip, institution)
    assert (tip.institution_id, tip.sigungu_code) == (institution.id, district.code)
    assert_event(session, ana, "tip.place", tip, institution=institution.id)


def test_adding_an_institution_refuses_what_it_cannot_place(session, team):
    ana = team[0]
    district = session.scalar(select(Region).where(Region.level == 2).limit(1))
    province = session.scalar(select(Region).where(Region.level == 1).limit(1))
    message = "give the name and the 시/군/구"
    refused(message, decisions.add_institution, session, ana, "새학교", "elementary", province.code)
    refused(message, decisions.add_institution, session, ana, "  ", "elementary", district.code)
    refused(message, decisions.add_institution, session, ana, None, "elementary", district.code)
    refused("choose a kind from the list", decisions.add_institution, session, ana, "새학교",
            "castle", district.code)
    refused("give both longitude and latitude, or neither", decisions.add_institution, session,
            ana, "새학교", "elementary", district.code, lon=127.0)
    refused("that point is not inside the chosen 시/군/구", decisions.add_institution, session,
            ana, "새학교", "elementary", district.code, lon=129.0, lat=35.1)


# --- incidents ------------------------------------------------------------------------------

def test_hiding_is_recorded_with_who_when_and_why(session, team):
    ana = team[0]
    incident = published(session, team)
    refused("say why it is hidden", decisions.hide, session, ana, incident, " ")
    refused("say why it is hidden", decisions.hide, session, ana, incident, None)
    before = utcnow()
    decisions.hide(session, ana, incident, " " + "이유" * 150)
    assert (incident.status, incident.hidden_by_id) == ("hidden", ana.id)
    assert incident.hidden_reason == ("이유" * 150)[:200] and incident.hidden_at >= before
    line = session.scalars(select(IncidentHistory).where(
        IncidentHistory.incident_id == incident.id).order_by(IncidentHistory.id.desc())).first()
    assert (line.change, line.created_at) == ("hidden", incident.hidden_at)
    assert_event(session, ana, "incident.hide", incident, reason=incident.hidden_reason)
    refused("only a published incident can be hidden", decisions.hide, session, ana, incident,
            "again")
    publishing.hide(session, None, incident, "system")
    assert incident.hidden_by_id is None  # the takedown deadline hides without a moderator


def test_restoring_clears_the_hiding_and_answers_the_correction_no(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    refused("only a hidden incident can be restored", decisions.propose_restore, session, ana,
            incident, "확인")
    decisions.hide(session, ana, incident, "요청")
    request = CorrectionRequest(incident_id=incident.id, body="내려 주세요", problem="not_true")
    session.add(request)
    session.flush()
    revision = decisions.propose_restore(session, ana, incident, "확인함",
                                         correction_id=request.id)
    assert revision.correction_id == request.id and revision.action == "restore"
    revisions.approve(session, bo, revision)
    assert (incident.status, incident.hidden_at, incident.hidden_by_id,
            incident.hidden_reason) == ("published", None, None, None)
    assert (request.status, request.decided_by_id) == ("rejected", bo.id)
    assert (revision.status, revision.decided_by_id) == ("applied", bo.id)
    assert history(session, incident)[-2:] == [("hidden", None, None, None),
                                               ("restored", None, None, None)]
    assert_event(session, bo, "revision.apply", revision, incident=incident.id,
                 change="restore")


def test_retracting_keeps_the_note_and_answers_the_correction_yes(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    request = CorrectionRequest(incident_id=incident.id, body="사실이 아닙니다",
                                problem="not_true", public_note="학교 확인")
    session.add(request)
    session.flush()
    refused("write the public note", decisions.propose_retract, session, ana, incident, " ")
    refused("write the public note", decisions.propose_retract, session, ana, incident, None)
    revision = decisions.propose_retract(session, ana, incident, "오보였습니다",
                                         correction_id=request.id)
    assert (revision.basis, revision.correction_id) == ("오보였습니다", request.id)
    revisions.approve(session, bo, revision)
    assert incident.status == "retracted" and incident.retracted_at is not None
    assert incident.retraction_note == "오보였습니다"
    assert request.status == "accepted"
    assert history(session, incident)[-2:] == [("retracted", None, None, "오보였습니다"),
                                               ("correction", "not_true", None, "학교 확인")]
    refused("only a published or hidden incident can be retracted", decisions.propose_retract,
            session, ana, incident, "다시")
    refused("only a published or hidden incident can be edited", decisions.propose_edit,
            session, ana, incident, dict(VALUES), "다시")


def test_a_hidden_incident_can_be_edited_or_retracted(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    decisions.hide(session, ana, incident, "요청")
    refused("write the public summary (Korean)", decisions.propose_edit, session, ana,
            incident, {"summary_ko": " "}, "기사")
    refused("write the public summary (Korean)", decisions.propose_edit, session, ana,
            incident, {}, "기사")
    edit = decisions.propose_edit(session, ana, incident, {"summary_ko": "고친 요약",
                                                           "summary_en": " Fixed "}, "기사")
    assert edit.proposed["summary_en"] == "Fixed" and edit.proposed["status"] == "hidden"
    revisions.send_back(session, bo, edit, "아직")
    retract = decisions.propose_retract(session, ana, incident, "철회")
    assert retract.action == "retract"


def test_every_public_change_is_in_the_history_with_its_values(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    first_line = history(session, incident)[0]
    assert first_line == ("published", None, "media_reported", None)
    line = session.scalars(select(IncidentHistory).where(
        IncidentHistory.incident_id == incident.id)).first()
    assert line.created_at == incident.published_at
    other = session.scalar(select(Institution.id).where(Institution.id != incident.institution_id)
                           .limit(1))
    english = decisions.propose_edit(session, ana, incident, {"summary_ko": "요약",
                                                              "summary_en": " English "}, "기사")
    revisions.approve(session, bo, english)
    assert incident.public_summary_en == "English"
    sourceless = decisions.proposal(incident, sources=None)
    assert sourceless["sources"] == [] and incident.public_sources
    edit = decisions.propose_edit(session, ana, incident, {
        "summary_ko": "새 요약", "summary_en": "", "level": "officially_confirmed",
        "first_month": "2024-01", "sources": ["https://news.example/b"],
        "institution_id": other}, "공문")
    revisions.approve(session, bo, edit)
    assert incident.public_summary_en is None and incident.institution_id == other
    assert history(session, incident)[1:] == [
        ("summary", None, None, None),
        ("level", "media_reported", "officially_confirmed", None),
        ("period", "2024-08/2024-08", "2024-01/2024-08", None),
        ("summary", None, None, None), ("sources", None, None, None),
        ("institution", None, None, None)]
    published_at = incident.published_at
    assert published_at is not None


# --- revisions ------------------------------------------------------------------------------

def test_one_proposal_waits_per_incident(session, team):
    ana, bo, cy = team
    incident = published(session, team)
    neighbour = published_next_door(session, team, incident)
    mine = decisions.propose_edit(session, ana, incident, {"summary_ko": "하나"}, "기사")
    theirs = decisions.propose_edit(session, bo, neighbour, {"summary_ko": "둘"}, "기사")
    assert revisions.pending_revision(session, incident.id) is mine
    assert revisions.pending_revision(session, neighbour.id) is theirs
    refused("another change to this incident waits for approval: approve it or send it back "
            "first", decisions.propose_edit, session, cy, incident, {"summary_ko": "셋"}, "기사")
    # The author may replace their own: the old one is superseded, its tips carried over.
    mine.tip_ids = [12345]
    again = decisions.propose_edit(session, ana, incident, {"summary_ko": "하나 고침"}, "기사")
    assert (mine.status, mine.decided_by_id) == ("superseded", ana.id)
    assert mine.decided_at is not None and again.tip_ids == [12345]
    refused("state the basis of the change", revisions.propose, session, ana, incident, "edit",
            {}, " ")
    refused("state the basis of the change", revisions.propose, session, ana, incident, "edit",
            {}, None)


def test_a_proposal_that_changes_nothing_is_refused(session, team):
    ana = team[0]
    incident = published(session, team)
    refused("this changes nothing the public sees", decisions.propose_edit, session, ana,
            incident, {"summary_ko": incident.public_summary_ko}, "기사")


def test_approvals_need_different_moderators_and_an_unchanged_base(session, team):
    ana, bo, cy = team
    incident = published(session, team)
    revision = decisions.propose_edit(session, ana, incident, {"summary_ko": "고침"}, "기사")
    refused("you approved this already; another moderator must approve it",
            revisions.approve, session, ana, revision)
    decisions.hide(session, cy, incident, "요청")  # the live version moved on
    refused("the public version changed since this was proposed: send it back",
            revisions.approve, session, bo, revision)
    revisions.send_back(session, bo, revision, "다시")
    refused("this change is no longer waiting for approval", revisions.approve, session, cy,
            revision)
    refused("this change is no longer waiting for approval", revisions.send_back, session, cy,
            revision, "또")


def test_an_approval_is_recorded(session, team, app, monkeypatch):
    ana, bo, cy = team
    monkeypatch.setitem(app.config, "REQUIRED_APPROVALS", 3)
    institution = session.get(Institution, school(session))
    incident = decisions.approve(session, ana, institution, tips_of(session, institution.id),
                                 dict(VALUES), "기사")
    revision = revisions.pending_revision(session, incident.id)
    revisions.approve(session, bo, revision)
    assert_event(session, bo, "revision.approve", revision, incident=incident.id)
    assert revision.status == "pending"  # two of three
    revisions.approve(session, cy, revision)
    assert revision.status == "applied"


def test_sending_back_returns_only_its_own_tips(session, team):
    ana, bo, _cy = team
    incident = published(session, team)  # its first tip stays approved
    institution = session.get(Institution, incident.institution_id)
    more = tips_of(session, institution.id, months=((2024, 9), (2024, 10), (2024, 11)))
    decisions.approve(session, ana, institution, more, {"summary_ko": "더"}, "기사")
    assert incident.report_count == 4
    revision = revisions.pending_revision(session, incident.id)
    spam = more.pop()  # marked spam since: it stays closed when the rest go back
    spam.status = "spam"
    session.flush()
    refused("say why it goes back", revisions.send_back, session, bo, revision, " ")
    refused("say why it goes back", revisions.send_back, session, bo, revision, None)
    revisions.send_back(session, bo, revision, " " + "왜" * 600)
    assert (revision.status, revision.decided_by_id, revision.return_reason) == (
        "returned", bo.id, "왜" * 500)
    assert revision.decided_at is not None
    for tip in more:
        assert (tip.status, tip.incident_id, tip.decided_by_id, tip.decided_at) == (
            "pending", None, None, None)
    first = session.scalars(select(Report).where(Report.incident_id == incident.id)).all()
    assert len(first) == 2 and {t.status for t in first} == {"approved", "spam"}
    assert incident.report_count == 2
    assert_event(session, bo, "revision.return", revision, reason="왜" * 500,
                 incident=incident.id, tips=sorted(t.id for t in more))


def test_sending_back_a_proposal_without_tips_returns_none(session, team):
    ana, bo, _cy = team
    incident = published(session, team)
    # Report number 1 (whichever it is) must not go back with a proposal that attached none.
    tip_one = session.get(Report, 1)
    if tip_one is None:
        tip_one = session.get(Report, add_tip(session, incident.institution_id))
        tip_one.id = 1
        session.flush()
    tip_one.status, tip_one.incident_id = "approved", incident.id
    session.flush()
    incident_count = incident.report_count
    edit = decisions.propose_edit(session, ana, incident, {"summary_ko": "고침"}, "기사")
    revisions.send_back(session, bo, edit, "아니요")
    assert tip_one.status == "approved" and incident.report_count == incident_count


def test_sending_back_every_tip_of_a_draft_leaves_it_at_zero(session, team):
    ana, bo, _cy = team
    institution = session.get(Institution, school(session))
    incident = decisions.approve(session, ana, institution, tips_of(session, institution.id),
                                 dict(VALUES), "기사")
    revisions.send_back(session, bo, revisions.pending_revision(session, incident.id), "아니요")
    assert incident.report_count == 0


def test_waiting_for_lists_what_a_moderator_may_still_approve(session, team, app):
    ana, bo, cy = team
    first = published(session, team)
    second = published_next_door(session, team, first)
    # Written second but proposed first: the list goes by when, not by row number.
    newer = decisions.propose_edit(session, bo, second, {"summary_ko": "나중"}, "기사")
    older = decisions.propose_edit(session, ana, first, {"summary_ko": "먼저"}, "기사")
    older.created_at = utcnow() - timedelta(hours=1)
    session.flush()
    assert revisions.waiting_for(session, cy.id) == [older, newer]
    assert revisions.waiting_for(session, cy.id, limit=1) == [older]
    assert revisions.waiting_for(session, ana.id) == [newer]
    assert revisions.waiting_for(session, bo.id) == [older]
    revisions.send_back(session, cy, older, "아니요")
    assert revisions.waiting_for(session, cy.id) == [newer]
    assert session.scalars(select(Revision).where(Revision.status == "applied")).all()
    assert session.get(Incident, first.id).status == "published"
