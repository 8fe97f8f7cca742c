"""Backups of the whole database, and restores into a fresh one.

SpatiaLite: SQLite's online backup API (a consistent copy while the site keeps serving).
PostGIS: pg_dump's custom format, restored with pg_restore. Both carry the schema version
(alembic), the gazetteer, incidents, tips and the audit chain. A backup holds tip text that is
not yet purged: keep it encrypted and as briefly as the purge period (docs/deploy.md).
"""

import subprocess
from pathlib import Path

from sqlalchemy import inspect

from mapapp.spatial import sqlite_dbapi


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


def _libpq_url(url):
    """Return the database URL as libpq (pg_dump, pg_restore) reads it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command):
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[-500:]}") from exc


def backup(engine, path):
    """Write a backup of the database behind `engine` to `path`."""
    path = Path(path)
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            target = sqlite_dbapi().connect(str(path))
            try:
                raw.driver_connection.backup(target)
            finally:
                target.close()
        finally:
            raw.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={path}", f"--dbname={_libpq_url(engine.url)}"])


def restore(engine, path):
    """Restore a backup into the (fresh) database behind `engine`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    if "incidents" in inspect(engine).get_table_names():
        raise BackupError("the database is not empty: restore into a fresh database")
    if engine.dialect.name == "sqlite":
        source = sqlite_dbapi().connect(str(path))
        raw = engine.raw_connection()
        try:
            source.backup(raw.driver_connection)
        finally:
            raw.close()
            source.close()
    else:
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={_libpq_url(engine.url)}", str(path)])
    engine.dispose()  # connections opened before the restore saw the old schema
