"""The review queue: pending tips grouped by institution, with burst flags, oldest first."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    distinct,
    false,
    func,
    or_,
    select,
)

from mapapp.models import Incident, Institution, QueueGroup, Report, utcnow
from mapapp.textsearch import institutions_named_select, tip_text_clause

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


@dataclass
class Search:
    """What a moderator searches the queue for. Institution filters: its name (the site's
    name search), 시/도, kind, flags. Tip filters: arrival dates, category, words in the text."""

    sido: str = ""
    kind: str = ""
    flag: str = ""
    name: str = ""
    text: str = ""
    category: str = ""
    since: date | None = None
    until: date | None = None

    def tip_clauses(self, session):
        """Conditions on the tips themselves (which tips of a group count)."""
        clauses = []
        if self.category:
            clauses.append(Report.category == self.category)
        if self.since:
            clauses.append(Report.created_at >= _midnight(self.since))
        if self.until:
            clauses.append(Report.created_at < _midnight(self.until + timedelta(days=1)))
        if self.text:
            clauses.append(tip_text_clause(session, self.text))
        return clauses


def _midnight(day):
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def queue_page(session, page=1, sido="", kind="", flag="", per_page=PER_PAGE, search=None):
    """Return (groups, total groups, bursts) for one page of the queue.

    Without conditions on the tips, the groups are the database's own count of each
    institution's pending tips (queue_groups, kept by triggers): one row per institution.
    With them (words, category, dates), the matching tips are grouped per institution first
    (reports only), then joined to institutions for the filters and the page.
    """
    search = search or Search(sido=sido, kind=kind, flag=flag)
    sido, kind, flag = search.sido, search.kind, search.flag
    bursts = find_bursts(session)
    tip_clauses = search.tip_clauses(session)
    pending = and_(Report.status == "pending", Report.institution_id.is_not(None),
                   *tip_clauses)
    is_flagged = case((or_(Institution.sigungu_code.in_(bursts.sigungu | bursts.rapid_sigungu
                                                        or {""}),
                           Institution.sido_code.in_(bursts.sido or {""}),
                           Institution.id.in_(bursts.rapid_institutions or {0})), 0), else_=1)
    filters = []  # on the institution's own columns
    if sido:
        filters.append(Institution.sido_code == sido)
    if kind:
        filters.append(Institution.kind == kind)
    if flag == "burst":
        filters.append(is_flagged == 0)
    named = _named(session, search.name, filters) if search.name else None
    groups = _groups(pending, named) if tip_clauses else QueueGroup.__table__
    if named:
        filters.append(named(Institution.id))
    # Ids only: SQLite computes the select list for every joined row before sorting, and an
    # Institution row would cost a geometry conversion each. The 25 are loaded afterwards.
    if flag == "source":
        filters.append(Institution.id.in_(select(Report.institution_id).where(
            pending, Report.source_url.is_not(None))))
    # The page's rows carry the number of groups (a window over the same aggregation), so a
    # search over the tips' text reads them once, not twice.
    stmt = (select(Institution.id, groups.c.tips, groups.c.oldest,
                   func.count().over().label("groups"))
            .join(groups, groups.c.institution_id == Institution.id).where(*filters))
    rows = session.execute(stmt.order_by(is_flagged, groups.c.oldest, Institution.id)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    total = rows[0][3] if rows else session.scalar(  # a page past the end
        select(func.count()).select_from(stmt.subquery()))
    ids = [row[0] for row in rows]
    institutions = {i.id: i for i in session.scalars(select(Institution)
                                                     .where(Institution.id.in_(ids)))}
    incidents, flagged = _open_incidents(session, ids), _with_personal_data(session, ids)
    # The page's ids already carry the name filter: these 25 groups' tips are read by id.
    sourced = set(session.scalars(select(Report.institution_id).distinct().where(
        pending, Report.institution_id.in_(ids), Report.source_url.is_not(None))))
    result = [Group(institutions[iid], tips, oldest, iid in sourced, iid in flagged,
                    incidents.get(iid), bursts.flags_for(institutions[iid]))
              for iid, tips, oldest, _groups in rows]
    return result, total, bursts


def _groups(pending, named):
    """The pending tips that match a search, grouped per institution. A name narrows the tips
    before they are grouped, and the institution filters narrowed the names first: 초등학교 in
    one 시/도 is hundreds of ids, not thousands."""
    if named:
        pending = and_(pending, named(Report.institution_id))
    # Only columns of the covering indexes (ix_reports_queue...): no table row is read here.
    return (select(Report.institution_id.label("institution_id"),
                   func.count().label("tips"), func.min(Report.created_at).label("oldest"))
            .where(pending).group_by(Report.institution_id).subquery())


NAMED_AT_MOST = 20_000  # more than the gazetteer holds: the ids are always a list


def _named(session, name, filters=()):
    """A function giving, for an id column, the clause "one of the institutions the name
    search finds" (among those the institution `filters` keep). PostgreSQL misjudges how many
    a trigram LIKE returns ("초등학교": 7,653 where it guesses 26) and then joins them by a
    nested loop over every pending tip (0.6 s at 100k): there the ids go as one array, which
    it hashes. SQLite does well with the subquery itself (and badly with thousands of
    parameters)."""
    named = institutions_named_select(session, name)
    if named is None:
        return lambda column: false()
    named = named.where(*filters)
    if session.get_bind().dialect.name != "postgresql":
        return lambda column: column.in_(named)
    ids = session.scalars(named.limit(NAMED_AT_MOST + 1)).all()
    if len(ids) > NAMED_AT_MOST:
        return lambda column: column.in_(named)
    array = bindparam("named_ids", ids, type_=ARRAY(Integer))
    return lambda column: column == any_(array)


def _with_personal_data(session, institution_ids):
    """Return the ids among these institutions with a pending tip flagged for personal data.

    Asked for one page only: casting the JSON of every pending tip costs too much.
    """
    if not institution_ids:
        return set()
    # JSON has no equality operator in PostgreSQL; compare its text form on both backends.
    flagged = cast(Report.personal_data_flags, String).not_in(("[]", ""))
    return set(session.scalars(select(Report.institution_id).distinct().where(
        Report.status == "pending", Report.institution_id.in_(institution_ids), flagged)))


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


