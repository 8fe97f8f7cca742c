"""Claims and notes on review cases (an institution's pending tips).

Viewing a case takes nothing. A moderator claims it with a POST; the others then see who holds
it and since when, and cannot decide on it. A claim ends with the decision, with a release,
or after REVIEW_LOCK_MINUTES. Notes are for moderators only, audited (without their text),
and blanked by `flask purge` with the tips.
"""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from mapapp import audit
from mapapp.extensions import db
from mapapp.gazetteer import get_institution
from mapapp.models import CaseNote, Moderator, Report, utcnow
from mapapp.spatial import write_transaction
from moderation import bp, decisions
from moderation.forms import ActionForm, NoteForm


def claims_on(session, institution_ids, now=None):
    """Return {institution id: (moderator name, claimed since)} for live claims."""
    if not institution_ids:
        return {}
    now = now or utcnow()
    minutes = timedelta(minutes=current_app.config["REVIEW_LOCK_MINUTES"])
    rows = session.execute(
        select(Report.institution_id, Moderator.username, Report.locked_until)
        .join(Moderator, Moderator.id == Report.locked_by_id)
        .where(Report.institution_id.in_(institution_ids), Report.status == "pending",
               Report.locked_until > now))
    return {iid: (name, until - minutes) for iid, name, until in rows}


def notes_on(session, institution_id):
    """The case's notes, oldest first."""
    return session.scalars(select(CaseNote).where(CaseNote.institution_id == institution_id)
                           .order_by(CaseNote.id)).all()


def _pending(institution_id):
    return db.session.scalars(select(Report).where(Report.institution_id == institution_id,
                                                   Report.status == "pending")).all()


def _back(institution_id):
    return redirect(url_for("moderation.review", institution_id=institution_id))


@bp.post("/institutions/<int:institution_id>/claim")
def claim(institution_id):
    """Take the case (or renew one's own claim), unless another moderator holds it."""
    if not ActionForm().validate_on_submit():
        abort(400)
    get_institution(db.session, institution_id) or abort(404)
    try:
        with write_transaction(db.session):
            me = db.session.get(Moderator, current_user.id)
            tips = _pending(institution_id)
            if not tips:
                raise decisions.DecisionError(_l("there are no pending tips here any more"))
            decisions.lock_tips(db.session, me, tips)
            audit.record(db.session, me, "case.claim", get_institution(db.session,
                                                                        institution_id),
                         tips=len(tips))
    except decisions.DecisionError as exc:
        flash(str(exc), "error")
    return _back(institution_id)


@bp.post("/institutions/<int:institution_id>/release")
def release(institution_id):
    """Give one's claim up before deciding."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with write_transaction(db.session):
        me = db.session.get(Moderator, current_user.id)
        mine = [tip for tip in _pending(institution_id) if tip.locked_by_id == me.id]
        for tip in mine:
            tip.locked_by_id, tip.locked_until = None, None
        if mine:
            audit.record(db.session, me, "case.release",
                         get_institution(db.session, institution_id))
    return _back(institution_id)


@bp.post("/institutions/<int:institution_id>/notes")
def add_note(institution_id):
    """Leave a note on the case for the other moderators."""
    form = NoteForm()
    get_institution(db.session, institution_id) or abort(404)
    if not form.validate_on_submit():
        flash(_l("A note needs some text (at most 2,000 characters)."), "error")
        return _back(institution_id)
    with write_transaction(db.session):
        me = db.session.get(Moderator, current_user.id)
        note = CaseNote(institution_id=institution_id, author_id=me.id,
                        body=form.body.data.strip())
        db.session.add(note)
        db.session.flush()
        audit.record(db.session, me, "case.note", get_institution(db.session, institution_id),
                     note=note.id)
    return redirect(url_for("moderation.review", institution_id=institution_id) + "#notes")

