"""The review queue and the decisions on it."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from geodata.regions import region_names
from mapapp import publishing
from mapapp.extensions import db
from mapapp.gazetteer import get_institution, search_institutions
from mapapp.models import (
    INSTITUTION_KINDS,
    REPORT_CATEGORIES,
    Incident,
    Institution,
    Moderator,
    Report,
)
from mapapp.spatial import write_transaction
from moderation import bp, bulk, claims, decisions, revisions
from moderation import queue as queue_module
from moderation.forms import ActionForm, DecisionForm, NoteForm, ReplyForm
from moderation.queue import Search, find_bursts, queue_page, unlisted_tips


def _me():
    return db.session.get(Moderator, current_user.id)


def _pending_tips(institution_id):
    return db.session.scalars(select(Report).where(Report.institution_id == institution_id,
                                                   Report.status == "pending")
                              .order_by(Report.created_at)).all()


def _day(text):
    """A YYYY-MM-DD date from the search form, or None."""
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None


def queue_search(args):
    """The queue's search from the query string; anything not on its lists is dropped."""
    kind, flag, category = (args.get(k, "") for k in ("kind", "flag", "category"))
    return Search(sido=args.get("sido", "")[:2], kind=kind if kind in INSTITUTION_KINDS else "",
                  flag=flag if flag in ("burst", "source") else "",
                  name=" ".join(args.get("q", "").split())[:100],
                  text=" ".join(args.get("text", "").split())[:100],
                  category=category if category in REPORT_CATEGORIES else "",
                  since=_day(args.get("since")), until=_day(args.get("until")))


@bp.get("/queue")
def queue():
    """Pending tips grouped by institution: bursts first, then the oldest. Searchable by the
    institution's name, region, kind, flags, arrival dates, category and words in the tips."""
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    search = queue_search(request.args)
    groups, total, bursts = queue_page(db.session, page, search=search)
    return render_template(
        "moderation/queue.html", groups=groups, total=total, page=page, bursts=bursts,
        claimed=claims.claims_on(db.session, [g.institution.id for g in groups]),
        search=search, per_page=queue_module.PER_PAGE,
        args={k: v for k, v in request.args.items() if k not in ("page", "lang") and v},
        categories=REPORT_CATEGORIES, reject_reasons=decisions.REJECT_REASONS,
        sido=search.sido, kind=search.kind, flag=search.flag, sidos=region_names()[0],
        kinds=INSTITUTION_KINDS,
        unlisted=unlisted_tips(db.session),
        waiting=revisions.waiting_for(db.session, current_user.id), action_form=ActionForm())


@bp.route("/institutions/<int:institution_id>", methods=["GET", "POST"])
def review(institution_id):
    """Show an institution's pending tips (held for this moderator) and take a decision."""
    institution = get_institution(db.session, institution_id) or abort(404)
    incident = _latest_incident(institution_id)
    form = DecisionForm(data=None if request.method == "POST" else _form_values(incident))
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:  # deciding claims the case first: refused while another moderator holds it
            with write_transaction(db.session):
                tips = _pending_tips(institution_id)
                decisions.lock_tips(db.session, _me(), tips)
                _decide(form, _me(), db.session.get(Institution, institution_id), tips)
                return redirect(url_for("moderation.queue"))
        except decisions.DecisionError as exc:
            error = str(exc)
    tips = _pending_tips(institution_id)
    incident = _latest_incident(institution_id)
    status = 409 if error else (400 if form.errors else 200)
    return render_template(
        "moderation/review.html", institution=institution, tips=tips, incident=incident,
        waiting=incident and revisions.pending_revision(db.session, incident.id),
        flags=find_bursts(db.session).flags_for(institution), form=form, error=error,
        claim=claims.claims_on(db.session, [institution_id]).get(institution_id),
        notes=claims.notes_on(db.session, institution_id), note_form=NoteForm(formdata=None),
        reply_form=ReplyForm(), action_form=ActionForm()), status


def _latest_incident(institution_id):
    return db.session.scalar(select(Incident).where(Incident.institution_id == institution_id)
                             .order_by(Incident.id.desc()).limit(1))


def _form_values(incident):
    """Start the decision form from the public version now (never from blank defaults)."""
    if incident is None or incident.status in ("draft", "retracted"):
        return {}
    version = publishing.public_version(incident)
    return {**version, "sources": "\n".join(version["sources"])}


