"""The backend-specific spatial calls give the same answers on SpatiaLite and PostGIS."""

import pytest
from sqlalchemy import func, select, text

from mapapp import spatial
from mapapp.models import SIDO, SIGUNGU, Institution, Region

SEOUL_CITY_HALL = (126.9779, 37.5663)  # 서울특별시 중구
SEJONG_GOV_COMPLEX = (127.2596, 36.5040)  # 세종특별자치시
JEJU_CITY = (126.5312, 33.4996)  # 제주특별자치도 제주시
EAST_SEA = (130.5, 37.0)  # open water


def regions_at(session, lon, lat):
    """Return {level: code} of the regions containing the point."""
    rows = session.scalars(select(Region).where(spatial.contains_point(session, Region.geom,
                                                                       lon, lat)))
    return {r.level: r.code for r in rows}


@pytest.mark.parametrize(
    ("where", "sido", "sigungu"),
    [(SEOUL_CITY_HALL, "11", "11140"), (SEJONG_GOV_COMPLEX, "36", "36110"),
     (JEJU_CITY, "50", "50110")],
)
def test_point_in_region_finds_both_levels(session, where, sido, sigungu):
    assert regions_at(session, *where) == {SIDO: sido, SIGUNGU: sigungu}


def test_point_at_sea_is_in_no_region(session):
    assert regions_at(session, *EAST_SEA) == {}


@pytest.mark.parametrize(
    "bbox",
    [(126.9, 37.5, 127.0, 37.6), (124.0, 33.0, 132.0, 39.0), (127.25, 36.45, 127.30, 36.52),
     (130.0, 36.0, 130.1, 36.1)],
)
def test_bbox_matches_a_plain_coordinate_filter(session, bbox):
    west, south, east, north = bbox
    indexed = session.scalars(
        select(Institution.id).where(spatial.in_bbox(session, Institution.geom, bbox))
    ).all()
    plain = session.scalars(
        select(Institution.id).where(Institution.lon.between(west, east),
                                     Institution.lat.between(south, north))
    ).all()
    assert sorted(indexed) == sorted(plain)


def test_bbox_query_uses_the_spatial_index(session, backend):
    stmt = select(func.count()).select_from(Institution).where(
        spatial.in_bbox(session, Institution.geom, (126.9, 37.5, 127.0, 37.6)))
    if backend == "postgis":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = session.execute(text("EXPLAIN " + str(stmt.compile(
            session.get_bind(), compile_kwargs={"literal_binds": True})))).scalars().all()
        assert any("idx_institutions_geom" in line for line in plan), plan
    else:
        compiled = str(stmt.compile(session.get_bind()))
        assert '"idx_institutions_geom"' in compiled  # the R*Tree table is queried
    assert session.scalar(stmt) > 100


def test_korea_bounds_check():
    assert spatial.valid_korea_point(*SEOUL_CITY_HALL)
    assert not spatial.valid_korea_point(0, 0)
    assert not spatial.valid_korea_point("nan", 37)
    assert not spatial.valid_korea_point(None, 37)


def test_institution_refuses_a_place_outside_korea():
    with pytest.raises(ValueError, match="outside Korea"):
        Institution().place(2.35, 48.85)


def test_missing_spatialite_gives_one_actionable_line(monkeypatch, tmp_path):
    monkeypatch.setenv("SPATIALITE_LIBRARY_PATH", str(tmp_path / "no_such_mod_spatialite"))
    conn = spatial.sqlite_dbapi().connect(":memory:")
    with pytest.raises(spatial.SpatialiteMissing, match="apt-get install libsqlite3-mod-spat"):
        spatial._prepare_sqlite_connection(conn, None)


def test_sqlite_driver_can_load_extensions():
    assert hasattr(spatial.sqlite_dbapi().connect(":memory:"), "enable_load_extension")


@pytest.mark.sqlite_only
def test_sqlite_connection_pragmas(session):
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    # A small page cache per connection: a worker holds one connection per thread.
    assert session.execute(text("PRAGMA cache_size")).scalar() == -512


def test_concurrent_writers_all_succeed(backend, tmp_path):
    """Many threads that read, then write, must all commit (SQLite: no SQLITE_BUSY_SNAPSHOT)."""
    import threading

    from flask_migrate import upgrade

    from mapapp import create_app
    from mapapp.extensions import db
    from mapapp.models import Moderator
    from tests.conftest import TEST_CONFIG, throwaway_database

    with throwaway_database(backend, tmp_path) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        failures = []

        def writer(n):
            with app.app_context():
                for i in range(15):
                    try:
                        db.session.scalar(select(func.count()).select_from(Moderator))  # read
                        with spatial.write_transaction(db.session):
                            db.session.scalar(select(func.count()).select_from(Moderator))
                            db.session.add(Moderator(username=f"w{n}-{i}", password_hash="x"))
                    except Exception as exc:  # noqa: BLE001  (collected and asserted below)
                        failures.append(repr(exc))
                db.session.remove()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with app.app_context():
            total = db.session.scalar(select(func.count()).select_from(Moderator))
            db.session.remove()
            db.engine.dispose()
    assert failures == []
    assert total == 90
