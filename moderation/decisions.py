"""What moderators decide about tips and incidents; every decision is audited.

Call these inside spatial.write_transaction(); they change rows and append audit events.
"""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mapapp import audit
from mapapp.models import Incident, IncidentApproval, utcnow

REJECT_REASONS = ("not_verifiable", "not_deepfake_abuse", "duplicate", "wrong_institution",
                  "contains_abusive_content", "other")


class DecisionError(Exception):
    """A decision that the rules do not allow (shown to the moderator in their language)."""


def lock_tips(session, moderator, tips):
    """Hold the tips for this moderator; refuse if another moderator holds any of them."""
    now = utcnow()
    for tip in tips:
        if tip.locked_by_id not in (None, moderator.id) and tip.locked_until and (
                tip.locked_until > now):
            raise DecisionError(_l("another moderator is reviewing these tips"))
    until = now + timedelta(minutes=current_app.config["REVIEW_LOCK_MINUTES"])
    for tip in tips:
        tip.locked_by_id, tip.locked_until = moderator.id, until


def _close(tips, moderator, status, reason=None, incident=None):
    now = utcnow()
    for tip in tips:
        tip.status, tip.decided_at, tip.decided_by_id = status, now, moderator.id
        tip.decision_reason, tip.locked_by_id, tip.locked_until = reason, None, None
        if incident is not None:
            tip.incident_id = incident.id


def approve(session, moderator, institution, tips, level, basis, summary_ko, summary_en,
            sources):
    """Approve the tips into the institution's incident and add this moderator's approval.

    The incident is published once REQUIRED_APPROVALS different moderators have approved it.
    """
    if not (basis or "").strip():
        raise DecisionError(_l("state the basis of the verification"))
    if not (summary_ko or "").strip():
        raise DecisionError(_l("write the public summary (Korean)"))
    incident = session.scalar(select(Incident).where(
        Incident.institution_id == institution.id,
        Incident.status.in_(("draft", "published"))).order_by(Incident.id.desc()).limit(1))
    months = [t.occurred_month for t in tips]
    if incident is None:
        incident = Incident(institution_id=institution.id, status="draft",
                            first_reported_month=min(months), last_reported_month=max(months),
                            report_count=0)
        session.add(incident)
    elif months:
        incident.first_reported_month = min([incident.first_reported_month, *months])
        incident.last_reported_month = max([incident.last_reported_month, *months])
    incident.verification_level, incident.verification_basis = level, basis.strip()
    incident.public_summary_ko = summary_ko.strip()
    incident.public_summary_en = (summary_en or "").strip() or None
    incident.public_sources = sources
    incident.report_count += len(tips)
    session.flush()
    _close(tips, moderator, "approved", incident=incident)
    add_approval(session, moderator, incident)
    audit.record(session, moderator, "incident.approve", incident, reason=basis.strip(),
                 tips=[t.id for t in tips], level=level)
    return incident


def add_approval(session, moderator, incident):
    """Record one moderator's approval; publish at the required number. Never twice by one."""
    already = session.scalar(select(IncidentApproval.id).where(
        IncidentApproval.incident_id == incident.id,
        IncidentApproval.moderator_id == moderator.id))
    if incident.status == "draft" and already:
        raise DecisionError(_l("you approved this already; another moderator must approve it"))
    if not already:
        session.add(IncidentApproval(incident_id=incident.id, moderator_id=moderator.id))
        session.flush()
    approvals = session.scalar(select(func.count()).select_from(IncidentApproval)
                               .where(IncidentApproval.incident_id == incident.id))
    if incident.status == "draft" and approvals >= current_app.config["REQUIRED_APPROVALS"]:
        incident.status, incident.published_at = "published", utcnow()
        audit.record(session, moderator, "incident.publish", incident, approvals=approvals)


def confirm(session, moderator, incident):
    """A second moderator's approval of a draft incident, without new tips."""
    if incident.status != "draft":
        raise DecisionError(_l("only a draft incident waits for approval"))
    add_approval(session, moderator, incident)
    audit.record(session, moderator, "incident.confirm", incident)


def reject(session, moderator, tips, reason, note=None):
    """Close the tips as not published, with a reason from the list."""
    if reason not in REJECT_REASONS:
        raise DecisionError(_l("choose a reason from the list"))
    _close(tips, moderator, "rejected", reason=reason)
    audit.record(session, moderator, "tips.reject", reason=reason, tips=[t.id for t in tips],
                 note=note)


def mark_spam(session, moderator, tips):
    """Close the tips as spam (the tipster sees 'not published')."""
    _close(tips, moderator, "spam", reason="spam")
    audit.record(session, moderator, "tips.spam", tips=[t.id for t in tips])


def reply(session, moderator, tip, text):
    """Leave a short reply that the tipster reads with the receipt code."""
    tip.reply = (text or "").strip()[:500] or None
    audit.record(session, moderator, "tip.reply", tip)



