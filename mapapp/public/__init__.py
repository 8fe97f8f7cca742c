"""Public pages: what anyone can read."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from mapapp.extensions import db
from mapapp.models import Incident, Institution

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    """Show that the site is up, with what it holds so far and where to get help."""
    published = db.session.scalar(
        select(func.count()).select_from(Incident).where(Incident.status == "published")
    )
    institutions = db.session.scalar(select(func.count()).select_from(Institution))
    return render_template("public/home.html", published=published, institutions=institutions)


from mapapp.public import corrections, feed, incidents  # noqa: E402,F401  (routes attach to bp)
