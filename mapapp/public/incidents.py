"""The list of published incidents (works without JavaScript) and each incident's page."""

from dataclasses import dataclass

from flask import abort, render_template, request
from sqlalchemy import func, select

from mapapp.extensions import db
from mapapp.models import Incident, Institution
from mapapp.public import bp, filter_context, through_page_cache
from mapapp.queries import IncidentFilter, public_record

PER_PAGE = 50


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


@bp.get("/list")
def incident_list():
    """Published incidents, filtered and sorted by URL parameters, paginated."""
    chosen = IncidentFilter.from_args(request.args)
    number = max(request.args.get("page", 1, type=int), 1)

    def render():
        stmt = chosen.statement(db.session)
        total = db.session.scalar(select(func.count())
                                  .select_from(stmt.order_by(None).subquery()))
        rows = db.session.execute(stmt.limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
        page = Page(total, number, number > 1, number * PER_PAGE < total)
        records = [public_record(incident, inst) for incident, inst in rows]
        return render_template("public/list.html", page=page, records=records,
                               **filter_context(chosen))

    return through_page_cache(render)


@bp.get("/incidents/<int:incident_id>")
def incident_page(incident_id):
    """The permalink: what is known, how sure, the corrections log, how to ask for one."""
    row = db.session.execute(select(Incident, Institution)
                             .join(Institution, Institution.id == Incident.institution_id)
                             .where(Incident.id == incident_id)).first()
    if row is None or row[0].status == "draft":
        abort(404)
    incident, institution = row
    record = public_record(incident, institution) if incident.status == "published" else None
    return render_template("public/incident.html", incident=incident, record=record,
                           institution=institution)