def hide(session, moderator, incident, reason):
    """Take a published incident off the public site pending review."""
    if incident.status != "published":
        raise DecisionError(_l("only a published incident can be hidden"))
    if not (reason or "").strip():
        raise DecisionError(_l("say why it is hidden"))
    incident.status, incident.hidden_at = "hidden", utcnow()
    incident.hidden_by_id = moderator.id if moderator else None
    incident.hidden_reason = reason.strip()[:200]
    audit.record(session, moderator, "incident.hide", incident, reason=incident.hidden_reason)



def restore(session, moderator, incident, reason):
    """Publish a hidden incident again after review."""
    if incident.status != "hidden":
        raise DecisionError(_l("only a hidden incident can be restored"))
    incident.status, incident.hidden_reason = "published", None
    audit.record(session, moderator, "incident.restore", incident, reason=reason)


def retract(session, moderator, incident, note):
    """Withdraw an incident for good, with a public note shown in its corrections log."""
    if incident.status == "retracted":
        raise DecisionError(_l("it is retracted already"))
    if not (note or "").strip():
        raise DecisionError(_l("write the public note"))
    incident.status, incident.retracted_at = "retracted", utcnow()
    incident.retraction_note = note.strip()
    audit.record(session, moderator, "incident.retract", incident, reason=incident.retraction_note)


def edit(session, moderator, incident, level, summary_ko, summary_en, sources, reason):
    """Change what the public reads; the reason goes to the audit log."""
    if not (summary_ko or "").strip():
        raise DecisionError(_l("write the public summary (Korean)"))
    before = {"level": incident.verification_level, "summary_ko": incident.public_summary_ko}
    incident.verification_level = level
    incident.public_summary_ko = summary_ko.strip()
    incident.public_summary_en = (summary_en or "").strip() or None
    incident.public_sources = sources
    audit.record(session, moderator, "incident.edit", incident, reason=reason, before=before)


def receive_correction(session, request_):
    """A correction or takedown request arrived: hide the incident pending review (the Korean
    30-day temporary measure), recorded as a system action."""
    incident = session.get(Incident, request_.incident_id)
    session.add(request_)
    session.flush()
    audit.record(session, None, "correction.receive", request_)
    if incident.status == "published":
        hide(session, None, incident, "correction request pending review")


def decide_correction(session, moderator, request_, accept, note):
    """Accept (the incident stays hidden or is retracted) or reject (it is published again)."""
    if request_.status != "pending":
        raise DecisionError(_l("this request was decided already"))
    if not (note or "").strip():
        raise DecisionError(_l("write the decision note"))
    incident = session.get(Incident, request_.incident_id)
    request_.status = "accepted" if accept else "rejected"
    request_.decision_note, request_.decided_at = note.strip(), utcnow()
    request_.decided_by_id = moderator.id
    audit.record(session, moderator, f"correction.{request_.status}", request_, reason=note)
    if not accept and incident.status == "hidden":
        restore(session, moderator, incident, "correction request rejected")


def place_tip(session, moderator, tip, institution):
    """Attach a tip that named an unlisted place to a gazetteer institution."""
    tip.institution_id = institution.id
    tip.sido_code, tip.sigungu_code = institution.sido_code, institution.sigungu_code
    audit.record(session, moderator, "tip.place", tip, institution=institution.id)


def add_institution(session, moderator, name, kind, sigungu_code, lon=None, lat=None):
    """Add an institution the gazetteer lacks, where the moderator put it on the map.

    Without a point it goes to its 시/군/구's inside point, marked approximate. A point must lie
    inside the chosen 시/군/구.
    """
    from mapapp.models import INSTITUTION_KINDS, Institution, Region
    from mapapp.spatial import contains_point, valid_korea_point

    region = session.scalar(select(Region).where(Region.code == sigungu_code,
                                                 Region.level == 2))
    if region is None or not (name or "").strip():
        raise DecisionError(_l("give the name and the 시/군/구"))
    if kind not in INSTITUTION_KINDS:
        raise DecisionError(_l("choose a kind from the list"))
    if (lon is None) != (lat is None):
        raise DecisionError(_l("give both longitude and latitude, or neither"))
    if lon is not None:
        inside = valid_korea_point(lon, lat) and session.scalar(
            select(Region.id).where(Region.id == region.id,
                                    contains_point(session, Region.geom, lon, lat)))
        if not inside:
            raise DecisionError(_l("that point is not inside the chosen 시/군/구"))
    institution = Institution(source="moderator", source_id=secrets.token_hex(8),
                              name_ko=name.strip()[:200], kind=kind, sido_code=region.parent_code,
                              sigungu_code=region.code)
    if lon is None:
        institution.place(region.label_lon, region.label_lat, approximate=True)
    else:
        institution.place(lon, lat)
    session.add(institution)
    session.flush()
    audit.record(session, moderator, "institution.add", institution, name=institution.name_ko)
    return institution
