"""Counts of regions and institutions, for `flask geodata stats`."""

from sqlalchemy import func, select

from mapapp.models import SIDO, SIGUNGU, Institution, Region


def gazetteer_stats(session):
    """Return counts by region level, by kind, and by 시/도 and kind, plus the unplaced ones."""
    levels = dict(session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    active = Institution.active.is_(True)
    kinds = dict(session.execute(
        select(Institution.kind, func.count()).where(active).group_by(Institution.kind)
    ).all())
    names = dict(session.execute(
        select(Region.code, Region.name_ko).where(Region.level == SIDO)
    ).all())
    by_sido = {}
    rows = session.execute(
        select(Institution.sido_code, Institution.kind, func.count())
        .where(active).group_by(Institution.sido_code, Institution.kind)
    )
    for code, kind, count in rows:
        entry = by_sido.setdefault(code or "-", {"name": names.get(code, "(outside)")})
        entry[kind] = count
    total = sum(kinds.values())
    outside = session.scalar(
        select(func.count()).select_from(Institution)
        .where(active, Institution.sigungu_code.is_(None))
    )
    approximate = session.scalar(
        select(func.count()).select_from(Institution)
        .where(active, Institution.location_approximate.is_(True))
    )
    return {
        "sido": levels.get(SIDO, 0),
        "sigungu": levels.get(SIGUNGU, 0),
        "institutions": total,
        "by_kind": dict(sorted(kinds.items())),
        "by_sido": dict(sorted(by_sido.items())),
        "outside_any_region": outside,
        "outside_share": round(outside / total, 5) if total else 0.0,
        "approximate_location": approximate,
    }


def format_stats(stats):
    """Return the stats as a plain-text table."""
    kinds = list(stats["by_kind"])
    lines = [
        f"시/도: {stats['sido']}   시/군/구: {stats['sigungu']}   "
        f"institutions: {stats['institutions']}",
        "by kind: " + ", ".join(f"{k} {v}" for k, v in stats["by_kind"].items()),
        f"outside any region: {stats['outside_any_region']} ({stats['outside_share']:.2%})   "
        f"approximate location: {stats['approximate_location']}",
        "",
        f"{'code':<5} {'시/도':<10} " + " ".join(f"{k:>10}" for k in kinds),
    ]
    for code, entry in stats["by_sido"].items():
        counts = " ".join(f"{entry.get(k, 0):>10}" for k in kinds)
        lines.append(f"{code:<5} {entry['name']:<10} {counts}")
    return "\n".join(lines)
