"""The queue's groups (queue_groups, kept by triggers on reports, migration 0008) always say
what a count of the pending tips would say, whatever changes a tip and by whichever path, and
the queue reads the same page from them as from grouping the tips."""

import secrets
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from mapapp.extensions import db
from mapapp.models import Institution, QueueGroup, Report, utcnow
from moderation.queue import Search, queue_page
from tests.moderation_helpers import post_form
from tests.test_moderation_review import add_tip, school, signed_in

PENDING = (Report.status == "pending", Report.institution_id.is_not(None))


def tip_row(institution_id, created_at, status="pending"):
    """A tips table row, for inserts that go around the ORM (as bulk loads and psql do)."""
    return {"institution_id": institution_id, "occurred_month": date(2024, 8, 1),
            "category": "other", "status": status, "receipt_lookup": secrets.token_hex(8),
            "receipt_hash": "!test", "personal_data_flags": [], "is_demo": False,
            "created_at": created_at}


def counted(session):
    """{institution id: (tips, oldest)} as queue_groups holds it."""
    session.expire_all()
    return {row.institution_id: (row.tips, row.oldest)
            for row in session.scalars(select(QueueGroup))}


def actual(session):
    """The same, from the pending tips themselves."""
    rows = session.execute(select(Report.institution_id, func.count(),
                                  func.min(Report.created_at))
                           .where(*PENDING).group_by(Report.institution_id))
    return {iid: (tips, oldest) for iid, tips, oldest in rows}


def in_step(session):
    found = counted(session)
    assert found == actual(session)
    return found


@pytest.fixture
def two_schools(session):
    first = school(session)
    second = session.scalar(select(Institution.id).where(Institution.sido_code == "26")
                            .order_by(Institution.id))
    return first, second


def test_every_change_to_a_tip_keeps_its_group_counted(app, session, two_schools):
    a, b = two_schools
    assert in_step(session) == {}
    recent = add_tip(session, a, minutes_ago=60)
    old = add_tip(session, a, minutes_ago=600)
    other = add_tip(session, b, minutes_ago=30)
    add_tip(session, a, status="rejected")  # not pending: not counted
    session.add(Report(institution_text="목록에 없는 학교", occurred_month=date(2024, 8, 1),
                       category="other", receipt_lookup=secrets.token_hex(4),
                       receipt_hash="!test"))  # no institution yet: not a group
    session.commit()
    groups = in_step(session)
    times = {tip: session.get(Report, tip).created_at for tip in (recent, old, other)}
    assert groups == {a: (2, times[old]), b: (1, times[other])}

    session.get(Report, old).status = "rejected"  # the oldest leaves: the next one is oldest
    session.commit()
    assert in_step(session)[a] == (1, times[recent])
    session.get(Report, old).status = "pending"  # sent back to the queue
    session.commit()
    assert in_step(session)[a] == (2, times[old])

    session.get(Report, recent).institution_id = b  # placed at another institution
    session.commit()
    assert in_step(session) == {a: (1, times[old]), b: (2, times[recent])}
    earlier = utcnow() - timedelta(days=3)
    session.get(Report, other).created_at = earlier
    session.commit()
    assert in_step(session)[b] == (2, earlier)

    session.execute(delete(Report).where(Report.id == other))
    session.commit()
    assert in_step(session)[b] == (1, times[recent])
    # One statement for many rows (the purge and the bulk actions work this way).
    session.execute(update(Report).where(Report.institution_id.in_((a, b)))
                    .values(status="spam").execution_options(synchronize_session=False))
    session.commit()
    assert in_step(session) == {}


def test_a_flood_on_one_school_is_counted_and_cleared_in_one_statement(app, session,
                                                                        two_schools):
    a, _b = two_schools
    now = utcnow()
    session.execute(Report.__table__.insert(),
                    [tip_row(a, now - timedelta(seconds=n)) for n in range(500)])
    session.commit()
    assert in_step(session)[a][0] == 500
    session.execute(update(Report).where(Report.institution_id == a, Report.created_at < now
                                         - timedelta(seconds=100)).values(status="spam"))
    session.commit()
    assert in_step(session)[a][0] == 101


