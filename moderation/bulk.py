"""Work on many queue groups at once: reject them with a reason, or move their tips to
another institution (which merges one group into another's). Each asks for a confirmation
that names the groups and counts their tips; a group another moderator has claimed is left
alone and said so; every tip moved is audited."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from mapapp import audit
from mapapp.extensions import db
from mapapp.gazetteer import get_institution, search_institutions
from mapapp.models import Institution, Moderator, Report
from mapapp.spatial import write_transaction
from moderation import bp, decisions
from moderation.forms import ActionForm


def chosen_groups(ids):
    """[(institution, pending tips)] for the checked groups that still have pending tips."""
    return db.session.execute(
        select(Institution, func.count(Report.id)).join(
            Report, Report.institution_id == Institution.id)
        .where(Institution.id.in_(ids), Report.status == "pending")
        .group_by(Institution.id).order_by(Institution.name_ko)).all()


def _checked():
    if not ActionForm().validate_on_submit():
        abort(400)
    return [v for v in request.form.getlist("institution_id", type=int) if v > 0]


def _each_group(ids, act):
    """Run `act(me, institution_id, tips)` per group in one transaction; a group another
    moderator holds is skipped. Return (tips done, names skipped)."""
    done, skipped = 0, []
    with write_transaction(db.session):
        me = db.session.get(Moderator, current_user.id)
        for institution, _count in chosen_groups(ids):
            tips = db.session.scalars(select(Report).where(
                Report.institution_id == institution.id, Report.status == "pending")).all()
            try:
                decisions.lock_tips(db.session, me, tips)
            except decisions.DecisionError:
                skipped.append(institution.name_ko)
                continue
            act(me, institution, tips)
            done += len(tips)
    if skipped:
        flash(_("Left alone, claimed by another moderator: %(names)s",
                names=", ".join(skipped)), "error")
    return done


@bp.post("/queue/reject")
def bulk_reject():
    """Reject every pending tip of the checked groups, with one reason from the list."""
    ids, reason = _checked(), request.form.get("reason", "")
    chosen = chosen_groups(ids)
    if not chosen:
        flash(_("Check at least one group with pending tips first."))
        return redirect(url_for("moderation.queue"))
    if reason not in decisions.REJECT_REASONS:
        flash(_("Choose a reason for rejecting from the list."), "error")
        return redirect(url_for("moderation.queue"))
    if request.form.get("confirmed") != "yes":
        return render_template("moderation/bulk_confirm.html", what="reject", chosen=chosen,
                               reason=reason, tips=sum(n for _, n in chosen),
                               action_form=ActionForm())
    _each_group(ids, lambda me, _inst, tips: decisions.reject(db.session, me, tips, reason))
    return redirect(url_for("moderation.queue"))


@bp.post("/queue/move")
def bulk_move():
    """Move every pending tip of the checked groups to one institution, found by name on the
    confirmation page (this merges the groups into its group)."""
    ids = _checked()
    chosen = chosen_groups(ids)
    if not chosen:
        flash(_("Check at least one group with pending tips first."))
        return redirect(url_for("moderation.queue"))
    target = get_institution(db.session, request.form.get("target_id", type=int))
    if target is not None and target.id in ids:
        target = None  # onto itself: choose again
    if request.form.get("confirmed") != "yes" or target is None:
        query = " ".join(request.form.get("target_q", "").split())[:100]
        matches = search_institutions(db.session, query) if query else []
        return render_template("moderation/bulk_confirm.html", what="move", chosen=chosen,
                               tips=sum(n for _, n in chosen), target=target, query=query,
                               matches=[m for m in matches if m.id not in ids],
                               action_form=ActionForm())

    def move(me, institution, tips):
        for tip in tips:
            decisions.file_under(tip, target)
            tip.locked_by_id = tip.locked_until = None
        audit.record(db.session, me, "tips.move", target, source=institution.id,
                     tips=[t.id for t in tips])

    moved = _each_group(ids, move)
    flash(_("%(count)d tips moved to %(name)s.", count=moved, name=target.name_ko))
    return redirect(url_for("moderation.review", institution_id=target.id))
