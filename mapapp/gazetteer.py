"""Finding institutions by name, for the tip form and the JSON autocomplete."""

from sqlalchemy import case, or_, select

from mapapp.models import Institution, Region
from mapapp.textinput import INT_LIMIT

SEARCH_LIMIT = 20


def search_institutions(session, query, sido_code="", limit=SEARCH_LIMIT):
    """Return active institutions whose Korean or English name contains the query.

    Names that start with the query come first, then the rest by name.
    """
    query = (query or "").strip()[:60]
    if not query:
        return []
    stmt = select(Institution).where(
        Institution.active.is_(True),
        or_(Institution.name_ko.icontains(query, autoescape=True),
            Institution.name_en.icontains(query, autoescape=True)),
    )
    if sido_code:
        stmt = stmt.where(Institution.sido_code == sido_code)
    starts = case((Institution.name_ko.istartswith(query, autoescape=True), 0), else_=1)
    return session.scalars(stmt.order_by(starts, Institution.name_ko).limit(limit)).all()


def get_institution(session, institution_id):
    """Return the active institution with this id, or None."""
    if not institution_id or not 0 < institution_id <= INT_LIMIT:
        return None
    found = session.get(Institution, institution_id)
    return found if found is not None and found.active else None


def region_names_for(session, institutions):
    """Return {region code: Korean name} for the regions of the given institutions."""
    codes = {c for i in institutions for c in (i.sido_code, i.sigungu_code) if c}
    if not codes:
        return {}
    return dict(session.execute(select(Region.code, Region.name_ko)
                                .where(Region.code.in_(codes))).all())