def test_the_queue_reads_the_same_page_from_the_groups_as_from_the_tips(app, session,
                                                                       two_schools):
    """Without a condition on the tips the queue reads queue_groups; with one (a date long
    past) it groups the tips: both must give the same groups, counts, times and total."""
    a, b = two_schools
    third = session.scalar(select(Institution.id).where(Institution.sido_code == "36")
                           .order_by(Institution.id))
    for institution, ages in ((a, (5, 50)), (b, (500,)), (third, (20, 30, 40))):
        for minutes in ages:
            add_tip(session, institution, minutes_ago=minutes)
    every_tip = {"since": date(2000, 1, 1)}

    def page(per_page=25, page_number=1, **search):
        groups, total, _bursts = queue_page(session, page=page_number, per_page=per_page,
                                            search=Search(**search))
        return [(g.institution.id, g.tips, g.oldest) for g in groups], total

    with app.test_request_context():
        for search in ({}, {"name": "서울휘경초"}, {"sido": "26"}, {"kind": "elementary"}):
            from_groups = page(**search)
            assert from_groups == page(**search, **every_tip), search
        groups, total = page()
        assert total == 3 and [g[0] for g in groups] == [b, a, third]  # oldest first
        assert groups[1][1] == 2 and groups[2][1] == 3
        assert page(per_page=2, page_number=2) == ([groups[2]], 3)
        assert page(per_page=2, page_number=5) == ([], 3)  # past the end: still the total
        assert page(per_page=2, page_number=5, **every_tip) == ([], 3)


def test_the_moderators_actions_keep_the_groups_counted(app, session, two_schools):
    a, b = two_schools
    tips = [add_tip(session, a), add_tip(session, a, minutes_ago=90), add_tip(session, b)]
    alice = signed_in(app, session, "alice")
    post_form(alice, "/mod/queue/move", institution_id=[str(b)], target_id=str(a),
              confirmed="yes")
    assert in_step(session) == {a: (3, session.get(Report, tips[1]).created_at)}
    moved = post_form(alice, f"/mod/tips/{tips[2]}/place", institution_id=str(b))
    assert moved.status_code == 302
    assert {iid: n for iid, (n, _t) in in_step(session).items()} == {a: 2, b: 1}
    post_form(alice, "/mod/queue/reject", institution_id=[str(a), str(b)],
              reason="not_verifiable", confirmed="yes")
    assert in_step(session) == {}


@pytest.mark.postgis_only
def test_two_moderators_at_once_leave_the_oldest_time_right(app, two_schools, session):
    """One moderator sends an old tip back to the queue while another rejects a tip of the
    same school. The second waits on the group's row and must then see the first's tip: its
    `oldest` must not come from before the wait."""
    a, _b = two_schools
    session.rollback()
    with app.app_context():
        engine = db.engine
    old_time, new_time = utcnow() - timedelta(days=9), utcnow() - timedelta(hours=1)
    with engine.begin() as conn:
        ids = [conn.execute(Report.__table__.insert().returning(Report.id),
                            tip_row(a, created, status)).scalar_one()
               for status, created in (("rejected", old_time), ("pending", new_time),
                                       ("pending", new_time))]
    try:
        sender, rejecter = engine.connect(), engine.connect()
        back = sender.begin()
        sender.execute(update(Report).where(Report.id == ids[0]).values(status="pending"))
        rejecting = rejecter.begin()

        def reject():
            rejecter.execute(update(Report).where(Report.id == ids[1])
                             .values(status="rejected"))

        worker = threading.Thread(target=reject)
        worker.start()
        waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        deadline = utcnow() + timedelta(seconds=30)
        with engine.connect() as watcher:
            while watcher.execute(waiting).scalar() == 0 and utcnow() < deadline:
                watcher.rollback()
        back.commit()
        worker.join(30)
        rejecting.commit()
        sender.close()
        rejecter.close()
        with engine.connect() as conn:
            row = conn.execute(select(QueueGroup.tips, QueueGroup.oldest)
                               .where(QueueGroup.institution_id == a)).one()
        assert tuple(row) == (2, old_time)
    finally:
        with engine.begin() as conn:
            conn.execute(delete(Report).where(Report.id.in_(ids)))
            assert conn.execute(select(func.count()).select_from(QueueGroup).where(
                QueueGroup.institution_id == a)).scalar() == 0
