"""The review queue: pending tips grouped by institution, with burst flags, oldest first."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, and_, case, cast, distinct, func, or_, select

from mapapp.models import Incident, Institution, Report, utcnow

PER_PAGE = 25


@dataclass
class Bursts:
    """Areas and institutions whose pending tips arrived in a suspicious pattern."""

    sigungu: set = field(default_factory=set)
    sido: set = field(default_factory=set)
    rapid_institutions: set = field(default_factory=set)
    rapid_sigungu: set = field(default_factory=set)

    def flags_for(self, institution):
        """Return the burst flags that concern this institution."""
        flags = []
        if institution.sigungu_code in self.sigungu | self.rapid_sigungu:
            flags.append("burst_sigungu")
        if institution.sido_code in self.sido:
            flags.append("burst_sido")
        if institution.id in self.rapid_institutions:
            flags.append("burst_rapid")
        return flags

    def any(self):
        return bool(self.sigungu or self.sido or self.rapid_institutions or self.rapid_sigungu)


def find_bursts(session):
    """Detect the burst patterns among pending tips."""
    config, now = current_app.config, utcnow()
    pending = Report.status == "pending"
    window = Report.created_at >= now - timedelta(hours=config["BURST_WINDOW_HOURS"])
    rapid = Report.created_at >= now - timedelta(minutes=config["BURST_RAPID_MINUTES"])

    def areas(column, threshold, recent, counted):
        rows = session.execute(select(column).where(pending, recent, column.is_not(None))
                               .group_by(column).having(counted >= threshold))
        return {r[0] for r in rows}

    institutions = func.count(distinct(Report.institution_id))
    return Bursts(
        sigungu=areas(Report.sigungu_code, config["BURST_SIGUNGU_INSTITUTIONS"], window,
                      institutions),
        sido=areas(Report.sido_code, config["BURST_SIDO_INSTITUTIONS"], window, institutions),
        rapid_institutions=areas(Report.institution_id, config["BURST_RAPID_TIPS"], rapid,
                                 func.count()),
        rapid_sigungu=areas(Report.sigungu_code, config["BURST_RAPID_TIPS"], rapid,
                            func.count()),
    )


@dataclass
class Group:
    """One institution's pending tips, as the queue shows them."""

    institution: Institution
    tips: int
    oldest: object
    with_source: bool
    personal_data: bool
    incident: Incident | None
    flags: list


def queue_page(session, page=1, sido="", kind="", flag="", per_page=PER_PAGE):
    """Return (groups, total groups, bursts) for one page of the queue."""
    bursts = find_bursts(session)
    flagged_areas = bursts.sigungu | bursts.rapid_sigungu
    is_flagged = case((or_(Institution.sigungu_code.in_(flagged_areas or {""}),
                           Institution.sido_code.in_(bursts.sido or {""}),
                           Institution.id.in_(bursts.rapid_institutions or {0})), 0), else_=1)
    # JSON has no equality operator in PostgreSQL; compare its text form on both backends.
    has_personal_data = cast(Report.personal_data_flags, String).not_in(("[]", ""))
    stmt = (select(Institution, func.count(Report.id), func.min(Report.created_at),
                   func.max(case((Report.source_url.is_not(None), 1), else_=0)),
                   func.max(case((has_personal_data, 1), else_=0)), is_flagged)
            .join(Report, Report.institution_id == Institution.id)
            .where(Report.status == "pending")
            .group_by(Institution.id))
    if sido:
        stmt = stmt.where(Institution.sido_code == sido)
    if kind:
        stmt = stmt.where(Institution.kind == kind)
    if flag == "burst":
        stmt = stmt.having(is_flagged == 0)
    elif flag == "source":
        stmt = stmt.having(func.max(case((Report.source_url.is_not(None), 1), else_=0)) == 1)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.execute(stmt.order_by(is_flagged, func.min(Report.created_at), Institution.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    incidents = _open_incidents(session, [row[0].id for row in rows])
    groups = [Group(inst, tips, oldest, bool(src), bool(pii), incidents.get(inst.id),
                    bursts.flags_for(inst)) for inst, tips, oldest, src, pii, _ in rows]
    return groups, total, bursts


def _open_incidents(session, institution_ids):
    """Return {institution id: its draft, published or hidden incident}."""
    if not institution_ids:
        return {}
    rows = session.scalars(select(Incident).where(
        Incident.institution_id.in_(institution_ids),
        Incident.status.in_(("draft", "published", "hidden"))).order_by(Incident.id))
    return {i.institution_id: i for i in rows}


def unlisted_tips(session, limit=50):
    """Pending tips that name no gazetteer institution: a moderator must place them first."""
    return session.scalars(select(Report).where(and_(Report.status == "pending",
                                                     Report.institution_id.is_(None)))
                           .order_by(Report.created_at).limit(limit)).all()


def awaiting_approval(session, moderator_id):
    """Draft incidents that this moderator has not yet approved."""
    from mapapp.models import IncidentApproval

    mine = select(IncidentApproval.incident_id).where(IncidentApproval.moderator_id == moderator_id)
    return session.scalars(select(Incident).where(Incident.status == "draft",
                                                  Incident.id.not_in(mine))
                           .order_by(Incident.created_at).limit(50)).all()
