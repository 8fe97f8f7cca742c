"""The few calls that differ between SpatiaLite and PostGIS, in one place."""

import os
import sqlite3
import threading
from contextlib import contextmanager, nullcontext

import orjson
from sqlalchemy import event, func, literal_column, select, text

SRID = 4326
# Bounds of South Korea with a margin (Dokdo, Marado, the northern border).
KOREA_BOUNDS = (124.0, 32.8, 132.0, 38.9)


# Each SQLite connection keeps its own page cache (2 MiB by default), and a worker with 8
# threads holds up to 8 connections: 16 MiB of copies of pages the operating system caches
# anyway (docs/benchmarks.md: the worker's memory after a flood of requests, 165 → 150 MB).
SQLITE_PAGE_CACHE_KIB = 512


class SpatialiteMissing(RuntimeError):
    """SQLite cannot load the SpatiaLite extension on this machine."""


def sqlite_dbapi():
    """Return a DB-API module able to load extensions: the stdlib's if it can, else pysqlite3."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        import pysqlite3.dbapi2 as module
    except ImportError as exc:
        raise SpatialiteMissing(
            "This Python's sqlite3 cannot load extensions: pip install pysqlite3-binary "
            "(or use a Python built with --enable-loadable-sqlite-extensions)."
        ) from exc
    return module


def engine_options(uri):
    """Return create_engine options for the database URI.

    JSON columns are read with orjson (several times faster than the standard library; the
    exports read one per incident); they are still written with the standard library.
    """
    if uri.startswith("sqlite"):
        return {"module": sqlite_dbapi(), "connect_args": {"timeout": 30},
                "json_deserializer": orjson.loads}
    return {"pool_pre_ping": True, "json_deserializer": orjson.loads}


def configure_engine(engine):
    """Attach the per-connection set-up that SpatiaLite needs (PostGIS needs none)."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _prepare_sqlite_connection)
    # pysqlite's own implicit transactions break SAVEPOINT; emit BEGIN ourselves instead.
    event.listen(engine, "begin", _begin_sqlite)


def _begin_sqlite(conn):
    """BEGIN, or BEGIN IMMEDIATE for a transaction started by begin_write()."""
    mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(session):
    """Run the block in a transaction meant to write, and commit it (roll back on error).

    On SQLite in WAL mode a transaction that has read cannot take the write lock if another
    writer committed meanwhile (SQLITE_BUSY_SNAPSHOT, which skips the busy timeout), so
    concurrent tips would fail. So the reading transaction is ended first and the new one
    starts with BEGIN IMMEDIATE; threads of one process queue on a lock (woken at once)
    rather than in SQLite's busy handler (which sleeps in steps). PostgreSQL needs neither.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.commit()
    with _SQLITE_WRITER if sqlite else nullcontext():
        if sqlite:
            session.connection(execution_options={"sqlite_write": True})
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        session.commit()


_SQLITE_WRITER = threading.Lock()


def _prepare_sqlite_connection(dbapi_conn, _record):
    """Load mod_spatialite, set pragmas and create the spatial metadata tables if missing."""
    dbapi_conn.isolation_level = None
    library = os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    try:
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(library)
        dbapi_conn.enable_load_extension(False)
    except Exception as exc:  # the driver raises OperationalError or AttributeError
        raise SpatialiteMissing(
            f"Cannot load SpatiaLite ({library}): {exc}. Install it with "
            "'apt-get install libsqlite3-mod-spatialite' or set SPATIALITE_LIBRARY_PATH."
        ) from exc
    cursor = dbapi_conn.cursor()
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_PAGE_CACHE_KIB}")
    if cursor.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
        cursor.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
    cursor.close()


def point(lon, lat):
    """Return a SQL point expression in WGS84 that both backends understand."""
    return func.ST_GeomFromText(f"POINT({float(lon)!r} {float(lat)!r})", SRID)


def envelope(west, south, east, north):
    """Return a SQL rectangle expression in WGS84."""
    return func.BuildMbr(west, south, east, north, SRID)


def in_bbox(session, column, bbox):
    """Return a WHERE clause keeping rows whose geometry meets the box, using the spatial index."""
    west, south, east, north = (float(v) for v in bbox)
    if session.get_bind().dialect.name == "postgresql":
        box = func.ST_MakeEnvelope(west, south, east, north, SRID)
        return column.op("&&")(box)
    # SpatiaLite keeps its index in an R*Tree table; ask it for candidates, then test exactly.
    ids = _rtree_candidates(column, (west, south, east, north))
    exact = func.MbrIntersects(column, envelope(west, south, east, north)) == 1
    return _rowid(column).in_(ids) & exact


def month_of(session, column):
    """Return a SQL expression of a date column as 'YYYY-MM' text (queries.month_text reads
    it as it is). PostgreSQL formats it in C; psycopg would otherwise make 200,000 date objects
    per export for Python to format again. SQLite already stores dates as text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def contains_point(session, column, lon, lat):
    """Return a WHERE clause keeping rows whose polygon contains the point (index-assisted)."""
    where = func.ST_Contains(column, point(lon, lat))
    if session.get_bind().dialect.name == "postgresql":
        return where  # PostGIS adds the && index test to ST_Contains by itself
    ids = _rtree_candidates(column, (lon, lat, lon, lat))
    return _rowid(column).in_(ids) & (where == 1)


def _rowid(column):
    """Return the SpatiaLite row id of the column's table."""
    return literal_column(f'"{column.table.name}".rowid')


def _rtree_candidates(column, bbox):
    """Select the row ids that SpatiaLite's R*Tree index gives for a box."""
    west, south, east, north = bbox
    index = f'"idx_{column.table.name}_{column.name}"'
    return select(literal_column("pkid")).select_from(text(index)).where(
        literal_column("xmin") <= east,
        literal_column("xmax") >= west,
        literal_column("ymin") <= north,
        literal_column("ymax") >= south,
    )


def valid_korea_point(lon, lat):
    """Tell whether a coordinate pair is finite and inside Korea's bounds."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        return False
    west, south, east, north = KOREA_BOUNDS
    return west <= lon <= east and south <= lat <= north
