"""Proposed revisions: every public change but hiding needs REQUIRED_APPROVALS moderators.

The author's proposal is the first approval; each further approval is by a different
moderator who saw the change side by side. Until then the live version stays as it was.
Call these inside spatial.write_transaction().
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mapapp import audit, publishing
from mapapp.models import Report, Revision, RevisionApproval, utcnow


class RevisionError(Exception):
    """A revision step the rules do not allow (shown to the moderator in their language)."""


def pending_revision(session, incident_id):
    """Return the incident's revision waiting for approval, or None."""
    return session.scalar(select(Revision).where(Revision.incident_id == incident_id,
                                                 Revision.status == "pending"))


def propose(session, moderator, incident, action, proposed, basis, tip_ids=(),
            correction_id=None):
    """Record a proposed public version of the incident, approved by its author.

    One proposal waits per incident: the author may replace their own; another moderator's
    must be approved or sent back first.
    """
    if not (basis or "").strip():
        raise RevisionError(_l("state the basis of the change"))
    waiting = pending_revision(session, incident.id)
    if waiting is not None:
        if waiting.author_id != moderator.id:
            raise RevisionError(_l("another change to this incident waits for approval: "
                                   "approve it or send it back first"))
        waiting.status, waiting.decided_at, waiting.decided_by_id = "superseded", utcnow(), \
            moderator.id
        tip_ids = [*waiting.tip_ids, *tip_ids]
    base = publishing.public_version(incident)
    if proposed == base:
        raise RevisionError(_l("this changes nothing the public sees"))
    revision = Revision(incident_id=incident.id, action=action, base=base, proposed=proposed,
                        basis=basis.strip(), tip_ids=list(tip_ids), correction_id=correction_id,
                        author_id=moderator.id)
    session.add(revision)
    session.flush()
    audit.record(session, moderator, "revision.propose", revision, reason=revision.basis,
                 incident=incident.id, change=action)
    _add_approval(session, moderator, revision)
    return revision


def approve(session, moderator, revision):
    """Add a further moderator's approval; apply the revision at the required number."""
    if revision.status != "pending":
        raise RevisionError(_l("this change is no longer waiting for approval"))
    if any(a.moderator_id == moderator.id for a in revision.approvals):
        raise RevisionError(_l("you approved this already; another moderator must approve it"))
    if publishing.public_version(revision.incident) != revision.base:
        raise RevisionError(_l("the public version changed since this was proposed: "
                               "send it back"))
    audit.record(session, moderator, "revision.approve", revision,
                 incident=revision.incident_id)
    _add_approval(session, moderator, revision)


def _add_approval(session, moderator, revision):
    session.add(RevisionApproval(revision_id=revision.id, moderator_id=moderator.id))
    session.flush()
    count = session.scalar(select(func.count()).select_from(RevisionApproval)
                           .where(RevisionApproval.revision_id == revision.id))
    if count >= current_app.config["REQUIRED_APPROVALS"]:
        publishing.apply(session, revision, moderator)


def send_back(session, moderator, revision, reason):
    """Refuse a proposal with a reason; the tips it attached return to the queue."""
    if revision.status != "pending":
        raise RevisionError(_l("this change is no longer waiting for approval"))
    if not (reason or "").strip():
        raise RevisionError(_l("say why it goes back"))
    revision.status, revision.decided_at = "returned", utcnow()
    revision.decided_by_id, revision.return_reason = moderator.id, reason.strip()[:500]
    tips = session.scalars(select(Report).where(Report.id.in_(revision.tip_ids or [0]),
                                                Report.status == "approved")).all()
    for tip in tips:
        tip.status, tip.incident_id, tip.decided_at, tip.decided_by_id = (
            "pending", None, None, None)
    revision.incident.report_count = max(revision.incident.report_count - len(tips), 0)
    audit.record(session, moderator, "revision.return", revision, reason=revision.return_reason,
                 incident=revision.incident_id, tips=[t.id for t in tips])


def waiting_for(session, moderator_id, limit=100):
    """Pending revisions this moderator neither wrote nor approved, oldest first."""
    mine = select(RevisionApproval.revision_id).where(RevisionApproval.moderator_id ==
                                                      moderator_id)
    return session.scalars(select(Revision).where(Revision.status == "pending",
                                                  Revision.id.not_in(mine))
                           .order_by(Revision.created_at).limit(limit)).all()
