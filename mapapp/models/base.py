"""Shared column types and helpers for the models."""

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


def utcnow():
    """Return the current time, UTC-aware (a callable default, evaluated per row)."""
    return datetime.now(UTC)


def month_start(value):
    """Return the first day of the value's month (month precision is all we keep)."""
    return date(value.year, value.month, 1)


class UTCDateTime(TypeDecorator):
    """Store naive UTC, give back aware UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert an aware datetime to naive UTC; refuse a naive one."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Attach UTC to the stored naive value."""
        return None if value is None else value.replace(tzinfo=UTC)


def choice(*values):
    """A short string column limited to the given values (checked in Python, not by the DB)."""
    return Enum(*values, native_enum=False, create_constraint=False, validate_strings=True,
                length=max(len(v) for v in values))
