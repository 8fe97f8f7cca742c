"""Four-eyes over every moderation route: one moderator alone changes no public byte except
by hiding; a second moderator's approval publishes exactly the proposed revision."""

from datetime import date

import pytest
from sqlalchemy import select

from mapapp import audit, publishing
from mapapp.models import (
    CorrectionRequest,
    Incident,
    Institution,
    Report,
    Revision,
    utcnow,
)
from moderation.incidents import STATUS_ACTIONS
from tests.helpers import csrf_token
from tests.public_outputs import changed, snapshot
from tests.test_moderation_incidents import edit_fields
from tests.test_moderation_review import add_tip, signed_in

GUARD_OPEN = {"moderation.login", "moderation.second_factor"}


def setting(session):
    """A named published incident with tips and a correction request, a hidden one, a draft
    with tips, and a pending tip for a fresh institution; return their ids."""
    def incident(source_id, status, level="media_reported"):
        inst = session.scalar(select(Institution).where(Institution.source_id == source_id))
        item = Incident(institution_id=inst.id, status=status, verification_level=level,
                        public_summary_ko=f"요약 {source_id}",
                        first_reported_month=date(2024, 8, 1),
                        last_reported_month=date(2024, 9, 1), published_at=utcnow(),
                        public_sources=["https://example.org/a"], report_count=1)
        session.add(item)
        session.flush()
        return item.id, inst.id

    live, live_inst = incident("B000001838", "published")
    hidden, _ = incident("B000001839", "hidden")
    draft, draft_inst = incident("B000001840", "draft")
    session.add(CorrectionRequest(incident_id=live, requester_kind="other", problem="not_true",
                                  body="사실이 아닙니다. 학교에 확인해 주세요.",
                                  receipt_lookup="12345678", receipt_hash="!test"))
    session.commit()
    fresh = session.scalar(select(Institution.id).where(Institution.source_id == "B000001841"))
    ids = {"live": live, "hidden": hidden, "draft": draft, "live_inst": live_inst,
           "draft_inst": draft_inst, "fresh_inst": fresh,
           "tips": [add_tip(session, inst) for inst in (live_inst, draft_inst, fresh)],
           "unlisted": None}
    tip = Report(institution_text="없는 학교", sido_code="11", occurred_month=date(2024, 8, 1),
                 category="chatroom_sharing", receipt_lookup="87654321", receipt_hash="!t")
    session.add(tip)
    session.commit()
    ids["unlisted"] = tip.id
    ids["correction"] = session.scalar(select(CorrectionRequest.id))
    return ids


def actions(ids):
    """Every POST a moderator can make, with forms that would change public data if one
    moderator could: (path, fields). Keyed by endpoint, so a new route must be added here."""
    change = edit_fields(level="officially_confirmed", summary_ko="단독 변경",
                         first_month="2023-01", sources="https://evil.example/x")
    approve = {"decision": "approve", **change}
    return {
        "moderation.review": [(f"/mod/institutions/{ids[k]}", approve)
                              for k in ("live_inst", "draft_inst", "fresh_inst")],
        "moderation.incident": [(f"/mod/incidents/{ids[k]}", change)
                                for k in ("live", "hidden", "draft")],
        "moderation.change_status": [
            (f"/mod/incidents/{ids[k]}/status", {"action": a, "note": "공개 메모 단독"})
            # Every action the route takes but hiding: a new one is walked too.
            for k in ("live", "hidden", "draft") for a in STATUS_ACTIONS if a != "hide"],
        "moderation.approve_revision": [(f"/mod/revisions/{n}/approve", {}) for n in range(1, 9)],
        "moderation.return_revision": [(f"/mod/revisions/{n}/return", {"reason": "x"})
                                       for n in range(1, 9)],
        "moderation.triage": [],  # hides: checked on its own below
        "moderation.accept_correction": [
            (f"/mod/corrections/{ids['correction']}/accept",
             {"outcome": o, "public_note": "단독 정정", "basis": "b", **change})
            for o in ("retract", "edit")],
        "moderation.decline_correction": [(f"/mod/corrections/{ids['correction']}/decline",
                                           {"note": "거절", "reply": "r"})],
        "moderation.reply": [(f"/mod/tips/{ids['tips'][0]}/reply", {"reply": "확인 중"})],
        "moderation.bulk_spam": [],  # closes tips: nothing public; the last step below
        "moderation.bulk_reject": [],  # closes tips too (tests/test_queue_search.py)
        "moderation.bulk_move": [("/mod/queue/move", {"institution_id": str(ids["fresh_inst"]),
                                                      "target_id": str(ids["live_inst"]),
                                                      "confirmed": "yes"})],
        "moderation.place": [(f"/mod/tips/{ids['unlisted']}/place",
                              {"institution_id": str(ids["live_inst"])})],
        "moderation.claim": [(f"/mod/institutions/{ids[k]}/claim", {})
                             for k in ("live_inst", "draft_inst", "fresh_inst")],
        "moderation.release": [(f"/mod/institutions/{ids['live_inst']}/release", {})],
        "moderation.add_note": [(f"/mod/institutions/{ids[k]}/notes",
                                 {"body": "공개 요약을 바꿔 주세요"})
                                for k in ("live_inst", "draft_inst")],
        "moderation.settings": [("/mod/settings", {"action": "settings",
                                                   "show_tip_text": "y"})],
        "moderation.change_password": [],  # signs nothing public; tests/test_moderator_settings
        # Accounts (admins only; tests/test_admin_accounts.py): nothing public either.
        "moderation.reset": [], "moderation.deactivate": [], "moderation.enrol": [],
        "moderation.logout": [],
    }


