"""Totals for the stats page, from the same filter as the map, list and exports."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func

from geodata.regions import region_names
from mapapp.models import INSTITUTION_KINDS, Incident, Institution

MAX_MONTHS = 120  # a timeline longer than ten years is cut to its latest ten


@dataclass
class Stats:
    """Counts of published incidents matching a filter."""

    total: int
    by_kind: list  # [(kind, count)] in INSTITUTION_KINDS order, zeros kept (named only)
    unnamed: int  # counted incidents: their institution's kind is not public either
    by_sido: list  # [(sido code, count)] largest first, zeros left out
    by_month: list  # [("YYYY-MM", count)] every month from the first to the last, zeros kept


def compute(session, chosen):
    """Count the incidents that match `chosen` by kind, 시/도 and first reported month."""
    every = chosen.statement(session, "all").order_by(None)
    named = chosen.statement(session, "named").order_by(None)

    def grouped(column, stmt=every):
        return dict(session.execute(stmt.with_only_columns(column, func.count())
                                    .group_by(column)).all())

    kinds = grouped(Institution.kind, named)
    sido = grouped(Institution.sido_code)
    months = {_as_date(m): n for m, n in grouped(Incident.first_reported_month).items()}
    total = sum(sido.values())
    return Stats(
        total=total, unnamed=total - sum(kinds.values()),
        by_kind=[(k, kinds.get(k, 0)) for k in INSTITUTION_KINDS],
        by_sido=sorted(((c, n) for c, n in sido.items() if c in region_names()[0]),
                       key=lambda item: (-item[1], item[0])),
        by_month=_fill_months(months),
    )


def _as_date(value):
    """Return a date (SQLite may hand back text for a grouped DATE column)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _fill_months(counts):
    """Return every month between the first and last key with its count (zero where none)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    index = lambda d: d.year * 12 + d.month - 1  # noqa: E731
    start = max(index(first), index(last) - MAX_MONTHS + 1)
    out = []
    for i in range(start, index(last) + 1):
        day = date(i // 12, i % 12 + 1, 1)
        out.append((day.strftime("%Y-%m"), counts.get(day, 0)))
    return out
