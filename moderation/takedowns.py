"""Moderators' decisions on correction and takedown requests.

Accepting proposes the change (a retraction or an edit) as a revision linked to the request;
the request is accepted when the revision is approved. Declining a request whose incident is
hidden proposes to show it again; otherwise it is declined at once (nothing public changes).
Call these inside spatial.write_transaction().
"""

from flask_babel import lazy_gettext as _l

from mapapp import audit
from mapapp.models import utcnow
from moderation import decisions
from moderation.revisions import RevisionError

OUTCOMES = ("retract", "edit")


def accept(session, moderator, item, outcome, public_note, basis, values=None):
    """Propose the correction the request asks for, with a note for the public history."""
    if item.status not in ("pending", "triaged"):
        raise RevisionError(_l("this request was decided already"))
    if not (public_note or "").strip():
        raise RevisionError(_l("write the public note"))
    if outcome not in OUTCOMES:
        raise RevisionError(_l("choose what changes"))
    item.public_note, item.decision_note = public_note.strip(), (basis or "").strip() or None
    if outcome == "retract":
        decisions.propose_retract(session, moderator, item.incident, public_note, basis,
                                  correction_id=item.id)
    else:
        decisions.propose_edit(session, moderator, item.incident, values or {}, basis,
                               correction_id=item.id)
    audit.record(session, moderator, "correction.accept", item, reason=basis, outcome=outcome)


def decline(session, moderator, item, note, reply=None):
    """Decline a request; if its incident is hidden for it, propose showing it again."""
    if item.status not in ("pending", "triaged"):
        raise RevisionError(_l("this request was decided already"))
    if not (note or "").strip():
        raise RevisionError(_l("write the decision note"))
    item.decision_note, item.public_note = note.strip(), (reply or "").strip() or None
    audit.record(session, moderator, "correction.decline", item, reason=note)
    if item.status == "triaged" and item.incident.status == "hidden":
        decisions.propose_restore(session, moderator, item.incident, note,
                                  correction_id=item.id)
        return
    item.status, item.decided_at, item.decided_by_id = "rejected", utcnow(), moderator.id
