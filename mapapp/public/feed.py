"""The Atom feed of newly published incidents, with the same filters as the list."""

from datetime import UTC, datetime

from flask import render_template, request
from flask_babel import get_locale

from mapapp import readmodel
from mapapp.extensions import db
from mapapp.public import bp
from mapapp.queries import IncidentFilter, public_record
from mapapp.textinput import xml_text

FEED_SIZE = 50


@bp.get("/feed.atom")
def feed():
    """Latest published incidents as Atom (a .xml template, so Jinja escapes it), built once
    per data version, filter and language."""
    chosen = IncidentFilter.from_args({**request.args, "sort": "recent"})

    def chunks():
        rows = db.session.execute(chosen.statement(db.session).limit(FEED_SIZE)).all()
        records = [{key: xml_text(value) for key, value in public_record(*row).items()}
                   for row in rows]
        updated = max((r["published_at"] for r in records if r["published_at"]),
                      default=datetime(2024, 1, 1, tzinfo=UTC).isoformat())
        yield render_template("public/feed.xml", records=records, updated=updated,
                              chosen=chosen).encode()

    answer = readmodel.cached(db.session, "feed", (chosen.key(), str(get_locale())), chunks,
                              "application/atom+xml")
    return readmodel.respond(answer, "public, max-age=300, stale-if-error=86400")


@bp.get("/method")
def method():
    """How verification works, what each level means, how to ask for a correction."""
    from mapapp.policy import policy

    return render_template("public/method.html", policy=policy())
