"""Demo data: synthetic, always marked, on real institutions, within 2024-2025."""

from datetime import date

import pytest
from sqlalchemy import delete, func, select

from mapapp import demo
from mapapp.models import Incident, Institution, Report


def test_seed_marks_everything_as_demo_on_real_institutions(session):
    demo.seed(session, incidents=300, reports=40, seed_value=1)
    incidents = session.scalars(select(Incident)).all()
    reports = session.scalars(select(Report)).all()
    assert len(incidents) == 300 and len(reports) == 40
    assert all(i.is_demo and i.status == "published" for i in incidents)
    assert all(r.is_demo and r.status == "pending" for r in reports)
    assert all("[데모]" in i.public_summary_ko and "[DEMO]" in i.public_summary_en
               for i in incidents)
    known = set(session.scalars(select(Institution.id)))
    assert {i.institution_id for i in incidents} <= known


def test_seed_spreads_over_2024_and_2025(session):
    demo.seed(session, incidents=500, reports=0, seed_value=2)
    first, last = session.execute(
        select(func.min(Incident.first_reported_month), func.max(Incident.last_reported_month))
    ).one()
    assert date(2024, 1, 1) <= first < date(2024, 4, 1)
    assert date(2025, 9, 1) <= last <= date(2025, 12, 1)
    levels = set(session.scalars(select(Incident.verification_level).distinct()))
    assert levels == {"tips_only", "media_reported", "officially_confirmed"}
    bad = session.scalar(select(func.count()).select_from(Incident).where(
        Incident.last_reported_month < Incident.first_reported_month))
    assert bad == 0


def test_demo_receipts_can_never_be_matched(session):
    demo.seed(session, incidents=0, reports=5, seed_value=3)
    assert set(session.scalars(select(Report.receipt_hash))) == {demo.DEMO_RECEIPT_HASH}


def test_clear_removes_only_demo_rows(session):
    demo.seed(session, incidents=20, reports=5, seed_value=4)
    assert demo.clear(session) == (20, 5)
    assert not demo.present(session)


def test_seed_needs_the_gazetteer(session):
    from mapapp.models import InstitutionName

    session.execute(delete(InstitutionName))  # the name forms point at the institutions
    session.execute(delete(Institution))
    with pytest.raises(LookupError, match="geodata load"):
        demo.seed(session, incidents=1, reports=0)


def test_cli_seed_and_if_empty(runner, session):
    out = runner.invoke(args=["demo", "seed", "--incidents", "25", "--reports", "3"])
    assert out.exit_code == 0, out.output
    assert "added 25 demo incidents and 3 demo tips" in out.output
    again = runner.invoke(args=["demo", "seed", "--incidents", "25", "--if-empty"])
    assert "nothing added" in again.output
    assert session.scalar(select(func.count()).select_from(Incident)) == 25
    cleared = runner.invoke(args=["demo", "clear"])
    assert "deleted 25 demo incidents and 3 demo tips" in cleared.output


def test_cli_seed_refuses_a_negative_count(runner):
    out = runner.invoke(args=["demo", "seed", "--incidents", "-5"])
    assert out.exit_code == 2 and "-5" in out.output
