"""The list of published incidents (works without JavaScript) and each incident's page."""

import json
from dataclasses import dataclass

from flask import abort, render_template, request
from sqlalchemy import select

from mapapp import readmodel
from mapapp.extensions import db
from mapapp.locator import outline
from mapapp.models import Incident, IncidentHistory, Institution
from mapapp.payload import get_total
from mapapp.policy import is_named
from mapapp.public import bp, filter_context, through_page_cache
from mapapp.queries import IncidentFilter, counted_by_region, public_record


def sigungu_label(code):
    """Return "시/도 시/군/구" for a 시/군/구 code, in the page's language."""
    from mapapp import region_label

    return region_label(None, code)

PER_PAGE = 50
MAX_PAGE = 100_000  # beyond any real list; keeps the offset inside every database's integers


@dataclass
class Page:
    """Where a list page stands."""

    total: int
    number: int
    has_prev: bool
    has_next: bool

    @property
    def prev_num(self):
        return self.number - 1

    @property
    def next_num(self):
        return self.number + 1

    @property
    def last(self):
        return max(1, -(-self.total // PER_PAGE))

    def numbers(self, around=2):
        """Return the page numbers to link, None standing for a gap: the first, the last and
        `around` either side of this one (1 … 4 5 [6] 7 8 … 40)."""
        shown = sorted({1, self.last, *range(max(1, self.number - around),
                                             min(self.last, self.number + around) + 1)})
        out = []
        for n in shown:
            if out and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


@bp.get("/list")
def incident_list():
    """Published incidents, filtered and sorted by URL parameters, paginated."""
    chosen = IncidentFilter.from_args(request.args)
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)

    def render():
        stmt = chosen.statement(db.session)
        total = get_total(db.session, chosen, "named_count")  # kept per data version
        # The page's ids first, then their rows: SQLite would otherwise build every joined
        # row (a geometry conversion each) before sorting them all, 0.2 s a page at 100k.
        ids = db.session.scalars(stmt.with_only_columns(Incident.id).limit(PER_PAGE)
                                 .offset((number - 1) * PER_PAGE)).all()
        found = {row[0].id: row for row in db.session.execute(
            select(Incident, Institution).join(Institution,
                                               Institution.id == Incident.institution_id)
            .where(Incident.id.in_(ids))).all()} if ids else {}
        rows = [found[i] for i in ids if i in found]
        page = Page(total, number, number > 1, number * PER_PAGE < total)
        records = [public_record(incident, inst) for incident, inst in rows]
        counted = [(sigungu_label(code), n) for code, n in counted_tally(chosen)]
        return render_template("public/list.html", page=page, records=records, counted=counted,
                               counted_total=sum(n for _, n in counted),
                               **filter_context(chosen))

    return through_page_cache(render, chosen.key(), number)


def counted_tally(chosen):
    """Return counted_by_region() for the filter, kept per data version (the same for every
    page of a list: 800 pages at 100k would each group 60,000 rows). A filter that picks
    institutions has none, and keeps nothing (a flood of made-up names would fill the cache)."""
    if chosen.names_institutions():
        return []
    answer = readmodel.cached(db.session, "counted", chosen.key(), lambda: [json.dumps(
        [list(row) for row in counted_by_region(db.session, chosen)]).encode()], "application/json")
    return json.loads(answer.text())


@bp.get("/incidents/<int:incident_id>")
def incident_page(incident_id):
    """The permalink: what is known, how sure, the corrections log, how to ask for one."""
    def render():
        row = db.session.execute(select(Incident, Institution)
                                 .join(Institution, Institution.id == Incident.institution_id)
                                 .where(Incident.id == incident_id)).first()
        if row is None or row[0].status == "draft" or (
                row[0].status == "published" and not is_named(row[0].verification_level)):
            abort(404)  # a counted incident has no page: its institution is not public
        incident, institution = row
        # Hidden and retracted entries show their state and history, never whom they named.
        record = public_record(incident, institution) if incident.status == "published" \
            else None
        history = db.session.scalars(select(IncidentHistory).where(
            IncidentHistory.incident_id == incident.id).order_by(IncidentHistory.id)).all()
        return render_template("public/incident.html", incident=incident, record=record,
                               history=history,
                               address=institution.address if record else None,
                               outline=outline(record["sido_code"]) if record else None)

    return through_page_cache(render, incident_id)