def _decide(form, moderator, institution, tips):
    """Apply the chosen decision to the group's tips."""
    if not tips:
        raise decisions.DecisionError(_l("there are no pending tips here any more"))
    if form.decision.data == "approve":
        if not form.level.data:
            raise decisions.DecisionError(_l("choose a verification level"))
        decisions.approve(db.session, moderator, institution, tips, form.values(),
                          form.basis.data)
    elif form.decision.data == "reject":
        decisions.reject(db.session, moderator, tips, form.reason.data)
    else:
        decisions.mark_spam(db.session, moderator, tips)


@bp.post("/tips/<int:tip_id>/reply")
def reply(tip_id):
    """Leave a short reply for the tipster."""
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    with write_transaction(db.session):
        tip = db.session.get(Report, tip_id) or abort(404)
        decisions.reply(db.session, _me(), tip, form.reply.data)
        institution_id = tip.institution_id
    if institution_id:
        return redirect(url_for("moderation.review", institution_id=institution_id))
    return redirect(url_for("moderation.queue"))


@bp.post("/queue/spam")
def bulk_spam():
    """Mark every pending tip of the checked institutions as spam, after a confirmation page
    that names the groups and counts their tips (spam closes tips for good)."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [v for v in request.form.getlist("institution_id", type=int) if v > 0]
    if request.form.get("confirmed") != "yes":
        chosen = bulk.chosen_groups(ids)
        if not chosen:
            flash(_l("Check at least one group with pending tips first."))
            return redirect(url_for("moderation.queue"))
        return render_template("moderation/spam_confirm.html", chosen=chosen,
                               action_form=form, tips=sum(n for _, n in chosen))
    with write_transaction(db.session):
        tips = db.session.scalars(select(Report).where(Report.institution_id.in_(ids),
                                                       Report.status == "pending")).all()
        if tips:
            decisions.mark_spam(db.session, _me(), tips)
    return redirect(url_for("moderation.queue"))


@bp.route("/tips/<int:tip_id>/place", methods=["GET", "POST"])
def place(tip_id):
    """Put a tip that named an unlisted place on a gazetteer institution, or on a new one."""
    tip = db.session.get(Report, tip_id) or abort(404)
    if tip.status != "pending":
        abort(409, description=_l("Only pending tips can be moved."))
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            with write_transaction(db.session):
                tip = db.session.get(Report, tip_id)
                chosen = get_institution(db.session, request.form.get("institution_id",
                                                                       type=int))
                if chosen is None:
                    lon, lat = _coordinates(request.form)
                    chosen = decisions.add_institution(
                        db.session, _me(), request.form.get("name_ko", ""),
                        request.form.get("kind", "other"), request.form.get("sigungu_code", ""),
                        lon, lat)
                decisions.place_tip(db.session, _me(), tip, chosen)
                target = chosen.id
            return redirect(url_for("moderation.review", institution_id=target))
        except decisions.DecisionError as exc:
            flash(str(exc), "error")
    # First look for the tipster's words in the tip's 시/도; a moderator's own query searches
    # the whole country.
    typed = "q" in request.args
    query = request.args.get("q", "") if typed else (tip.institution_text or "")
    matches = search_institutions(db.session, query, "" if typed else (tip.sido_code or ""))
    return render_template("moderation/place.html", tip=tip, query=query, matches=matches,
                           current=get_institution(db.session, tip.institution_id),
                           kinds=INSTITUTION_KINDS, sigungu=region_names()[1],
                           action_form=form, typed=request.form, picker=picker_map())


def _coordinates(form):
    """Return (lon, lat) from the form, (None, None) when both are blank."""
    raw = (form.get("lon", "").strip(), form.get("lat", "").strip())
    if raw == ("", ""):
        return None, None
    try:
        lon, lat = (float(v) for v in raw)
    except ValueError:
        raise decisions.DecisionError(_l("longitude and latitude must be numbers")) from None
    return lon, lat


def picker_map():
    """Return the folium scaffolding for placing an institution (our outlines, no tiles)."""
    from flask_babel import gettext as _

    from mapapp.mapbuilder import build_map

    return build_map(url_for("static", filename=""), "", "", _("Placed institution"),
                     _("Regions"))