def moderation_posts(app):
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("moderation.") and "POST" in rule.methods
            and rule.endpoint not in GUARD_OPEN}


def post(client, path, fields):
    token = csrf_token(client.get("/mod/queue").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **fields})


def test_every_moderation_post_is_in_the_walk(app, session):
    names = ("live", "hidden", "draft", "live_inst", "draft_inst", "fresh_inst", "unlisted",
             "correction")
    walked = set(actions({**dict.fromkeys(names, 1), "tips": [1]}))
    assert moderation_posts(app) == walked, "add the new route to actions()"


def test_one_moderator_changes_no_public_byte_except_by_hiding(app, session, client):
    ids = setting(session)
    visible = (ids["live"], ids["hidden"], ids["draft"])
    before = snapshot(client, visible)
    alice = signed_in(app, session, "alice")
    for endpoint, steps in actions(ids).items():
        for path, fields in steps:
            answer = post(alice, path, fields)
            assert answer.status_code < 500, (endpoint, path, answer.status_code)
    after = snapshot(client, visible)
    assert changed(before, after) == []
    assert session.scalar(select(Revision.id).where(Revision.status == "applied")) is None
    # Hiding is the one change one moderator may make at once.
    post(alice, f"/mod/incidents/{ids['live']}/status", {"action": "hide", "note": "확인 중"})
    hidden = snapshot(client, visible)
    assert f"/incidents/{ids['live']}" in changed(before, hidden)
    assert "요약 B000001838" not in hidden["/list"][1]
    # The static mirror follows: the page shows the hidden state, the popup file is gone.
    assert {f"mirror:incidents/{ids['live']}/index.html",
            f"mirror:api/v1/incidents/{ids['live']}.json"} <= set(changed(before, hidden))
    assert f"mirror:api/v1/incidents/{ids['live']}.json" not in hidden
    def mirrored(outputs):
        return [path for path, (_s, body) in outputs.items()
                if path.startswith("mirror:") and "요약 B000001838" in body]

    assert mirrored(before) and not mirrored(hidden)
    assert audit.verify(session)[2] == []


def test_a_second_approval_publishes_exactly_the_proposed_revision(app, session, client):
    ids = setting(session)
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post(alice, f"/mod/incidents/{ids['live']}", edit_fields(
        level="officially_confirmed", summary_ko="교육청 공문 확인", first_month="2024-07",
        sources="https://example.org/b"))
    revision = session.scalars(select(Revision).where(Revision.status == "pending")).one()
    proposed, revision_id = dict(revision.proposed), revision.id
    before = snapshot(client, [ids["live"]])
    post(bob, f"/mod/revisions/{revision_id}/approve", {})
    after = snapshot(client, [ids["live"]])
    assert publishing.public_version(session.get(Incident, ids["live"])) == proposed
    assert session.get(Revision, revision_id).status == "applied"
    assert set(changed(before, after)) >= {"/list", "/api/v1/incidents.csv",
                                            f"/incidents/{ids['live']}"}
    page = after[f"/incidents/{ids['live']}"][1]
    assert "교육청 공문 확인" in page and "https://example.org/b" in page
    assert "https://example.org/a" not in page


@pytest.mark.parametrize("approvals", [1, 3])
def test_the_required_number_of_approvals_is_configurable(app, session, client, monkeypatch,
                                                           approvals):
    monkeypatch.setitem(app.config, "REQUIRED_APPROVALS", approvals)
    ids = setting(session)
    names = ["alice", "bob", "chris"][:approvals]
    clients = [signed_in(app, session, n) for n in names]
    post(clients[0], f"/mod/incidents/{ids['live']}", edit_fields(summary_ko="새 요약"))
    revision_id = session.scalar(select(Revision.id))
    for other in clients[1:]:
        assert session.get(Incident, ids["live"]).public_summary_ko != "새 요약"
        post(other, f"/mod/revisions/{revision_id}/approve", {})
    assert session.get(Incident, ids["live"]).public_summary_ko == "새 요약"


def test_the_flush_guard_refuses_a_direct_write(app, session):
    ids = setting(session)
    item = session.get(Incident, ids["live"])
    item.verification_level = "tips_only"
    with pytest.raises(publishing.PublicChangeRefused):
        session.flush()
    session.rollback()
