"""The review queue as a team uses it: search by name, region, dates, category, flags and
words in the tips; bulk reject with a reason; bulk move and merge that keep every tip."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from mapapp.models import AuditEvent, Institution, Report, utcnow
from tests.moderation_helpers import post_form
from tests.test_moderation_review import add_tip, school, signed_in

HWIGYEONG = "B000001838"  # 서울휘경초등학교, Seoul


def groups_shown(html):
    body = html.split('data-testid="queue"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'data-institution="(\d+)"', body)]


def pending(session, institution_id):
    return session.scalar(select(func.count()).select_from(Report).where(
        Report.institution_id == institution_id, Report.status == "pending"))


@pytest.fixture
def queue(app, session):
    """Three groups: Seoul (two tips, one old), Sejong and Busan (one each)."""
    seoul = school(session, HWIGYEONG)
    sejong = session.scalar(select(Institution.id).where(Institution.sido_code == "36")
                            .order_by(Institution.id))
    busan = session.scalar(select(Institution.id).where(Institution.sido_code == "26")
                           .order_by(Institution.id))
    tips = {
        "seoul_new": add_tip(session, seoul, description="텔레그램 방에 합성 사진", minutes_ago=30),
        "seoul_old": add_tip(session, seoul, description="오래된 제보 100% 확인_필요",
                             minutes_ago=60 * 24 * 40),
        "tip_sejong": add_tip(session, sejong, description="세종 학교 단체방"),
        "tip_busan": add_tip(session, busan, description="부산 교사 사진 합성"),
    }
    session.get(Report, tips["seoul_old"]).category = "other"
    session.commit()
    return {"seoul": seoul, "sejong": sejong, "busan": busan, **tips}


def test_search_by_words_in_the_tips(app, session, queue):
    alice = signed_in(app, session, "alice")
    assert set(groups_shown(alice.get("/mod/queue?text=합성").get_data(as_text=True))) == {
        queue["seoul"], queue["busan"]}
    assert groups_shown(alice.get("/mod/queue?text=단체방").get_data(as_text=True)) == [
        queue["sejong"]]
    # LIKE's wildcards are only letters here.
    assert groups_shown(alice.get("/mod/queue?text=100%25").get_data(as_text=True)) == [
        queue["seoul"]]
    assert groups_shown(alice.get("/mod/queue?text=%25").get_data(as_text=True)) == [
        queue["seoul"]]
    assert groups_shown(alice.get("/mod/queue?text=_").get_data(as_text=True)) == [
        queue["seoul"]]
    assert groups_shown(alice.get("/mod/queue?text=없는말").get_data(as_text=True)) == []


def test_search_by_institution_name_region_category_and_dates(app, session, queue):
    alice = signed_in(app, session, "alice")

    def shown(query):
        return set(groups_shown(alice.get(f"/mod/queue?{query}").get_data(as_text=True)))

    assert shown("q=서울휘경초") == {queue["seoul"]}
    assert shown("q=휘경") >= {queue["seoul"]} and queue["busan"] not in shown("q=휘경")
    assert shown("q=가") == set()  # too short to name anything
    # A name with institution filters: the filters narrow the name's matches, never widen them.
    assert shown("q=서울휘경초&sido=11") == {queue["seoul"]}
    assert shown("q=서울휘경초&sido=26") == set()
    assert shown("q=서울휘경초&kind=elementary") == {queue["seoul"]}
    assert shown("q=서울휘경초&kind=university") == set()
    assert shown("q=학교&sido=36") <= {queue["sejong"]}
    assert shown("sido=36") == {queue["sejong"]}
    assert shown("category=other") == {queue["seoul"]}
    recent = (utcnow() - timedelta(days=1)).date().isoformat()
    assert shown(f"since={recent}") == {queue["seoul"], queue["sejong"], queue["busan"]}
    old = (utcnow() - timedelta(days=30)).date().isoformat()
    assert shown(f"until={old}") == {queue["seoul"]}  # only its old tip is that old
    html = alice.get(f"/mod/queue?until={old}").get_data(as_text=True)
    row = html.split(f'data-institution="{queue["seoul"]}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>1</td>" in row  # the count is of the matching tips
    assert shown("since=not-a-date") == {queue["seoul"], queue["sejong"], queue["busan"]}
    assert shown("category=<script>") == {queue["seoul"], queue["sejong"], queue["busan"]}


def test_search_terms_stay_in_the_form_and_the_page_links(app, session, queue, monkeypatch):
    monkeypatch.setattr("moderation.queue.PER_PAGE", 1)
    alice = signed_in(app, session, "alice")
    html = alice.get("/mod/queue?text=합성&lang=en").get_data(as_text=True)
    assert 'name="text" value="합성"' in html
    assert "text=%ED%95%A9%EC%84%B1" in html  # the next page keeps the search


def test_the_tip_text_search_is_for_moderators_only(client, queue):
    assert client.get("/mod/queue?text=합성").status_code == 302  # to the sign-in page
    for path in ("/list?q=합성", "/api/v1/points?q=합성", "/api/v1/institutions?q=합성"):
        assert "텔레그램 방에 합성 사진".encode() not in client.get(path).data


def test_bulk_reject_asks_then_rejects_with_the_reason(app, session, queue):
    alice = signed_in(app, session, "alice")
    ids = [str(queue["sejong"]), str(queue["busan"])]
    asked = post_form(alice, "/mod/queue/reject?lang=en", institution_id=ids,
                 reason="not_verifiable")
    assert asked.status_code == 200 and "2 pending tips in 2 groups" in asked.get_data(
        as_text=True)
    assert pending(session, queue["sejong"]) == 1
    done = post_form(alice, "/mod/queue/reject", institution_id=ids, reason="not_verifiable",
                confirmed="yes")
    assert done.status_code == 302
    assert {session.get(Report, queue[k]).decision_reason for k in ("tip_sejong",
                                                                       "tip_busan")} == {
        "not_verifiable"}
    refused = post_form(alice, "/mod/queue/reject", institution_id=[str(queue["seoul"])],
                   reason="made-up", confirmed="yes")
    assert refused.status_code == 302 and pending(session, queue["seoul"]) == 2


def test_bulk_move_merges_groups_and_keeps_every_tip(app, session, queue):
    alice = signed_in(app, session, "alice")
    before = session.scalar(select(func.count()).select_from(Report).where(
        Report.status == "pending"))
    sources = [str(queue["sejong"]), str(queue["busan"])]
    page = post_form(alice, "/mod/queue/move", institution_id=sources, target_q="서울휘경초")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'name="target_id" value="{queue["seoul"]}"' in html
    done = post_form(alice, "/mod/queue/move", institution_id=sources,
                target_id=str(queue["seoul"]), confirmed="yes")
    assert done.status_code == 302
    assert pending(session, queue["seoul"]) == 4
    assert pending(session, queue["sejong"]) == pending(session, queue["busan"]) == 0
    after = session.scalar(select(func.count()).select_from(Report).where(
        Report.status == "pending"))
    assert before == after == 4
    moved = session.get(Report, queue["tip_busan"])
    assert (moved.sido_code, moved.description) == ("11", "부산 교사 사진 합성")
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "tips.move")).all()
    assert sorted(e.details["source"] for e in events) == sorted(
        [queue["sejong"], queue["busan"]])


def test_a_move_onto_a_checked_group_or_a_claimed_group_is_refused(app, session, queue):
    alice, bob = signed_in(app, session, "alice"), signed_in(app, session, "bob")
    post_form(bob, f"/mod/institutions/{queue['busan']}/claim")
    onto_itself = post_form(alice, "/mod/queue/move", institution_id=[str(queue["seoul"])],
                       target_id=str(queue["seoul"]), confirmed="yes")
    assert onto_itself.status_code == 200  # asked again: a group cannot move onto itself
    post_form(alice, "/mod/queue/move", institution_id=[str(queue["busan"]), str(queue["sejong"])],
         target_id=str(queue["seoul"]), confirmed="yes")
    assert pending(session, queue["busan"]) == 1  # bob holds it: left alone
    assert pending(session, queue["sejong"]) == 0 and pending(session, queue["seoul"]) == 3


def test_one_tip_moves_on_its_own(app, session, queue):
    alice = signed_in(app, session, "alice")
    moved = post_form(alice, f"/mod/tips/{queue['seoul_old']}/place",
                 institution_id=str(queue["sejong"]))
    assert moved.status_code == 302
    assert session.get(Report, queue["seoul_old"]).institution_id == queue["sejong"]
    assert pending(session, queue["seoul"]) == 1 and pending(session, queue["sejong"]) == 2
    review = alice.get(f"/mod/institutions/{queue['sejong']}").get_data(as_text=True)
    assert f"/mod/tips/{queue['seoul_old']}/place" in review  # a link on each tip


def test_quotes_and_short_words_in_the_text_search(app, session, queue):
    alice = signed_in(app, session, "alice")
    for words in ('"', '합"성', "''", "합"):
        assert alice.get(f"/mod/queue?text={words}").status_code == 200, words
    assert set(groups_shown(alice.get("/mod/queue?text=합").get_data(as_text=True))) == {
        queue["seoul"], queue["busan"]}


def test_a_purged_text_leaves_the_search_index(app, session, runner, backend):
    tip = add_tip(session, school(session), description="지워질 고유한문장 XYZ")
    row = session.get(Report, tip)
    row.status, row.decided_at = "rejected", utcnow() - timedelta(days=100)
    session.commit()
    runner.invoke(args=["purge", "--days", "90"])
    if backend == "sqlite":
        found = session.execute(text("SELECT rowid FROM reports_fts WHERE reports_fts "
                                     "MATCH '\"고유한문장\"'")).all()
        assert found == []
    assert session.scalar(select(func.count()).select_from(Report).where(
        Report.description.like("%고유한문장%"))) == 0


def test_the_text_search_ignores_case_and_keeps_korean_exact(app, session, queue):
    """On PostgreSQL words without case go through LIKE, the others through ILIKE: either way
    a moderator's word finds the tip whatever its case."""
    telegram = add_tip(session, queue["sejong"], description="Telegram 방 DEEPFAKE 공유")
    alice = signed_in(app, session, "alice")
    for words in ("telegram", "TELEGRAM", "Deepfake", "방 deep"):
        assert groups_shown(alice.get(f"/mod/queue?text={words}").get_data(as_text=True)) == [
            queue["sejong"]], words
    assert groups_shown(alice.get("/mod/queue?text=텔레그램 방").get_data(as_text=True)) == [
        queue["seoul"]]
    assert session.get(Report, telegram).status == "pending"
