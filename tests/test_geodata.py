"""The gazetteer: boundaries, schools and universities, placed in their regions."""

import json
import random

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from geodata.loader import LoadResult, load_all, place_rows
from geodata.stats import gazetteer_stats
from mapapp import spatial
from mapapp.models import SIDO, SIGUNGU, Institution, Region


def test_counts_meet_the_floor(session):
    stats = gazetteer_stats(session)
    assert stats["sido"] == 17
    assert stats["sigungu"] >= 200
    assert stats["institutions"] >= 12_000
    assert stats["outside_share"] <= 0.01
    assert set(stats["by_kind"]) >= {"elementary", "middle", "high", "university"}
    assert stats["by_kind"]["university"] == 441


def test_every_sigungu_has_a_sido_parent(session):
    orphans = session.scalar(
        select(func.count()).select_from(Region)
        .where(Region.level == SIGUNGU, Region.parent_code.is_(None))
    )
    assert orphans == 0
    sejong = session.scalar(select(Region).where(Region.code == "36"))
    assert (sejong.name_ko, sejong.name_en) == ("세종특별자치시", "Sejong")


def test_english_name_fixes_from_the_source_are_kept(session):
    cheorwon = session.scalar(select(Region).where(Region.name_ko == "철원군"))
    assert cheorwon.name_en != "Gongju-si"


def test_school_is_placed_by_its_point(session):
    school = session.scalar(select(Institution).where(Institution.source_id == "B000001838"))
    assert school.name_ko == "서울휘경초등학교"
    assert (school.sido_code, school.sigungu_code) == ("11", "11230")  # 동대문구
    assert school.kind == "elementary" and not school.location_approximate


def test_loader_and_database_agree_on_point_in_region(session):
    ids = session.scalars(select(Institution.id).where(Institution.source == "k12")).all()
    for inst in session.scalars(
        select(Institution).where(Institution.id.in_(random.Random(7).sample(ids, 40)))
    ):
        found = session.scalars(select(Region.code).where(
            Region.level == SIGUNGU,
            spatial.contains_point(session, Region.geom, inst.lon, inst.lat))).all()
        if found:  # a point snapped from just offshore has no containing polygon
            assert found == [inst.sigungu_code], inst.name_ko


def test_universities_sit_at_their_sigungu_point_marked_approximate(session):
    rows = session.execute(
        select(Institution, Region).join(Region, Region.code == Institution.sigungu_code)
        .where(Institution.kind == "university")
    ).all()
    assert len(rows) == 441
    for inst, region in rows:
        assert inst.location_approximate
        assert (inst.lon, inst.lat) == (region.label_lon, region.label_lat)
    names = {inst.name_ko for inst, _ in rows}
    assert not any("대학원" in n for n in names)  # graduate schools are not wanted


def test_load_again_is_idempotent(session):
    before = gazetteer_stats(session)
    result = load_all(session)
    session.flush()
    assert result.inserted == 0 and result.deactivated == 0
    assert result.updated == before["institutions"]
    assert gazetteer_stats(session) == before


def test_a_point_far_from_every_region_is_reported_not_dropped(session):
    regions = {r.code: (to_shape(r.geom), r) for r in session.scalars(select(Region))}
    rows = [{"source": "k12", "source_id": "X", "name_ko": "바다학교", "lon": 131.5,
             "lat": 34.0}]
    result = LoadResult()
    placed = list(place_rows(rows, regions, result))
    assert len(placed) == 1 and placed[0]["sigungu_code"] is None
    assert result.outside == ["바다학교"]


def test_stats_cli_json(runner):
    out = runner.invoke(args=["geodata", "stats", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["sido"] == 17 and data["institutions"] >= 12_000
    assert data["by_sido"]["36"]["name"] == "세종특별자치시"


def test_stats_cli_text(runner):
    out = runner.invoke(args=["geodata", "stats"])
    assert out.exit_code == 0
    assert "시/도: 17" in out.output and "세종특별자치시" in out.output


def test_load_cli_if_empty_does_nothing_when_loaded(runner):
    out = runner.invoke(args=["geodata", "load", "--if-empty"])
    assert out.exit_code == 0 and "nothing loaded" in out.output


def test_region_bounds_contain_the_label_point(session):
    for r in session.scalars(select(Region).where(Region.level == SIDO)):
        assert r.min_lon <= r.label_lon <= r.max_lon
        assert r.min_lat <= r.label_lat <= r.max_lat
